"""A batch joining a state: new profiles, word statistics, blocking, scoring, re-clustering.

1. Features of the new records only; a record identical to a stored profile joins it, the
   others form new profiles.
2. Word statistics grow with the new profiles (``words.py``); the weights of every profile
   scored below come from the grown counts. Stored profiles holding a word whose weight
   drifted beyond the tolerance are blocked and scored again (their stored pairs, and the
   pairs that were below the pairs floor before).
3. Blocking (``keys.py``) of the changed profiles (new ones, stored ones whose rare-word keys
   changed, stored ones that got a smaller record id) against every profile; stored pairs that
   no rule blocks any more are dropped.
4. splink's predict on exactly those pairs (``score.py``) with the state's model and the prior
   of the grown data set; stored pairs get their probability from their stored weights and
   the same prior.
5. The regions the batch touched, and those whose margin the prior's fall used up, are
   clustered again as a full run clusters them and reconciled with the stored entities
   (``recluster.py``): the result is the clustering of every pair.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from resolver.dedupe import (
    DedupeResult,
    entities_table,
    entity_counts,
    evidence_summary,
    groups_to_score,
    pair_counts,
)
from resolver.engine import Engine, registered
from resolver.errors import InputError
from resolver.features import DERIVED_COLUMNS, WordCounts, build_features, rare_word_cap
from resolver.features import weigh_profiles as weigh_with_counts
from resolver.incremental import keys as keymod
from resolver.incremental.first import check_reserved, record_segment, stored_pairs
from resolver.incremental.lineage import SPLIT_PROPOSED
from resolver.incremental.recluster import recluster
from resolver.incremental.score import score_profile_pairs, weight_columns
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
    State,
    files_param,
    latest_pairs_sql,
    now,
    profile_hash_sql,
)
from resolver.incremental.store import (
    KEEP_PROFILE,
    Prepared,
    read_lineage,
    read_words,
)
from resolver.incremental.words import apply_batch, batch_counts, swapped_words
from resolver.model.scoring import logit2, total_weights

log = logging.getLogger(__name__)


def run_batch(
    engine: Engine, state: State, table: pa.Table, source: str, step: Callable[[str], None]
) -> Prepared:
    """Join the records ``table`` to ``state``; the outputs and the new state's files."""
    check_reserved(table, source)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    con = engine.con
    m = state.manifest
    params = state.params
    batch = state.batch + 1
    threshold = float(m["threshold"])
    cap = int(m["max_block_size"])
    floor = float(m["pairs_floor"])
    columns = weight_columns(params)
    profiles_in = files_param(state.segments("profiles"))

    # ---- 1. features of the new records; profiles joined or new
    step("features")
    _check_new_ids(con, state, table, source)
    feats = build_features(table, con, max_block_size=cap)
    batch_profiles = feats.profiles.drop_columns(
        [c for c in feats.profiles.column_names if c in DERIVED_COLUMNS or c == "pid"]
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ib_status AS SELECT * FROM read_parquet($f)",
        {"f": str(state.path(STATUS))},
    )
    with registered(con, {"_ib_bprof": batch_profiles}):
        matched = con.sql(
            f"""
            WITH h AS (SELECT unique_id, {profile_hash_sql()} AS phash FROM _ib_bprof
                       WHERE name_core IS NOT NULL)
            SELECT h.unique_id AS batch_uid, s.pid
            FROM h JOIN read_parquet($files) s ON s.phash = h.phash
            """,
            params=profiles_in,
        ).to_arrow_table()
    joined = dict(
        zip(matched.column("batch_uid").to_pylist(), matched.column("pid").to_pylist(), strict=True)
    )
    next_pid = int(m["next_pid"])
    new_uids = sorted(u for u in batch_profiles.column("unique_id").to_pylist() if u not in joined)
    new_pid = {u: next_pid + i for i, u in enumerate(new_uids)}
    new_base = batch_profiles.filter(
        pc.is_in(batch_profiles.column("unique_id"), pa.array(new_uids, pa.string()))
    )
    new_base = new_base.append_column(
        "pid", pa.array([new_pid[u] for u in new_base.column("unique_id").to_pylist()], pa.int64())
    ).sort_by("pid")
    records = record_segment(table, feats.records, {**joined, **new_pid}, int(m["records"]))
    with registered(con, {"_ib_recs": records.select([PID, "id"])}):
        grown = con.sql(
            f"""
            SELECT r."{PID}" AS pid, count(*) AS added, min(r.id) AS smallest
            FROM _ib_recs r WHERE r."{PID}" < $next GROUP BY ALL
            """,
            params={"next": next_pid},
        ).to_arrow_table()
    with registered(con, {"_ib_grown": grown}):
        smaller_id = con.sql(
            "SELECT s.pid FROM _ib_status s JOIN _ib_grown g USING (pid) "
            "WHERE g.smallest < s.unique_id"
        ).to_arrow_table()
    timings["features_s"] = time.perf_counter() - t0

    # ---- 2. word statistics
    step("word statistics")
    t1 = time.perf_counter()
    words = read_words(state)
    with registered(con, {"_ib_new": new_base}):
        known = con.sql(
            """
            WITH cores AS (
                SELECT DISTINCT name_core, name_keys FROM read_parquet($files)
                WHERE name_core IN (SELECT name_core FROM _ib_new)
            ), addrs AS (
                SELECT DISTINCT address FROM read_parquet($files)
                WHERE address IN (SELECT address FROM _ib_new)
            )
            SELECT n.pid,
                   c.name_core IS NOT NULL AS core_known, a.address IS NOT NULL AS address_known
            FROM _ib_new n
            LEFT JOIN cores c ON c.name_core = n.name_core AND c.name_keys = n.name_keys
            LEFT JOIN addrs a ON a.address = n.address
            """,
            params=profiles_in,
        ).to_arrow_table()
    drift = apply_batch(con, words, batch_counts(con, new_base, known), float(m["drift_tolerance"]))
    counts = drift.words.counts()
    rare_cap = rare_word_cap(cap)

    def weigh(profiles: pa.Table) -> pa.Table:
        return weigh_with_counts(con, profiles, _counts_for(con, counts, profiles), rare_cap)

    # stored profiles whose rare-word keys may change (they hold a word the batch counted that
    # was rare, or two words whose order of frequency it swapped), and those holding a drifted
    # word (their stored pairs are scored again)
    tables = {
        "_ib_touched": drift.touched_names,
        "_ib_before": words.names.select(["k", "pf"]),
        "_ib_df": drift.drifted_folds,
        "_ib_da": drift.drifted_addresses,
        "_ib_swap": swapped_words(con, words.names, drift.words.names, rare_cap),
    }
    with registered(con, tables):
        holders = con.sql(
            """
            WITH wanted AS (
                SELECT k, 'rekey' AS why FROM _ib_touched JOIN _ib_before USING (k)
                WHERE pf <= $cap
                UNION ALL SELECT w, 'swap' FROM _ib_swap UNION ALL SELECT x, 'swap' FROM _ib_swap
            ), nk AS (SELECT pid, unnest(name_keys) AS k FROM read_parquet($files)
                      WHERE name_keys IS NOT NULL),
               held AS (SELECT DISTINCT pid, k, why FROM nk JOIN wanted USING (k)),
               fk AS (SELECT pid, unnest(name_folds) AS k FROM read_parquet($files)
                      WHERE name_folds IS NOT NULL),
               ak AS (SELECT pid, unnest(address_keys) AS k FROM read_parquet($files)
                      WHERE address_keys IS NOT NULL)
            SELECT DISTINCT pid, why FROM held WHERE why <> 'swap'
            UNION SELECT DISTINCT hw.pid, 'rekey' AS why
                  FROM _ib_swap s JOIN held hw ON hw.k = s.w AND hw.why = 'swap'
                  JOIN held hx ON hx.pid = hw.pid AND hx.k = s.x AND hx.why = 'swap'
            UNION SELECT DISTINCT pid, 'drift' AS why FROM fk JOIN _ib_df USING (k)
            UNION SELECT DISTINCT pid, 'drift' AS why FROM ak JOIN _ib_da USING (k)
            """,
            params={**profiles_in, "cap": rare_cap},
        ).to_arrow_table()
    rekey_pids = _pids_where(holders, "rekey")
    drift_pids = _pids_where(holders, "drift")
    timings["words_s"] = time.perf_counter() - t1

    # ---- 3. blocking
    step("blocking")
    t2 = time.perf_counter()
    dynamic = keymod.dynamic_rules()
    static = keymod.static_rules()
    dyn_cols = [keymod.key_column(i) for i in dynamic]
    static_cols = [keymod.key_column(i) for i in static]
    new_weighted = weigh(new_base)
    new_keys = keymod.profile_keys(con, new_weighted, dynamic + static)
    rekeyed = keymod.profile_keys(
        con, weigh(_fetch_profiles(con, state, rekey_pids, "_ib_status")), dynamic
    )
    with registered(con, {"_ib_rk": rekeyed, "_ib_nk": new_keys, "_ib_nb": new_base}):
        changed_keys = con.sql(
            f"""
            SELECT r.pid FROM _ib_rk r JOIN _ib_status s USING (pid)
            WHERE {" OR ".join(f"r.{c} IS DISTINCT FROM s.{c}" for c in dyn_cols)}
            """
        ).to_arrow_table()
        keep_or_new = ", ".join(
            f"CASE WHEN r.pid IS NULL THEN s.{c} ELSE r.{c} END AS {c}" for c in dyn_cols
        )
        with registered(con, {"_ib_grown_t": grown}):
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _ib_status2 AS
                SELECT s.pid, least(s.unique_id, g.smallest) AS unique_id,
                       s.n_records + coalesce(g.added, 0) AS n_records, s.n_records AS n_before,
                       s.entity_id, s.region, s.margin, s.clustered_at, {keep_or_new}
                FROM _ib_status s LEFT JOIN _ib_grown_t g USING (pid)
                LEFT JOIN _ib_rk r USING (pid)
                UNION ALL
                SELECT b.pid, b.unique_id, b.n_records, 0 AS n_before, NULL AS entity_id,
                       b.pid AS region, 'inf'::DOUBLE AS margin, 0.0 AS clustered_at,
                       {", ".join(f"k.{c}" for c in dyn_cols)}
                FROM _ib_nb b JOIN _ib_nk k USING (pid)
                """
            )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {keymod.STATIC} AS
            SELECT pid, {", ".join(static_cols)} FROM read_parquet($files)
            UNION ALL SELECT pid, {", ".join(static_cols)} FROM _ib_nk
            """,
            profiles_in,
        )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {keymod.DYNAMIC} AS "
        f"SELECT pid, {', '.join(dyn_cols)} FROM _ib_status2"
    )
    with registered(con, {"_ib_nsort": new_base.select(["pid", "name_fold_string"])}):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {keymod.UIDS} AS
            SELECT s.pid, s.unique_id, f.name_fold_string AS sort_key
            FROM _ib_status2 s JOIN (
                SELECT pid, name_fold_string FROM read_parquet($files, union_by_name = true)
                UNION ALL SELECT pid, name_fold_string FROM _ib_nsort
            ) f USING (pid)
            """,
            profiles_in,
        )
    changed = pc.unique(
        pa.concat_arrays(
            [
                new_base.column("pid").combine_chunks(),
                changed_keys.column("pid").combine_chunks().cast(pa.int64()),
                smaller_id.column("pid").combine_chunks().cast(pa.int64()),
            ]
        )
    )
    # profiles whose word weights drifted meet their blocked profiles again: a pair scored
    # below the pairs floor before may reach it now
    candidates, crowded = keymod.candidate_pairs(con, changed, cap, also=drift_pids)
    checked_ends = pc.unique(pa.concat_arrays([changed, crowded.cast(pa.int64())]))
    near_ends = pc.unique(pa.concat_arrays([checked_ends, drift_pids]))
    pairs_in = files_param(state.segments("pairs"))
    ends = {"_ib_ends": pa.table({"pid": near_ends}), "_ib_check": pa.table({"pid": checked_ends})}
    with registered(con, ends):
        near = con.sql(
            latest_pairs_sql(
                "pid_a IN (SELECT pid FROM _ib_ends) OR pid_b IN (SELECT pid FROM _ib_ends)"
            ),
            params=pairs_in,
        ).to_arrow_table()
        with registered(con, {"_ib_near_all": near}):
            checked = con.sql(
                "SELECT pid_a, pid_b FROM _ib_near_all WHERE pid_a IN (SELECT pid FROM _ib_check) "
                "OR pid_b IN (SELECT pid FROM _ib_check)"
            ).to_arrow_table()
    blocked = keymod.still_blocked(con, checked, cap)
    tables = {
        "_ib_cand": candidates,
        "_ib_near": near.select(["pid_a", "pid_b"]),
        "_ib_checked": checked,
        "_ib_blocked": blocked,
        "_ib_drift": pa.table({"pid": drift_pids}),
    }
    with registered(con, tables):
        dropped = con.sql(
            "SELECT * FROM _ib_checked ANTI JOIN _ib_blocked USING (pid_a, pid_b)"
        ).to_arrow_table()
        fresh = con.sql(
            "SELECT c.pid_a, c.pid_b FROM _ib_cand c ANTI JOIN _ib_near p USING (pid_a, pid_b)"
        ).to_arrow_table()
        with registered(con, {"_ib_dropped": dropped}):
            rescore = con.sql(
                """
                SELECT n.pid_a, n.pid_b FROM _ib_near n ANTI JOIN _ib_dropped d USING (pid_a, pid_b)
                WHERE n.pid_a IN (SELECT pid FROM _ib_drift) OR n.pid_b IN (SELECT pid FROM _ib_drift)
                """
            ).to_arrow_table()
    timings["blocking_s"] = time.perf_counter() - t2

    # ---- 4. scoring
    step("predict")
    t3 = time.perf_counter()
    n_profiles = int(con.execute("SELECT count(*) FROM _ib_status2").fetchall()[0][0])
    prior = params.prior_for(n_profiles)
    to_score = pa.concat_tables([fresh, rescore.cast(fresh.schema)])

    def score(pairs: pa.Table) -> pa.Table:
        """``pairs`` (pid_a, pid_b) scored with the state's model and the current prior."""
        ends = pc.unique(
            pa.concat_arrays([c.combine_chunks() for c in pairs.select(["pid_a", "pid_b"]).columns])
        )
        stored_ends = pc.filter(ends, pc.invert(pc.is_in(ends, new_base.column("pid"))))
        stored_weighted = weigh(_fetch_profiles(con, state, stored_ends, "_ib_status2"))
        profiles = pa.concat_tables(
            [stored_weighted, new_weighted.select(stored_weighted.column_names)]
        )
        scored = score_profile_pairs(engine, params, prior, profiles, pairs)
        return _with_probability(scored, columns, prior)

    scored = score(to_score)
    is_rescore = pc.is_in(_pair_key(scored), value_set=_pair_key(rescore)).to_numpy(
        zero_copy_only=False
    )
    prob = scored.column("match_probability").to_numpy()
    kept = scored.filter(pa.array((prob >= floor) | is_rescore))
    removed = pa.table(
        {
            "pid_a": dropped.column("pid_a"),
            "pid_b": dropped.column("pid_b"),
            **{c: pa.nulls(dropped.num_rows, pa.float64()) for c in columns},
        }
    )
    segment = pa.concat_tables(
        [
            stored_pairs(kept.select(["pid_a", "pid_b", *columns]), batch),
            stored_pairs(removed, batch, removed=True),
        ]
    )
    timings["predict_s"] = time.perf_counter() - t3

    # ---- 5. re-clustering of the regions the batch touched or whose margin is used up
    step("cluster")
    t4 = time.perf_counter()
    # what can change a region's clusters: a new profile, a smaller record id (node order), a
    # pair at the threshold now, a changed pair inside a region, the prior's fall
    changed_pairs = pa.concat_tables(
        [
            kept.select(["pid_a", "pid_b", "match_probability"]),
            dropped.append_column("match_probability", pa.nulls(dropped.num_rows, pa.float64())),
        ]
    )
    seeds = pa.concat_arrays(
        [
            new_base.column("pid").combine_chunks(),
            smaller_id.column("pid").combine_chunks().cast(pa.int64()),
        ]
    )
    tables = {
        "_ib_changed": changed_pairs,
        "_ib_seeds": pa.table({"pid": seeds}),
        "_ib_seg": segment,
    }
    with registered(con, tables):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _ib_region AS
            WITH ends AS (
                SELECT c.pid_a, c.pid_b FROM _ib_changed c
                JOIN _ib_status2 a ON a.pid = c.pid_a
                JOIN _ib_status2 b ON b.pid = c.pid_b
                WHERE c.match_probability >= $threshold OR a.region = b.region
            ), touched AS (
                SELECT pid_a AS pid FROM ends UNION SELECT pid_b FROM ends
                UNION SELECT pid FROM _ib_seeds
            )
            SELECT pid FROM _ib_status2 WHERE region IN (
                SELECT region FROM _ib_status2
                WHERE pid IN (SELECT pid FROM touched) OR clustered_at - $now >= margin)
            """,
            {"threshold": threshold, "now": logit2(prior)},
        )
        inside = "pid_a IN (SELECT pid FROM _ib_region) AND pid_b IN (SELECT pid FROM _ib_region)"
        region_pairs = con.sql(
            f"""
            SELECT p.* FROM ({latest_pairs_sql(inside)}) p ANTI JOIN _ib_seg s USING (pid_a, pid_b)
            UNION ALL BY NAME
            SELECT * EXCLUDE ({BATCH}, {REMOVED}) FROM _ib_seg WHERE NOT {REMOVED} AND {inside}
            """,
            params=pairs_in,
        ).to_arrow_table()
        nodes = con.sql(
            "SELECT pid, unique_id, n_before, n_records, entity_id FROM _ib_status2 "
            "WHERE pid IN (SELECT pid FROM _ib_region)"
        ).to_arrow_table()
    region_pairs = _with_probability(region_pairs, columns, prior)
    region_pairs, within = _within_groups(con, nodes, region_pairs, floor, threshold, score)
    if within.num_rows:
        segment = pa.concat_tables(
            [segment, stored_pairs(within.select(["pid_a", "pid_b", *columns]), batch)]
        )
    date = now()
    redone = recluster(con, nodes, region_pairs, threshold, date=date, batch=batch)
    with registered(con, {"_ib_redone": redone.nodes}):
        status = con.sql(
            f"""
            SELECT s.pid, s.unique_id, s.n_records, coalesce(r.entity_id, s.entity_id) AS entity_id,
                   coalesce(r.region, s.region) AS region, coalesce(r.margin, s.margin) AS margin,
                   CASE WHEN r.pid IS NULL THEN s.clustered_at ELSE $now END AS clustered_at,
                   {", ".join(f"s.{c}" for c in dyn_cols)}
            FROM _ib_status2 s LEFT JOIN _ib_redone r USING (pid) ORDER BY s.pid
            """,
            params={"now": logit2(prior)},
        ).to_arrow_table()
        # entities to compute again: those of the re-clustered profiles (before and after) and
        # those records joined
        with registered(con, {"_ib_grown_pids": grown.select(["pid"])}):
            stale_entities = con.sql(
                """
                SELECT entity_id FROM _ib_status2 WHERE pid IN (SELECT pid FROM _ib_redone)
                UNION SELECT entity_id FROM _ib_redone
                UNION SELECT entity_id FROM _ib_status2
                      WHERE pid IN (SELECT pid FROM _ib_grown_pids)
                """
            ).to_arrow_table()
        stale_entities = stale_entities.filter(pc.is_valid(stale_entities.column("entity_id")))
    con.execute("DROP TABLE IF EXISTS _ib_region")
    timings["cluster_s"] = time.perf_counter() - t4

    # ---- 6. outputs
    step("outputs")
    t5 = time.perf_counter()
    previous_lineage = read_lineage(state)
    new_rows = _drop_repeated_splits(redone.lineage, previous_lineage)
    lineage = pa.concat_tables([previous_lineage, new_rows])
    previous_parts = pq.read_table(state.path(PROPOSED))
    parts = pa.concat_tables(
        [
            previous_parts.filter(
                pc.invert(pc.is_in(previous_parts.column("pid"), redone.nodes.column("pid")))
            ),
            redone.split_parts,
        ]
    )
    clusters, entities, proposed = _outputs(engine, state, records, status, parts, stale_entities)
    pairs_out = _pairs_output(
        con, pa.concat_tables([scored, within.select(scored.column_names)]), status
    )
    timings["outputs_s"] = time.perf_counter() - t5
    timings["total_s"] = time.perf_counter() - t0

    summary = {
        "records": clusters.num_rows,
        "profiles": n_profiles,
        **entity_counts(clusters, entities),
        **pair_counts(pairs_out, threshold),
        "threshold": threshold,
        "pairs_floor": floor,
        "prior": prior,
        "incremental": {
            "batch": batch,
            "first_run": False,
            "batch_records": table.num_rows,
            "batch_records_joining_stored_profiles": sum(
                1 for p in records.column(PID).to_pylist() if p < next_pid
            ),
            "new_profiles": new_base.num_rows,
            "stored_profiles_with_new_rare_word_keys": changed_keys.num_rows,
            "stored_profiles_with_a_smaller_record_id": smaller_id.num_rows,
            "new_pairs_scored": fresh.num_rows,
            "old_pairs_rescored": rescore.num_rows,
            "old_pairs_no_longer_blocked": dropped.num_rows,
            "pairs_scored_within_candidate_entities": within.num_rows,
            "drifted_name_words": drift.drifted_folds.num_rows,
            "drifted_address_tokens": drift.drifted_addresses.num_rows,
            "drift_tolerance": float(m["drift_tolerance"]),
            "profiles_reclustered": redone.nodes.num_rows,
            "new_entities": redone.new_entities,
            "merges": redone.merges,
            "split_proposals": int(
                pc.sum(pc.equal(new_rows.column("reason"), SPLIT_PROPOSED)).as_py() or 0
            ),
            "entities_kept_whole": len(set(proposed.column("entity_id").to_pylist())),
        },
        "evidence": evidence_summary(feats.evidence, params),  # of this batch's records
        "max_block_size": cap,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "backend": engine.backend,
        "model": str(state.folder / "state-model.json"),
    }
    manifest = json.loads(json.dumps(m))
    manifest.update(
        records=int(m["records"]) + table.num_rows,
        profiles=n_profiles,
        next_pid=next_pid + len(new_uids),
        n_cores=drift.words.n_cores,
        n_addresses=drift.words.n_addresses,
    )
    manifest["batches"].append(
        {"batch": batch, "date": date, "records": table.num_rows, "source": source}
    )
    profile_segment = _profile_segment(con, new_base, new_keys)
    for t in ("_ib_status", "_ib_status2", keymod.STATIC, keymod.UIDS):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    con.execute(f"DROP VIEW IF EXISTS {keymod.DYNAMIC}")
    return Prepared(
        DedupeResult(clusters, entities, pairs_out, summary, model=params),
        batch=batch,
        manifest=manifest,
        segments={"records": records, "profiles": profile_segment, "pairs": segment},
        tables={STATUS: status, ENTITIES: entities, PROPOSED: parts},
        words=drift.words,
        lineage=lineage,
        proposed=proposed,
    )


def _check_new_ids(con, state: State, table: pa.Table, source: str) -> None:
    """Record ids must be unique over all batches."""
    with registered(con, {"_ib_ids": table.select(["id"])}):
        seen = con.sql(
            "SELECT r.id FROM read_parquet($files, union_by_name = true) r SEMI JOIN _ib_ids "
            "USING (id) ORDER BY r.id LIMIT 1",
            params=files_param(state.segments("records")),
        ).fetchall()
    if seen:
        first = seen[0][0]
        row = table.column("id").to_pylist().index(first) + 1
        raise InputError(
            f"{source}: row {row}: id '{first}' is already in the state {state.folder}; record "
            "ids must be unique over all batches"
        )


def _counts_for(con, counts: WordCounts, profiles: pa.Table) -> WordCounts:
    """``counts`` restricted to the words of ``profiles`` (weights need no others)."""
    tables = {
        "_ib_kc": counts.names,
        "_ib_fc": counts.folds,
        "_ib_ac": counts.addresses,
        "_ib_p": profiles.select(["name_keys", "name_folds", "address_keys"]),
    }
    with registered(con, tables):
        return WordCounts(
            *(
                con.sql(
                    f"SELECT * FROM {table} WHERE k IN (SELECT unnest({column}) FROM _ib_p)"
                ).to_arrow_table()
                for table, column in (
                    ("_ib_kc", "name_keys"),
                    ("_ib_fc", "name_folds"),
                    ("_ib_ac", "address_keys"),
                )
            ),
            counts.n_cores,
            counts.n_addresses,
        )


def _within_groups(
    con, nodes: pa.Table, pairs: pa.Table, floor: float, threshold: float, score
) -> tuple[pa.Table, pa.Table]:
    """The pairs of the re-clustered regions as a full run clusters them: those at or above
    the floor, and every pair inside a candidate entity that ``dedupe.groups_to_score`` picks
    (the missing ones scored with ``score``). Returns them and the pairs scored here."""
    pids = np.sort(nodes.column("pid").to_numpy())
    above = pairs.filter(pc.greater_equal(pairs.column("match_probability"), floor))
    labels = groups_to_score(
        len(pids),
        np.searchsorted(pids, above.column("pid_a").to_numpy()),
        np.searchsorted(pids, above.column("pid_b").to_numpy()),
        above.column("match_probability").to_numpy(),
        threshold,
    )
    if not (labels >= 0).any():
        return above, pairs.schema.empty_table()
    chosen = pa.table({"pid": pids[labels >= 0], "grp": labels[labels >= 0]})
    with registered(con, {"_ib_grp": chosen, "_ib_rp": pairs.select(["pid_a", "pid_b"])}):
        missing = con.sql(
            """
            SELECT a.pid AS pid_a, b.pid AS pid_b
            FROM _ib_grp a JOIN _ib_grp b ON a.grp = b.grp AND a.pid < b.pid
            ANTI JOIN _ib_rp p ON p.pid_a = a.pid AND p.pid_b = b.pid
            """
        ).to_arrow_table()
        same = con.sql(
            """
            SELECT p.pid_a, p.pid_b FROM _ib_rp p
            JOIN _ib_grp a ON a.pid = p.pid_a JOIN _ib_grp b ON b.pid = p.pid_b
            WHERE a.grp = b.grp
            """
        ).to_arrow_table()
    below = pairs.filter(
        pc.and_(
            pc.is_in(_pair_key(pairs), value_set=_pair_key(same)),
            pc.less(pairs.column("match_probability"), floor),
        )
    )
    within = (
        score(missing).select(pairs.column_names)
        if missing.num_rows
        else pairs.schema.empty_table()
    )
    return pa.concat_tables([above, below, within]), within


def _pids_where(holders: pa.Table, why: str) -> pa.Array:
    chosen = holders.filter(pc.equal(holders.column("why"), why)).column("pid")
    return pc.unique(chosen.combine_chunks()).cast(pa.int64())


def _fetch_profiles(con, state: State, pids: pa.Array, status: str) -> pa.Table:
    """The stored base features of the profiles ``pids``, with their smallest record id and
    record count from the status table ``status``."""
    skip = ["phash", *(keymod.key_column(i) for i in keymod.static_rules())]
    with registered(con, {"_ib_pids": pa.table({"pid": pa.array(pids, pa.int64())})}):
        return con.sql(
            f"""
            SELECT p.pid, s.unique_id, s.n_records, p.* EXCLUDE (pid, {", ".join(skip)})
            FROM read_parquet($files, union_by_name = true) p
            JOIN {status} s USING (pid)
            WHERE p.pid IN (SELECT pid FROM _ib_pids)
            ORDER BY p.pid
            """,
            params=files_param(state.segments("profiles")),
        ).to_arrow_table()


def _profile_segment(con, base: pa.Table, keys: pa.Table) -> pa.Table:
    """The stored form of new profiles: pid, identity hash, base features, static keys."""
    columns = [c for c in base.column_names if c not in KEEP_PROFILE]
    static = ", ".join(f"k.{keymod.key_column(i)}" for i in keymod.static_rules())
    with registered(con, {"_ib_sb": base, "_ib_sk": keys}):
        return con.sql(
            f"""
            SELECT b.pid, CASE WHEN b.name_core IS NOT NULL THEN {profile_hash_sql("b")} END
                       AS phash,
                   {", ".join(f"b.{c}" for c in columns)}, {static}
            FROM _ib_sb b JOIN _ib_sk k USING (pid) ORDER BY b.pid
            """
        ).to_arrow_table()


def _with_probability(pairs: pa.Table, columns: list[str], prior: float) -> pa.Table:
    """``pairs`` with match_weight and match_probability from their comparison weights and the
    prior (splink's sum and formula)."""
    total, prob = total_weights(
        prior, [pairs.column(c).to_numpy() for c in columns], pairs.num_rows
    )
    for name, values in (("match_weight", total), ("match_probability", prob)):
        if name in pairs.column_names:
            pairs = pairs.drop_columns([name])
        pairs = pairs.append_column(name, pa.array(values))
    return pairs


def _pair_key(pairs: pa.Table) -> pa.Array:
    key = pc.add(pc.multiply(pairs.column("pid_a"), 2**32), pairs.column("pid_b"))
    return key.combine_chunks() if isinstance(key, pa.ChunkedArray) else key


def _drop_repeated_splits(rows: pa.Table, previous: pa.Table) -> pa.Table:
    """The batch's lineage rows, less split proposals already reported in the same words."""
    last = {
        old: detail
        for reason, old, detail in zip(
            *(previous.column(c).to_pylist() for c in ("reason", "old_id", "detail")), strict=True
        )
        if reason == SPLIT_PROPOSED
    }
    keep = [
        not (reason == SPLIT_PROPOSED and last.get(old) == detail)
        for reason, old, detail in zip(
            *(rows.column(c).to_pylist() for c in ("reason", "old_id", "detail")), strict=True
        )
    ]
    return rows.filter(pa.array(keep, pa.bool_()))


def _outputs(
    engine: Engine,
    state: State,
    new_records: pa.Table,
    status: pa.Table,
    parts: pa.Table,
    stale: pa.Table,
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """clusters (every record of every batch, in order, with its entity), entities (the
    ``stale`` ones computed again, the others kept), and the records of entities kept whole
    with the part a full run would put them in."""
    con = engine.con
    internal = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    tables = {
        "_ib_newrec": new_records,
        "_ib_st": status.select(["pid", "entity_id", "n_records"]),
        "_ib_parts": parts,
        "_ib_prev_ent": pq.read_table(state.path(ENTITIES)),
        "_ib_stale": stale,
    }
    with registered(con, tables):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _ib_all AS
            SELECT * FROM read_parquet($files, union_by_name = true)
            UNION ALL BY NAME SELECT * FROM _ib_newrec
            """,
            files_param(state.segments("records")),
        )
        clusters = con.sql(
            f"""
            WITH sizes AS (SELECT entity_id, CAST(sum(n_records) AS BIGINT) AS cluster_size
                           FROM _ib_st GROUP BY ALL)
            SELECT r.* EXCLUDE ({internal}), s.entity_id, z.cluster_size,
                   r."{UNMATCHABLE}" AS unmatchable
            FROM _ib_all r JOIN _ib_st s ON s.pid = r."{PID}" JOIN sizes z USING (entity_id)
            ORDER BY r."{ROW}"
            """
        ).to_arrow_table()
        changed = con.sql(
            f"""
            SELECT r.name, s.entity_id, r."{COUNTRY}" AS country
            FROM _ib_all r JOIN _ib_st s ON s.pid = r."{PID}"
            WHERE s.entity_id IN (SELECT entity_id FROM _ib_stale)
            ORDER BY r."{ROW}"
            """
        ).to_arrow_table()
        proposed = con.sql(
            f"""
            SELECT r.id, s.entity_id, p.part AS proposed_part
            FROM _ib_all r JOIN _ib_parts p ON p.pid = r."{PID}" JOIN _ib_st s ON s.pid = p.pid
            ORDER BY s.entity_id, p.part, r."{ROW}"
            """
        ).to_arrow_table()
        redone_entities = entities_table(
            engine, changed, changed.select(["entity_id"]), changed.select(["country"])
        )
        with registered(con, {"_ib_new_ent": redone_entities}):
            entities = con.sql(
                """
                SELECT * FROM _ib_prev_ent WHERE entity_id NOT IN (SELECT entity_id FROM _ib_stale)
                UNION ALL SELECT * FROM _ib_new_ent
                ORDER BY n_records DESC, entity_id
                """
            ).to_arrow_table()
    con.execute("DROP TABLE IF EXISTS _ib_all")
    return clusters, entities, proposed


def _pairs_output(con, scored: pa.Table, status: pa.Table) -> pa.Table:
    """The pairs this batch scored, in dedupe's pairs.parquet form (ids are the profiles'
    smallest record ids, the smaller on the left)."""
    columns = [c for c in scored.column_names if c.startswith("mw_")]
    weights = ", ".join(f'p."{c}"' for c in columns)
    ids = status.select(["pid", "unique_id", "n_records"])
    with registered(con, {"_ib_sp": scored, "_ib_pst": ids}):
        return con.sql(
            f"""
            SELECT least(a.unique_id, b.unique_id) AS id_l,
                   greatest(a.unique_id, b.unique_id) AS id_r,
                   CASE WHEN a.unique_id < b.unique_id THEN a.n_records ELSE b.n_records END
                       AS n_records_l,
                   CASE WHEN a.unique_id < b.unique_id THEN b.n_records ELSE a.n_records END
                       AS n_records_r,
                   p.match_probability, p.match_weight, {weights}
            FROM _ib_sp p JOIN _ib_pst a ON a.pid = p.pid_a JOIN _ib_pst b ON b.pid = p.pid_b
            ORDER BY id_l, id_r
            """
        ).to_arrow_table()
