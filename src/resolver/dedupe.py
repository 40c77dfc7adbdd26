"""Deduplicate party records into resolved entities: features -> predict -> cluster -> outputs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from resolver.cluster import assign_entities, cluster_profiles
from resolver.engine import Engine, registered
from resolver.features import DEFAULT_MAX_BLOCK_SIZE, build_features
from resolver.io.writers import staged_output_dir, write_json, write_table
from resolver.model.adapt import U_MIN_PROFILES, adapt_u_to_data, remeasure_m_on_pairs
from resolver.model.blocking import BLOCKING_RULES
from resolver.model.params import ModelParams
from resolver.model.predict import build_linker, predict_pairs
from resolver.model.scoring import logit2
from resolver.model.spec import M_FROM_SURE_MATCHES

log = logging.getLogger(__name__)

PAIRS_FLOOR = 0.01


@dataclass
class DedupeResult:
    """Outputs of a dedupe run: Arrow tables plus a JSON-able summary."""

    clusters: pa.Table
    entities: pa.Table
    pairs: pa.Table
    summary: dict[str, Any] = field(default_factory=dict)

    def save(self, out_dir: str | Path, fmt: str = "csv", overwrite: bool = False) -> Path:
        """Write clusters/entities (CSV or Parquet), pairs.parquet and summary.json atomically."""
        with staged_output_dir(out_dir, overwrite) as stage:
            write_table(self.clusters, stage / f"clusters.{fmt}", fmt)
            write_table(self.entities, stage / f"entities.{fmt}", fmt)
            write_table(self.pairs, stage / "pairs.parquet", "parquet")
            write_json(self.summary, stage / "summary.json")
        return Path(out_dir)


def dedupe(
    table: pa.Table,
    params: ModelParams,
    engine: Engine,
    *,
    threshold: float | None = None,
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    progress: Callable[[str], None] | None = None,
    adapt: bool = True,
) -> DedupeResult:
    """Resolve the canonical record table into entities with the given trained model.

    With ``adapt`` the model is fitted to the data first: u on random pairs of it, and m of
    id-like comparisons (tax id) on the pairs it scores (see ``resolver.model.adapt``).
    """
    threshold = params.threshold if threshold is None else float(threshold)
    step = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    step("features")
    features = build_features(
        table, engine.con, max_block_size=max_block_size, blocking_rules=BLOCKING_RULES
    )
    timings["features_s"] = time.perf_counter() - t0

    step("predict")
    t1 = time.perf_counter()
    n_profiles = features.profiles.num_rows
    prior = params.prior_for(n_profiles)
    if adapt and n_profiles >= U_MIN_PROFILES:
        params = adapt_u_to_data(params, features.profiles, prior)
    linker = build_linker(engine, params, [features.profiles], link_type="dedupe_only", prior=prior)
    floor = min(PAIRS_FLOOR, threshold)
    pairs_sdf = predict_pairs(linker, floor)
    pairs = _pairs_table(engine, pairs_sdf, features.profiles, list(params.comparisons))
    engine.release(linker)
    remeasured: dict[str, Any] = {}
    if adapt:
        pairs, remeasured = remeasure_m_on_pairs(
            pairs, params, list(M_FROM_SURE_MATCHES), logit2(threshold) - logit2(floor)
        )
    timings["predict_s"] = time.perf_counter() - t1

    step("cluster")
    t2 = time.perf_counter()
    clusters = cluster_profiles(
        pairs, features.profiles.column("unique_id").combine_chunks(), threshold
    )
    assigned = assign_entities(engine.con, features.records, clusters)
    timings["cluster_s"] = time.perf_counter() - t2

    step("outputs")
    t3 = time.perf_counter()
    out_clusters = (
        table.append_column("entity_id", assigned.column("entity_id"))
        .append_column("cluster_size", assigned.column("cluster_size"))
        .append_column("unmatchable", assigned.column("unmatchable"))
    )
    entities = _entities_table(engine, table, assigned, features.records)
    timings["outputs_s"] = time.perf_counter() - t3
    timings["total_s"] = time.perf_counter() - t0

    sizes = pc.value_counts(assigned.column("entity_id")).field("counts")
    summary = {
        "records": table.num_rows,
        "profiles": n_profiles,
        "entities": entities.num_rows,
        "entities_with_several_records": int(pc.sum(pc.greater(sizes, 1)).as_py() or 0),
        "largest_entity": int(pc.max(sizes).as_py() or 0),
        "unmatchable_records": int(pc.sum(assigned.column("unmatchable")).as_py() or 0),
        "pairs_written": pairs.num_rows,
        "pairs_at_or_above_threshold": int(
            pc.sum(pc.greater_equal(pairs.column("match_probability"), threshold)).as_py() or 0
        ),
        "threshold": threshold,
        "pairs_floor": floor,
        "prior": prior,
        "m_measured_on_pairs": remeasured,
        "evidence": {
            "columns_with_data": {k: v for k, v in features.evidence.items() if v},
            "columns_missing": sorted(k for k, v in features.evidence.items() if not v),
            "comparisons_in_model": list(params.comparisons),
        },
        "blocking": features.blocking,
        "max_block_size": max_block_size,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "backend": engine.backend,
        "model": params.metadata.get("path", "in-memory"),
    }
    return DedupeResult(out_clusters, entities, pairs, summary)


def _pairs_table(
    engine: Engine, pairs_sdf, profiles: pa.Table, comparison_names: list[str]
) -> pa.Table:
    """Scored pairs with record ids (the representative record of each profile) and
    per-comparison weights, smaller id on the left, sorted by (id_l, id_r)."""
    available = {c.unquote().name for c in pairs_sdf.columns}
    weights = [f"mw_{c}" for c in comparison_names if f"mw_{c}" in available]
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight", *weights]
    # pid numbers the profiles of a dedupe in unique_id order: sorting on it is sorting on
    # (id_l, id_r) without comparing strings
    tables = {"_pairs_sizes": profiles.select(["unique_id", "n_records", "pid"])}
    if engine.backend == "duckdb":  # read splink's table in place: no extra copy in memory
        source = f'"{pairs_sdf.physical_name}"'
    else:
        source = "_pairs_raw"
        tables[source] = pa.Table.from_pandas(
            pairs_sdf.as_pandas_dataframe()[keep], preserve_index=False
        )
    with registered(engine.con, tables):
        rest = ", ".join(f'p."{c}"' for c in keep[2:])
        return engine.con.sql(
            f"""
            SELECT sl.unique_id AS id_l, sr.unique_id AS id_r,
                   sl.n_records AS n_records_l, sr.n_records AS n_records_r, {rest}
            FROM {source} p
            JOIN _pairs_sizes sl ON sl.unique_id = least(p.unique_id_l, p.unique_id_r)
            JOIN _pairs_sizes sr ON sr.unique_id = greatest(p.unique_id_l, p.unique_id_r)
            ORDER BY sl.pid, sr.pid
            """
        ).to_arrow_table()


# One row per entity: id, most frequent name (ties: smallest), record count, countries. Reads
# _ent (entity_id, name, country: one row per record); shared by every backend.
ENTITIES_SQL = """
    WITH names AS (
        SELECT entity_id, name, count(*) AS n FROM _ent WHERE name IS NOT NULL GROUP BY ALL
    ), best AS (
        SELECT entity_id, arg_min(name, (-n, name)) AS name FROM names GROUP BY entity_id
    ), agg AS (
        SELECT entity_id, count(*) AS n_records,
               string_agg(DISTINCT country, ';' ORDER BY country) AS countries
        FROM _ent GROUP BY entity_id
    )
    SELECT agg.entity_id, best.name, agg.n_records, agg.countries
    FROM agg LEFT JOIN best USING (entity_id)
"""
ENTITIES_ORDER = "n_records DESC, entity_id"


def _entities_table(
    engine: Engine, table: pa.Table, assigned: pa.Table, records: pa.Table
) -> pa.Table:
    """One row per entity (``ENTITIES_SQL``), largest first."""
    cols = {
        "entity_id": assigned.column("entity_id"),
        "name": table.column("name"),
        "country": records.column("country"),
    }
    with registered(engine.con, {"_ent": pa.table(cols)}):
        return engine.con.sql(f"{ENTITIES_SQL} ORDER BY {ENTITIES_ORDER}").to_arrow_table()
