"""Deduplicate party records into resolved entities: features -> predict -> cluster -> outputs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from splink import block_on

from resolver.cluster import assign_entities, cluster_profiles, component_labels
from resolver.engine import Engine, registered
from resolver.features import DEFAULT_MAX_BLOCK_SIZE, FeatureSet, build_features
from resolver.io.writers import staged_output_dir, write_json, write_table
from resolver.memory import release_memory
from resolver.model.adapt import (
    U_MIN_PROFILES,
    observed_level_rates,
    remeasure_m_on_pairs,
    u_from_observed,
)
from resolver.model.blocking import BLOCKING_RULES
from resolver.model.params import ModelParams
from resolver.model.predict import build_linker, predict_pairs, splink_source, weight_patterns
from resolver.model.prior import MAX_FACTOR, estimate_prior, level_weights, names_only
from resolver.model.scoring import logit2
from resolver.model.spec import M_FROM_SURE_MATCHES
from resolver.review.evidence import MODEL_FILE, comparisons_of, model_in_use
from resolver.review.links import record_links
from resolver.review.spelling import representative_names

log = logging.getLogger(__name__)

PAIRS_FLOOR = 0.01
# Candidate entities (groups linked at the threshold) of at most this many profiles whose
# members were compared with each other in less than MIN_SCORED_SHARE of their pairs are scored
# whole before clustering (``_score_within_groups``). 300, not 200: a 239-profile chain of 86
# Dubai traders on a 100k dev set (seed 1201) came apart (pairwise P 0.934 -> 0.970); on 1M
# rows it adds 160k pairs to 280k (2,000 would add 1M pairs and ~15 s of CPU for no gain there).
MAX_RESCORED_GROUP = 300
MIN_SCORED_SHARE = 0.5


@dataclass
class DedupeInternals:
    """What a dedupe run worked with, kept on request for incremental resolution to go on from."""

    features: FeatureSet
    params: ModelParams  # as the pairs were scored: u adapted, m measured on the pairs
    prior: float
    profile_clusters: pa.Table  # unique_id, cluster_id per profile


@dataclass
class DedupeResult:
    """Outputs of a dedupe run: Arrow tables plus a JSON-able summary."""

    clusters: pa.Table
    entities: pa.Table
    pairs: pa.Table
    summary: dict[str, Any] = field(default_factory=dict)
    links: pa.Table | None = None  # per record: the neighbour holding it in its entity, and why
    model: ModelParams | None = None  # the model in use (adapted to the data), for explain
    internals: DedupeInternals | None = field(default=None, repr=False)
    record_profiles: pa.Table | None = None  # id, profile_id: the profile ids pairs are on

    def save(self, out_dir: str | Path, fmt: str = "csv", overwrite: bool = False) -> Path:
        """Write clusters/entities/links (CSV or Parquet), pairs.parquet, summary.json, the
        model in use and report.html atomically."""
        with staged_output_dir(out_dir, overwrite) as stage:
            self.write(stage, fmt)
        return Path(out_dir)

    def write(self, folder: Path, fmt: str = "csv") -> None:
        """Write the output files into ``folder`` (a staging folder: ``save`` swaps it in)."""
        from resolver.report import REPORT_FILE
        from resolver.report.dedupe import write_dedupe_report

        release_memory()  # what the run freed (features, DuckDB's work) before the writers' copies
        write_table(self.clusters, folder / f"clusters.{fmt}", fmt)
        write_table(self.entities, folder / f"entities.{fmt}", fmt)
        if self.links is not None:
            write_table(self.links, folder / f"links.{fmt}", fmt)
        write_table(self.pairs, folder / "pairs.parquet", "parquet")
        if self.model is not None:
            self.model.save(folder / MODEL_FILE)
        write_json(self.summary, folder / "summary.json")
        write_dedupe_report(self, folder / REPORT_FILE)


def dedupe(
    table: pa.Table,
    params: ModelParams,
    engine: Engine,
    *,
    threshold: float | None = None,
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    progress: Callable[[str], None] | None = None,
    adapt: bool = True,
    links: bool = True,
    keep_internals: bool = False,
) -> DedupeResult:
    """Resolve the canonical record table into entities with the given trained model.

    With ``adapt`` the model is fitted to the data first: u on random pairs of it, and m of
    id-like comparisons (tax id) on the pairs it scores (see ``resolver.model.adapt``).
    ``links=False`` skips ``links.csv``'s table (a caller that does not write it).
    ``keep_internals``: the result also holds the features, fitted model and profile clusters.
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

    release_memory()  # the feature tables DuckDB built and dropped
    step("predict")
    t1 = time.perf_counter()
    n_profiles = features.profiles.num_rows
    model_prior = prior = params.prior_for(n_profiles)
    floor = min(PAIRS_FLOOR, threshold)
    adapting = adapt and n_profiles >= U_MIN_PROFILES
    only_names = names_only(features.evidence)
    prior_method = "model"
    model_params = params
    if adapting:
        observed = observed_level_rates(params, features.profiles, prior)
        params = u_from_observed(params, observed, prior)
    linker = build_linker(
        engine, params, [_pid_keyed(features.profiles)], link_type="dedupe_only", prior=prior
    )
    # with a names-only estimate to come, pairs are kept that could reach the floor at the
    # highest prior it may choose (an estimate from other evidence only lowers the prior)
    pairs_sdf = predict_pairs(linker, floor / MAX_FACTOR if adapting and only_names else floor)
    release_memory()  # splink's work tables (its scored pairs stay in DuckDB)
    names = list(params.comparisons)
    reweigh = None
    if adapting:
        found = estimate_prior(
            model_params,
            observed,
            weight_patterns(engine, pairs_sdf, names),
            params,
            n_profiles * (n_profiles - 1) / 2,
            model_prior,
            only_names,
        )
        reweigh = (level_weights(params), level_weights(found.params), found.prior)
        params, prior, prior_method = found.params, found.prior, found.method
    pairs = _pairs_table(
        engine,
        pairs_sdf,
        features.profiles,
        names,
        reweigh=reweigh,
        floor=floor,
        done=lambda: engine.release(linker),
    )
    pairs, rescored = _score_within_groups(
        engine, params, features.profiles, pairs, prior, threshold
    )
    remeasured: dict[str, Any] = {}
    if adapt:
        pairs, remeasured = remeasure_m_on_pairs(
            pairs, params, list(M_FROM_SURE_MATCHES), logit2(threshold) - logit2(floor)
        )
        release_memory()  # the pairs' columns it replaced
    timings["predict_s"] = time.perf_counter() - t1

    step("cluster")
    t2 = time.perf_counter()
    clusters = cluster_profiles(
        pairs, features.profiles.column("unique_id").combine_chunks(), threshold
    )
    assigned = assign_entities(engine.con, features.records, clusters)
    release_memory()
    timings["cluster_s"] = time.perf_counter() - t2

    step("outputs")
    t3 = time.perf_counter()
    out_clusters = (
        table.append_column("entity_id", assigned.column("entity_id"))
        .append_column("cluster_size", assigned.column("cluster_size"))
        .append_column("unmatchable", assigned.column("unmatchable"))
    )
    entities = entities_table(engine, table, assigned, features.records)
    release_memory()
    in_use = model_in_use(params, remeasured)
    record_evidence = None
    if links:
        record_evidence = record_links(
            engine.con,
            features.records,
            table.column("name"),
            assigned.column("entity_id"),
            pairs,
            comparisons_of(in_use),
        )
    timings["outputs_s"] = time.perf_counter() - t3
    timings["total_s"] = time.perf_counter() - t0

    summary = {
        "records": table.num_rows,
        "profiles": n_profiles,
        **entity_counts(assigned, entities),
        **pair_counts(pairs, threshold),
        **run_summary(
            features,
            params,
            threshold=threshold,
            floor=floor,
            rescored=rescored,
            prior=prior,
            model_prior=model_prior,
            prior_method=prior_method,
            remeasured=remeasured,
            max_block_size=max_block_size,
            timings=timings,
            backend=engine.backend,
        ),
    }
    internals = DedupeInternals(features, in_use, prior, clusters) if keep_internals else None
    return DedupeResult(
        out_clusters,
        entities,
        pairs,
        summary,
        record_evidence,
        in_use,
        internals,
        features.records.select(["id", "profile_id"]),
    )


def run_summary(
    features: Any,
    params: ModelParams,
    *,
    threshold: float,
    floor: float,
    rescored: int,
    prior: float,
    model_prior: float,
    prior_method: str,
    remeasured: dict[str, Any],
    max_block_size: int,
    timings: dict[str, float],
    backend: str,
) -> dict[str, Any]:
    """The summary.json entries of a dedupe run besides its counts, alike on every backend
    (``features``: a ``FeatureSet`` or its Spark twin, both with evidence and blocking)."""
    return {
        "threshold": threshold,
        "pairs_floor": floor,
        "pairs_scored_within_candidate_entities": rescored,
        "prior": prior,
        "prior_model": model_prior,
        "prior_method": prior_method,
        "m_measured_on_pairs": remeasured,
        "evidence": evidence_summary(features.evidence, params),
        "blocking": features.blocking,
        "max_block_size": max_block_size,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "backend": backend,
        "model": params.metadata.get("path", "in-memory"),
    }


def entity_counts(clusters: pa.Table, entities: pa.Table) -> dict[str, int]:
    """The summary's counts of entities, from per record ``entity_id`` and ``unmatchable``."""
    sizes = pc.value_counts(clusters.column("entity_id")).field("counts")
    return {
        "entities": entities.num_rows,
        "entities_with_several_records": int(pc.sum(pc.greater(sizes, 1)).as_py() or 0),
        "largest_entity": int(pc.max(sizes).as_py() or 0),
        "unmatchable_records": int(pc.sum(clusters.column("unmatchable")).as_py() or 0),
    }


def pair_counts(pairs: pa.Table, threshold: float) -> dict[str, int]:
    """The summary's counts of the pairs written."""
    at = pc.greater_equal(pairs.column("match_probability"), threshold)
    return {
        "pairs_written": pairs.num_rows,
        "pairs_at_or_above_threshold": int(pc.sum(at).as_py() or 0),
    }


def evidence_summary(evidence: dict[str, int], params: ModelParams) -> dict[str, Any]:
    """The summary's account of the columns with data and the model's comparisons."""
    return {
        "columns_with_data": {k: v for k, v in evidence.items() if v},
        "columns_missing": sorted(k for k, v in evidence.items() if not v),
        "comparisons_in_model": list(params.comparisons),
    }


def _pid_keyed(profiles: pa.Table) -> pa.Table:
    """The profiles as splink gets them: the profile number ``pid`` as ``unique_id``.

    Integers join and compare faster than the record ids, and pid numbers the profiles in id
    order, so every pair keeps its left and right side (and so its scores).
    """
    table = profiles.drop_columns(["unique_id"])
    return table.rename_columns(["unique_id" if c == "pid" else c for c in table.column_names])


def _reweighed_sql(column: str, old: list[float], new: list[float]) -> str:
    """SQL mapping a comparison's match weights under one parameter set to another's."""
    cases = " ".join(
        f"WHEN abs({column} - ({a!r})) < 1e-6 * greatest(1.0, abs({a!r})) THEN {b!r}"
        for a, b in zip(old, new, strict=True)
    )
    return f"(CASE {cases} ELSE {column} END)"


def _pairs_table(
    engine: Engine,
    pairs_sdf,
    profiles: pa.Table,
    comparison_names: list[str],
    *,
    reweigh: tuple[dict[str, list[float]], dict[str, list[float]], float] | None = None,
    floor: float | None = None,
    done: Callable[[], None] | None = None,
) -> pa.Table:
    """Scored pairs (splink's, on ``_pid_keyed`` profiles) with record ids (the representative
    record of each profile) and per-comparison weights, smaller id on the left, sorted by
    (id_l, id_r).

    ``reweigh`` = (weights the pairs were scored with, new weights, new prior) re-scores every
    pair without running splink again; ``floor`` then drops pairs scoring below it.

    ``done`` (dropping splink's tables) is called once the pairs are read, before they are
    sorted: DuckDB hands them over unsorted and Arrow puts them in order with one gather of
    the rows, so splink's scored pairs, DuckDB's sort buffers and the Arrow copy are never all
    held at once.
    """
    available = {c.unquote().name for c in pairs_sdf.columns}
    names = [c for c in comparison_names if f"mw_{c}" in available]
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    keep += [f"mw_{c}" for c in names]
    source, tables = splink_source(engine, pairs_sdf, keep)
    # pid numbers the profiles of a dedupe in unique_id order: sorting on it is sorting on
    # (id_l, id_r) without comparing strings
    tables["_pairs_sizes"] = profiles.select(["unique_id", "n_records", "pid"])
    if reweigh is None:
        weights = {c: f'p."mw_{c}"' for c in names}
        total, probability, where = 'p."match_weight"', "splink_probability", ""
    else:
        old, new, prior = reweigh
        weights = {c: _reweighed_sql(f'p."mw_{c}"', old[c], new[c]) for c in names}
        total = " + ".join([repr(logit2(prior)), *weights.values()])
        probability = "1.0 / (1.0 + pow(2.0, -match_weight))"
        where = "" if floor is None else f"WHERE match_weight >= {logit2(floor)!r}"
    rest = ", ".join(f'{sql} AS "mw_{c}"' for c, sql in weights.items())
    with registered(engine.con, tables):
        unsorted = engine.con.sql(
            f"""
            SELECT id_l, id_r, n_records_l, n_records_r, {probability} AS match_probability,
                   match_weight, * EXCLUDE (id_l, id_r, n_records_l, n_records_r, match_weight,
                                            splink_probability, pid_l, pid_r),
                   pid_l, pid_r
            FROM (
                SELECT sl.unique_id AS id_l, sr.unique_id AS id_r,
                       sl.n_records AS n_records_l, sr.n_records AS n_records_r,
                       sl.pid AS pid_l, sr.pid AS pid_r, p."match_probability" AS splink_probability,
                       {total} AS match_weight, {rest}
                FROM {source} p
                JOIN _pairs_sizes sl ON sl.pid = least(p.unique_id_l, p.unique_id_r)
                JOIN _pairs_sizes sr ON sr.pid = greatest(p.unique_id_l, p.unique_id_r)
            ) p
            {where}
            """
        ).to_arrow_table()
    if done is not None:
        done()
    release_memory()
    pid_l = unsorted.column("pid_l").to_numpy()
    pid_r = unsorted.column("pid_r").to_numpy()
    order = np.argsort(pid_l * (int(pid_r.max(initial=0)) + 1) + pid_r, kind="stable")
    del pid_l, pid_r
    return unsorted.drop_columns(["pid_l", "pid_r"]).take(pa.array(order))


# The spellings of each entity with their record counts, and one row per entity: id, its
# representative name (from _ent_names: ``review.spelling``), record count, countries. Read _ent
# (entity_id, name, country: one row per record); shared by every backend.
SPELLINGS_SQL = (
    "SELECT entity_id, name, count(*) AS n FROM _ent WHERE name IS NOT NULL "
    "GROUP BY entity_id, name"
)
ENTITIES_SQL = """
    WITH agg AS (
        SELECT entity_id, count(*) AS n_records,
               string_agg(DISTINCT country, ';' ORDER BY country) AS countries
        FROM _ent GROUP BY entity_id
    )
    SELECT agg.entity_id, n.name, agg.n_records, agg.countries
    FROM agg LEFT JOIN _ent_names n USING (entity_id)
"""
ENTITIES_ORDER = "n_records DESC, entity_id"


def entities_table(
    engine: Engine, table: pa.Table, assigned: pa.Table, records: pa.Table
) -> pa.Table:
    """One row per entity (``ENTITIES_SQL``), largest first."""
    con = engine.con
    cols = {
        "entity_id": assigned.column("entity_id"),
        "name": table.column("name"),
        "country": records.column("country"),
    }
    with registered(con, {"_ent": pa.table(cols)}):
        spellings = con.sql(SPELLINGS_SQL).to_arrow_table()
        with registered(con, {"_ent_names": representative_names(spellings)}):
            return con.sql(f"{ENTITIES_SQL} ORDER BY {ENTITIES_ORDER}").to_arrow_table()


def groups_to_score(
    n: int, left: np.ndarray, right: np.ndarray, prob: np.ndarray, threshold: float
) -> np.ndarray:
    """Per node 0..n-1 of the scored pairs (``left``, ``right``, ``prob``): the label of its
    candidate entity if that entity is to be scored whole (``_score_within_groups``), else -1."""
    strong = prob >= threshold
    labels = component_labels(n, left[strong], right[strong])
    sizes = np.bincount(labels, minlength=n)
    inside = labels[left] == labels[right]
    scored = np.bincount(labels[left[inside]], minlength=n)
    sparse = scored < MIN_SCORED_SHARE * sizes * (sizes - 1) / 2
    chosen = (sizes[labels] >= 3) & (sizes[labels] <= MAX_RESCORED_GROUP) & sparse[labels]
    return np.where(chosen, labels, -1)


def _score_within_groups(
    engine: Engine,
    params: ModelParams,
    profiles: pa.Table,
    pairs: pa.Table,
    prior: float,
    threshold: float,
) -> tuple[pa.Table, int]:
    """Score every pair inside each group of profiles that links at ``threshold`` (a candidate
    entity), so clustering weighs the evidence between all its members, not a path of links.

    Blocking compares a member of a large block with its neighbours only, and pairs below the
    floor are dropped: two companies joined by one strong edge each would otherwise meet no
    evidence against merging. Only groups of at most ``MAX_RESCORED_GROUP`` profiles with fewer
    than ``MIN_SCORED_SHARE`` of their pairs scored are scored whole (a larger group's n^2 / 2
    pairs would dominate the run). Returns the pairs (below the floor kept inside those groups)
    and the number of pairs scored again.
    """
    ids = profiles.column("unique_id").combine_chunks()
    left = pc.index_in(pairs.column("id_l"), value_set=ids).to_numpy()
    right = pc.index_in(pairs.column("id_r"), value_set=ids).to_numpy()
    prob = pairs.column("match_probability").to_numpy()
    labels = groups_to_score(len(ids), left, right, prob, threshold)
    chosen = labels >= 0
    if not chosen.any():
        return pairs, 0
    # only the chosen profiles: splink then joins and scans a few groups, not every profile
    group = pa.array(labels[chosen], pa.int64())
    table = profiles.filter(pa.array(chosen)).append_column("resolver_group", group)
    linker = build_linker(
        engine,
        params,
        [_pid_keyed(table)],
        link_type="dedupe_only",
        prior=prior,
        blocking=[block_on("resolver_group")],
    )
    try:
        extra = _pairs_table(engine, predict_pairs(linker, None), table, list(params.comparisons))
    finally:
        engine.release(linker)
    release_memory()
    extra = extra.cast(pairs.schema)
    extra_left = pc.index_in(extra.column("id_l"), value_set=ids).to_numpy()
    extra_right = pc.index_in(extra.column("id_r"), value_set=ids).to_numpy()
    return merge_sorted_pairs(pairs, left, right, extra, extra_left, extra_right), extra.num_rows


def merge_sorted_pairs(
    old: pa.Table,
    old_left: np.ndarray,
    old_right: np.ndarray,
    new: pa.Table,
    new_left: np.ndarray,
    new_right: np.ndarray,
) -> pa.Table:
    """The pairs of ``new`` and those of ``old`` not in ``new``, in (left, right) order.

    ``*_left`` / ``*_right`` are each pair's profile positions in id order, so (left, right)
    order is (id_l, id_r) order; both tables hold distinct pairs. One gather of the rows
    (``take``) makes the merged table: no sort of the wide rows (in DuckDB that held a third
    copy of the pairs at the run's peak).
    """
    n = (
        int(
            max(
                old_left.max(initial=-1),
                old_right.max(initial=-1),
                new_left.max(initial=-1),
                new_right.max(initial=-1),
            )
        )
        + 1
    )
    old_key = old_left.astype(np.int64) * n + old_right
    new_key = new_left.astype(np.int64) * n + new_right
    kept = np.flatnonzero(~np.isin(old_key, new_key))
    keys = np.concatenate([old_key[kept], new_key])
    rows = np.concatenate([kept, old.num_rows + np.arange(new.num_rows, dtype=np.int64)])
    rows = rows[np.argsort(keys, kind="stable")]
    return pa.concat_tables([old, new]).take(pa.array(rows))
