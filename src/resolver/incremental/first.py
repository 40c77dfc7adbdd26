"""The first run into a state folder: a full dedupe, stored so that batches can go on from it.

The clusters and entity ids are the full run's (``resolver dedupe --out`` gives the same).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from resolver.dedupe import dedupe
from resolver.engine import Engine, registered
from resolver.errors import InputError
from resolver.features import DERIVED_COLUMNS
from resolver.incremental import keys as keymod
from resolver.incremental.lineage import lineage_schema
from resolver.incremental.recluster import first_margins
from resolver.incremental.score import weight_columns
from resolver.incremental.state import (
    BATCH,
    COUNTRY,
    ENTITIES,
    PID,
    PROPOSED,
    RECORD_COLUMNS,
    REMOVED,
    ROW,
    STATUS,
    UNMATCHABLE,
    new_manifest,
    now,
    profile_hash_sql,
)
from resolver.incremental.store import KEEP_PROFILE, Prepared, empty_proposed
from resolver.incremental.words import DRIFT_TOLERANCE, initial_state
from resolver.model.params import ModelParams
from resolver.model.scoring import logit2


def check_reserved(table: pa.Table, source: str) -> None:
    taken = [c for c in RECORD_COLUMNS if c in table.column_names]
    if taken:
        raise InputError(
            f"{source}: column '{taken[0]}' is reserved for resolver's state; rename it"
        )


def record_segment(
    table: pa.Table, records: pa.Table, pid_of_profile: dict[str, int], start_row: int
) -> pa.Table:
    """The records as read, with their profile, normalized country and position."""
    pids = [pid_of_profile[p] for p in records.column("profile_id").to_pylist()]
    return (
        table.append_column(PID, pa.array(pids, pa.int64()))
        .append_column(COUNTRY, records.column("country"))
        .append_column(UNMATCHABLE, records.column("unmatchable"))
        .append_column(
            ROW, pa.array(np.arange(start_row, start_row + table.num_rows, dtype=np.int64))
        )
    )


def stored_pairs(pairs: pa.Table, batch: int, removed: bool = False) -> pa.Table:
    """Pairs as stored: ``pid_a < pid_b``, the comparison weights, whether the row removes the
    pair, the batch that wrote the row."""
    a = pairs.column("pid_a").to_numpy()
    b = pairs.column("pid_b").to_numpy()
    out = pairs.set_column(0, "pid_a", pa.array(np.minimum(a, b), pa.int64()))
    out = out.set_column(1, "pid_b", pa.array(np.maximum(a, b), pa.int64()))
    return out.append_column(REMOVED, pa.array(np.full(out.num_rows, removed))).append_column(
        BATCH, pa.array(np.full(out.num_rows, batch, np.int32))
    )


def first_run(
    engine: Engine,
    params: ModelParams,
    table: pa.Table,
    *,
    threshold: float | None,
    max_block_size: int | None,
    fingerprint: str,
    source: str,
    step,
) -> Prepared:
    """A full dedupe of ``table`` and the state that lets later batches go on from it."""
    check_reserved(table, source)
    kwargs = {} if max_block_size is None else {"max_block_size": max_block_size}
    result = dedupe(
        table, params, engine, threshold=threshold, progress=step, keep_internals=True, **kwargs
    )
    internals, result.internals = result.internals, None  # the caller gets the outputs only
    # the prior the run used (estimated on the data set, see model/prior.py) as a number of
    # matches per profile: batches keep it, so the prior falls as the state grows
    n_first = internals.features.profiles.num_rows
    model = replace(
        internals.params, expected_matches_per_profile=internals.prior * max(n_first - 1, 1)
    )
    step("state")
    t0 = time.perf_counter()
    con = engine.con
    features = internals.features
    profiles = features.profiles
    keys = keymod.profile_keys(con, profiles, keymod.dynamic_rules() + keymod.static_rules())
    base = [
        c
        for c in profiles.column_names
        if c not in DERIVED_COLUMNS and not c.startswith(("blk_", "win_")) and c not in KEEP_PROFILE
    ]
    static = ", ".join(f"k.{keymod.key_column(i)}" for i in keymod.static_rules())
    dynamic = ", ".join(f"k.{keymod.key_column(i)}" for i in keymod.dynamic_rules())
    pid_of_profile = dict(
        zip(
            profiles.column("unique_id").to_pylist(),
            profiles.column("pid").to_pylist(),
            strict=True,
        )
    )
    records = features.records
    pairs = result.pairs
    pid_a = np.fromiter((pid_of_profile[x] for x in pairs.column("id_l").to_pylist()), np.int64)
    pid_b = np.fromiter((pid_of_profile[x] for x in pairs.column("id_r").to_pylist()), np.int64)
    threshold_used = float(result.summary["threshold"])
    n = int(pc.max(profiles.column("pid")).as_py() or 0) + 1
    scored = pa.table(
        {
            "pid_a": pid_a,
            "pid_b": pid_b,
            "match_probability": pairs.column("match_probability"),
            "match_weight": pairs.column("match_weight"),
        }
    )
    # pids number the profiles in order of their smallest record id, as nodes of a clustering
    region, margin = first_margins(profiles.column("pid").to_numpy(), scored, threshold_used)
    entity_of = pa.table(
        {
            "profile_id": records.column("profile_id"),
            "entity_id": result.clusters.column("entity_id"),
        }
    )
    with registered(con, {"_if_prof": profiles, "_if_keys": keys, "_if_ent": entity_of}):
        profile_segment = con.sql(
            f"""
            SELECT p.pid, CASE WHEN p.name_core IS NOT NULL THEN {profile_hash_sql("p")} END
                       AS phash,
                   {", ".join(f"p.{c}" for c in base)}, {static}
            FROM _if_prof p JOIN _if_keys k USING (pid) ORDER BY p.pid
            """
        ).to_arrow_table()
        status = con.sql(
            f"""
            SELECT p.pid, p.unique_id, p.n_records, e.entity_id, {dynamic}
            FROM _if_prof p JOIN _if_keys k USING (pid)
            JOIN (SELECT profile_id, any_value(entity_id) AS entity_id FROM _if_ent GROUP BY ALL) e
              ON e.profile_id = p.unique_id
            ORDER BY p.pid
            """
        ).to_arrow_table()
    status = (
        status.add_column(4, "region", pa.array(region, pa.int64()))
        .add_column(5, "margin", pa.array(margin))
        .add_column(6, "clustered_at", pa.array(np.full(status.num_rows, logit2(internals.prior))))
    )
    pair_segment = stored_pairs(
        pa.table(
            {
                "pid_a": pid_a,
                "pid_b": pid_b,
                **{c: pairs.column(c) for c in weight_columns(model)},
            }
        ),
        batch=1,
    )
    words = initial_state(con, features.words)
    manifest = new_manifest(
        {
            "threshold": threshold_used,
            "max_block_size": result.summary["max_block_size"],
            "pairs_floor": result.summary["pairs_floor"],
            "model_source": params.metadata.get("path", "in-memory"),
            "model_fingerprint": fingerprint,
            "drift_tolerance": DRIFT_TOLERANCE,
            "records": table.num_rows,
            "profiles": profiles.num_rows,
            "next_pid": n,
            "n_cores": words.n_cores,
            "n_addresses": words.n_addresses,
        }
    )
    manifest["batches"].append(
        {"batch": 1, "date": now(), "records": table.num_rows, "source": source}
    )
    result.summary["incremental"] = {"batch": 1, "first_run": True}
    tables = {
        STATUS: status,
        ENTITIES: result.entities,
        PROPOSED: pa.schema([("pid", pa.int64()), ("part", pa.string())]).empty_table(),
    }
    segments = {
        "records": record_segment(table, records, pid_of_profile, start_row=0),
        "profiles": profile_segment,
        "pairs": pair_segment,
    }
    result.summary["incremental"]["state_s"] = round(time.perf_counter() - t0, 3)
    return Prepared(
        result,
        batch=1,
        manifest=manifest,
        segments=segments,
        tables=tables,
        words=words,
        lineage=lineage_schema().empty_table(),
        proposed=empty_proposed(),
        model=model,
    )
