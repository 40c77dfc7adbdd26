"""Deduplicate on Spark: read -> features -> splink predict (SparkAPI) -> the data set's prior ->
pairs inside candidate entities scored -> tax id m re-measured -> clusters -> outputs, each
step on the cluster; only statistics, the u sample (a few hundred profiles) and the weight
patterns of the scored pairs reach the driver.

Same model, same SQL and normalizers, same arithmetic as ``resolver.dedupe`` (DuckDB): the
results are the same (``tests/test_spark.py``). Every intermediate table is written as Parquet
to the engine's work folder (``SparkSql``), so nothing is recomputed and nothing needs to fit
in memory.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from resolver.cluster import ASSIGN_ENTITIES_SQL
from resolver.dedupe import (
    ENTITIES_ORDER,
    ENTITIES_SQL,
    MAX_RESCORED_GROUP,
    MIN_SCORED_SHARE,
    PAIRS_FLOOR,
    SPELLINGS_SQL,
    DedupeResult,
    run_summary,
)
from resolver.engine import Engine
from resolver.errors import InputError
from resolver.features import DEFAULT_MAX_BLOCK_SIZE
from resolver.io.csvsafe import neutralize_formulas
from resolver.io.writers import atomic_path, staged_output_dir, write_json
from resolver.model.adapt import (
    SURE_POSTERIOR,
    U_MIN_PROFILES,
    WEIGHT_TOLERANCE,
    distinct_level_weights,
    m_update,
    observed_level_rates,
    u_from_observed,
    u_sample_condition,
)
from resolver.model.blocking import BLOCKING_RULES
from resolver.model.params import ModelParams
from resolver.model.predict import build_linker, predict_pairs
from resolver.model.prior import MAX_FACTOR, estimate_prior, level_weights, names_only
from resolver.model.scoring import logit2
from resolver.model.spec import M_FROM_SURE_MATCHES
from resolver.review.evidence import MODEL_FILE, model_in_use
from resolver.spark.cluster import cluster_pairs_spark, strong_components
from resolver.spark.features import build_spark_features
from resolver.spark.read import ROW, check_records, read_records_spark
from resolver.spark.session import ENV_SETTINGS, partitions_for
from resolver.spark.sql import SparkSql

log = logging.getLogger(__name__)

CSV_OUTPUTS = ("clusters", "entities")
CSV_BYTES_PER_PARQUET_BYTE = 6  # CSV text against compressed Parquet, measured on generated data


@dataclass
class SparkDedupeResult:
    """Outputs of a Spark dedupe run as Spark DataFrames (read from the engine's work folder:
    valid until the engine is closed) plus a JSON-able summary."""

    clusters: Any  # input columns + entity_id, cluster_size, unmatchable; input order
    entities: Any
    pairs: Any
    summary: dict[str, Any] = field(default_factory=dict)
    model: ModelParams | None = None  # the model in use (adapted to the data)

    def save(self, out_dir: str | Path, fmt: str = "csv", overwrite: bool = False) -> Path:
        """Write clusters, entities and pairs as Parquet part folders (``clusters.parquet/`` ...)
        with Spark, and with ``fmt="csv"`` also clusters.csv and entities.csv, streamed part by
        part from the Parquet (the driver holds one part at a time) when the disk has room;
        summary.json last. The folder is staged and swapped in like every resolver output."""
        if fmt not in ("csv", "parquet"):
            raise InputError(f"unknown output format '{fmt}' (expected csv or parquet)")
        if fmt == "csv":
            _check_csv_schema(self.clusters, "clusters")
        t0 = time.perf_counter()
        summary = dict(self.summary)
        with staged_output_dir(out_dir, overwrite) as stage:
            for name in ("clusters", "entities", "pairs"):
                frame = getattr(self, name)
                frame.write.parquet(str((stage / f"{name}.parquet").resolve()))
            if fmt == "csv":
                summary["csv"] = _write_csvs(stage)
            if self.model is not None:
                self.model.save(stage / MODEL_FILE)
            summary["timings"] = {
                **summary["timings"],
                "write_s": round(time.perf_counter() - t0, 3),
            }
            write_json(summary, stage / "summary.json")
        self.summary = summary
        return Path(out_dir)

    def to_arrow(self) -> DedupeResult:
        """The outputs collected into the driver as Arrow tables (``resolver.dedupe``'s result):
        for data that fits one process."""
        return DedupeResult(
            self.clusters.toArrow(),
            self.entities.toArrow(),
            self.pairs.toArrow(),
            self.summary,
            model=self.model,
        )


def _check_csv_schema(frame: Any, what: str) -> None:
    from pyspark.sql import types as T

    for f in frame.schema.fields:
        if isinstance(f.dataType, (T.ArrayType, T.MapType, T.StructType)):
            raise InputError(
                f"{what}: column '{f.name}' has type {f.dataType.simpleString()}, which a CSV "
                "cannot hold; write Parquet instead (--format parquet, fmt='parquet') or drop it"
            )


def _parts(folder: Path) -> list[Path]:
    """A Spark Parquet folder's part files in partition order (the frame's row order)."""
    return sorted(p for p in folder.glob("part-*.parquet"))


def _write_csvs(stage: Path) -> dict[str, str]:
    """clusters.csv and entities.csv from the Parquet parts, if the disk has room for them."""
    parquet_bytes = sum(
        p.stat().st_size for n in CSV_OUTPUTS for p in _parts(stage / f"{n}.parquet")
    )
    need = parquet_bytes * CSV_BYTES_PER_PARQUET_BYTE
    free = shutil.disk_usage(stage).free
    if need > free:
        message = (
            f"not written: about {need / 2**30:.1f} GB of CSV, {free / 2**30:.1f} GB free on "
            f"{stage.parent}; the Parquet folders hold every output (or free space and rerun)"
        )
        log.warning("CSV outputs %s", message)
        return {name: message for name in CSV_OUTPUTS}
    for name in CSV_OUTPUTS:
        with atomic_path(stage / f"{name}.csv") as tmp:
            writer = None
            for batch in _batches(_parts(stage / f"{name}.parquet")):
                table = neutralize_formulas(pa.Table.from_batches([batch]))
                if writer is None:
                    options = pacsv.WriteOptions(quoting_style="needed")
                    writer = pacsv.CSVWriter(str(tmp), table.schema, write_options=options)
                writer.write_table(table)
            if writer is not None:
                writer.close()
    return {name: f"{name}.csv" for name in CSV_OUTPUTS}


def _batches(parts: list[Path]) -> Iterator[pa.RecordBatch]:
    for part in parts:
        yield from pq.ParquetFile(part).iter_batches(batch_size=65536)


def dedupe_spark(
    data: Any,
    params: ModelParams,
    engine: Engine,
    *,
    mapping: Any = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    threshold: float | None = None,
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    progress: Callable[[str], None] | None = None,
    adapt: bool = True,
) -> SparkDedupeResult:
    """``resolver.dedupe.dedupe`` on Spark, from a path (file, folder of parts), a table name or
    a DataFrame (Spark, pandas or Arrow)."""
    from pyspark.sql import functions as F

    threshold = params.threshold if threshold is None else float(threshold)
    step = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    session = engine.spark_session()
    sql = SparkSql(session, engine.spark_work_dir())
    t0 = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[f"{name}_s"] = now - clock
        clock = now

    step("reading")
    frame, shown, decoded = read_records_spark(
        session, data, mapping=mapping, encoding=encoding, delimiter=delimiter
    )
    records_in = sql.put("_dd_input", frame)
    n_records = check_records(records_in, shown, check_encoding=decoded and encoding is None)
    partitions = _tune_partitions(engine, n_records)
    lap("read")

    step("features")
    features = build_spark_features(
        sql,
        records_in,
        partitions=partitions,
        max_block_size=max_block_size,
        blocking_rules=BLOCKING_RULES,
    )
    n_profiles = features.profiles.count()
    lap("features")

    step("predict")
    model_prior = prior = params.prior_for(n_profiles)
    floor = min(PAIRS_FLOOR, threshold)
    adapting = adapt and n_profiles >= U_MIN_PROFILES
    only_names = names_only(features.evidence)
    prior_method = "model"
    model_params = params
    if adapting:
        sample = u_sample(features.profiles, n_profiles)
        observed = observed_level_rates(params, sample, prior, sample=True)
        params = u_from_observed(params, observed, prior)
    linker = build_linker(engine, params, [features.profiles], link_type="dedupe_only", prior=prior)
    # as on DuckDB: with a names-only prior estimate to come, pairs that could reach the floor
    # at the highest prior it may choose. The floor is applied to splink's output, not in its
    # SQL: Spark pushes that filter below the comparison and evaluates every level twice
    # (predict 172 s against 60 s at 100k rows); the test on match_weight is splink's own
    keep_floor = floor / MAX_FACTOR if adapting and only_names else floor
    names = list(params.comparisons)
    scored = predict_pairs(linker, None).as_spark_dataframe()
    weights = [f"mw_{c}" for c in names if f"mw_{c}" in scored.columns]
    scored = scored.filter(F.col("match_weight") >= logit2(keep_floor)).select(
        "unique_id_l", "unique_id_r", "match_probability", "match_weight", *weights
    )
    scored = sql.put("_dd_scored", scored)
    engine.release(linker)
    reweigh = None
    if adapting:
        found = estimate_prior(
            model_params,
            observed,
            weight_patterns_spark(scored, weights),
            params,
            n_profiles * (n_profiles - 1) / 2,
            model_prior,
            only_names,
        )
        reweigh = (level_weights(params), level_weights(found.params), found.prior)
        params, prior, prior_method = found.params, found.prior, found.method
    pairs = sql.put(
        "_dd_pairs", _pairs_frame(scored, features.profiles, names, reweigh=reweigh, floor=floor)
    )
    sql.drop("_dd_scored")
    pairs, rescored = score_within_groups_spark(
        sql, engine, params, features.profiles, pairs, prior, threshold
    )
    remeasured: dict[str, Any] = {}
    if adapt:
        pairs, remeasured = remeasure_m_spark(
            sql, pairs, params, list(M_FROM_SURE_MATCHES), logit2(threshold) - logit2(floor)
        )
    lap("predict")

    step("cluster")
    clusters, cluster_stats = cluster_pairs_spark(sql, pairs, threshold)
    ids = features.profiles.select("pid", "unique_id")
    by_id = clusters.join(ids, "pid").join(
        ids.select(F.col("pid").alias("cluster_pid"), F.col("unique_id").alias("cluster_id")),
        "cluster_pid",
    )
    sql.alias("_cl_records", features.records)
    sql.alias("_cl_clusters", by_id.select("unique_id", "cluster_id"))
    sql.create("_cl_assigned", ASSIGN_ENTITIES_SQL)
    assigned = sql.table("_cl_assigned").withColumnRenamed("row", ROW)
    lap("cluster")

    step("outputs")
    out = records_in.join(assigned, ROW)
    out_clusters = sql.put("_dd_clusters", out).orderBy(ROW).drop(ROW)
    name_country = records_in.select(ROW, "name").join(
        features.records.select(F.col("row").alias(ROW), "country"), ROW
    )
    sql.alias("_ent", assigned.select(ROW, "entity_id").join(name_country, ROW))
    sql.alias("_ent_names", representative_names_spark(sql.query(SPELLINGS_SQL)))
    sql.create("_dd_entities", ENTITIES_SQL)
    entities = sql.query(f"SELECT * FROM _dd_entities ORDER BY {ENTITIES_ORDER}")
    out_pairs = pairs.orderBy("pid_l", "pid_r").drop("pid_l", "pid_r")
    summary = _summary(sql, out_clusters, entities, pairs, threshold)
    lap("outputs")
    timings["total_s"] = time.perf_counter() - t0

    summary.update(
        records=n_records,
        profiles=n_profiles,
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
            backend="spark",
        ),
        spark={
            "master": session.sparkContext.master,
            "shuffle_partitions": int(session.conf.get("spark.sql.shuffle.partitions")),
            **cluster_stats,
        },
    )
    in_use = model_in_use(params, remeasured)
    return SparkDedupeResult(out_clusters, entities, out_pairs, summary, in_use)


def _tune_partitions(engine: Engine, n_records: int) -> int:
    """Shuffle partitions from the data size, on a session resolver started and the user did
    not set them for (``--spark-conf`` or ``RESOLVER_SPARK_PARTITIONS``)."""
    session = engine.spark_session()
    key = "spark.sql.shuffle.partitions"
    env = {v: k for k, v in ENV_SETTINGS.items()}[key]
    user_set = key in (engine.spark_conf or {}) or env in os.environ
    if engine.spark_owned and not user_set:
        session.conf.set(key, str(partitions_for(n_records)))
    return int(session.conf.get(key))


def u_sample(profiles: Any, n_profiles: int, seed: int = 42) -> pa.Table:
    """The profiles ``observed_level_rates`` samples on DuckDB (``u_sample_condition``),
    selected on the executors with DuckDB's own hash, collected in unique_id order."""
    condition = u_sample_condition(n_profiles, seed)

    def keep(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import duckdb

        with duckdb.connect() as con:
            for batch in batches:
                con.register("ids", pa.Table.from_batches([batch]))
                mask = con.sql(f"SELECT coalesce({condition}, false) FROM ids").to_arrow_table()
                con.unregister("ids")
                yield batch.filter(mask.column(0).combine_chunks())

    ids = profiles.select("unique_id")  # only the ids pass through Python
    chosen = ids.mapInArrow(keep, ids.schema)
    return profiles.join(chosen.hint("broadcast"), "unique_id").toArrow().sort_by("unique_id")


def weight_patterns_spark(scored: Any, weights: list[str]) -> list[tuple[dict[str, float], int]]:
    """``model.predict.weight_patterns`` on Spark: distinct combinations of the ``mw_`` columns
    among the scored pairs, with counts (a few hundred rows reach the driver)."""
    rows = scored.groupBy(*weights).count().collect()
    return [({w.removeprefix("mw_"): float(r[w]) for w in weights}, int(r["count"])) for r in rows]


def _reweighed(column: Any, old: list[float], new: list[float]) -> Any:
    """``dedupe._reweighed_sql`` as a Spark column: a level's weight under ``old`` -> ``new``."""
    from pyspark.sql import functions as F

    out = column
    for a, b in reversed(list(zip(old, new, strict=True))):  # the first match wins, as in CASE
        out = F.when(F.abs(column - a) < 1e-6 * max(1.0, abs(a)), F.lit(b)).otherwise(out)
    return out


def _pairs_frame(
    scored: Any,
    profiles: Any,
    comparison_names: list[str],
    *,
    reweigh: tuple[dict[str, list[float]], dict[str, list[float]], float] | None = None,
    floor: float | None = None,
) -> Any:
    """``dedupe._pairs_table`` on Spark: splink's scored pairs with record ids (each profile's
    representative record), record counts and per-comparison weights, smaller id on the left;
    pid_l/pid_r for clustering. ``reweigh`` and ``floor`` as there."""
    from pyspark.sql import functions as F

    names = [c for c in comparison_names if f"mw_{c}" in scored.columns]
    if reweigh is None:
        weights = {c: F.col(f"mw_{c}") for c in names}
        total, probability = F.col("match_weight"), F.col("match_probability")
    else:
        old, new, prior = reweigh
        weights = {c: _reweighed(F.col(f"mw_{c}"), old[c], new[c]) for c in names}
        total = F.lit(logit2(prior))
        for column in weights.values():
            total = total + column
        probability = 1.0 / (1.0 + F.pow(F.lit(2.0), -F.col("match_weight")))
    sizes = profiles.select("unique_id", "n_records", "pid")
    left = sizes.select(*(F.col(c).alias(f"{c}_a") for c in sizes.columns))
    right = sizes.select(*(F.col(c).alias(f"{c}_b") for c in sizes.columns))
    pairs = scored.select(
        F.least("unique_id_l", "unique_id_r").alias("lo"),
        F.greatest("unique_id_l", "unique_id_r").alias("hi"),
        F.col("match_probability"),
        total.alias("match_weight"),
        *(w.alias(f"mw_{c}") for c, w in weights.items()),
    )
    pairs = pairs.withColumn("match_probability", probability)
    if reweigh is not None and floor is not None:
        pairs = pairs.filter(F.col("match_weight") >= logit2(floor))
    return (
        pairs.join(left, pairs.lo == left.unique_id_a)
        .join(right, pairs.hi == right.unique_id_b)
        .select(
            F.col("unique_id_a").alias("id_l"),
            F.col("unique_id_b").alias("id_r"),
            F.col("n_records_a").alias("n_records_l"),
            F.col("n_records_b").alias("n_records_r"),
            "match_probability",
            "match_weight",
            *(f"mw_{c}" for c in names),
            F.col("pid_a").alias("pid_l"),
            F.col("pid_b").alias("pid_r"),
        )
    )


def score_within_groups_spark(
    sql: SparkSql,
    engine: Engine,
    params: ModelParams,
    profiles: Any,
    pairs: Any,
    prior: float,
    threshold: float,
) -> tuple[Any, int]:
    """``dedupe._score_within_groups`` on Spark: every pair inside each small, sparsely scored
    group of profiles that links at ``threshold`` scored by splink (blocking on the group)."""
    from pyspark.sql import functions as F
    from splink import block_on

    strong = pairs.filter(F.col("match_probability") >= threshold).select(
        F.col("pid_l").alias("a"), F.col("pid_r").alias("b")
    )
    labels = strong_components(sql, strong, "_grp")
    sizes = labels.groupBy("label").agg(F.count(F.lit(1)).alias("size"))
    inside = (
        pairs.select("pid_l", "pid_r")
        .join(labels.select(F.col("node").alias("pid_l"), "label"), "pid_l")
        .join(labels.select(F.col("node").alias("pid_r"), F.col("label").alias("label_r")), "pid_r")
        .filter(F.col("label") == F.col("label_r"))
        .groupBy("label")
        .agg(F.count(F.lit(1)).alias("scored"))
    )
    size = F.col("size")
    chosen = (
        sizes.join(inside, "label", "left")
        .filter(
            (size >= 3)
            & (size <= MAX_RESCORED_GROUP)
            & (F.coalesce("scored", F.lit(0)) < MIN_SCORED_SHARE * size * (size - 1) / 2)
        )
        .select("label")
    )
    groups = sql.put(
        "_grp_members",
        labels.join(chosen, "label").select(
            F.col("node").alias("pid"), F.col("label").alias("resolver_group")
        ),
    )
    sql.drop("_grp_labels")
    if groups.limit(1).count() == 0:
        sql.drop("_grp_members")
        return pairs, 0
    table = profiles.join(groups, "pid", "left")
    linker = build_linker(
        engine,
        params,
        [table],
        link_type="dedupe_only",
        prior=prior,
        blocking=[block_on("resolver_group")],
    )
    try:
        scored = predict_pairs(linker, None).as_spark_dataframe()
        extra = sql.put("_grp_new", _pairs_frame(scored, profiles, list(params.comparisons)))
    finally:
        engine.release(linker)
    old = pairs.join(extra.select("id_l", "id_r"), ["id_l", "id_r"], "left_anti")
    merged = sql.put("_dd_pairs_grouped", extra.unionByName(old))
    n_extra = extra.count()
    sql.drop("_grp_members", "_grp_new")
    return merged, n_extra


def representative_names_spark(spellings: Any) -> Any:
    """``review.spelling.representative_names`` on Spark: (entity_id, name) per entity from
    (entity_id, name, n), each entity's spellings collected and judged on the executors."""
    from pyspark.sql import functions as F

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from resolver.review.spelling import representative

        for batch in batches:
            cols = batch.to_pydict()
            names = [
                representative((s["name"], s["n"]) for s in found) for found in cols["spellings"]
            ]
            yield pa.RecordBatch.from_pydict(
                {
                    "entity_id": pa.array(cols["entity_id"], pa.string()),
                    "name": pa.array(names, pa.string()),
                }
            )

    grouped = spellings.groupBy("entity_id").agg(
        F.collect_list(F.struct("name", "n")).alias("spellings")
    )
    return grouped.mapInArrow(run, "entity_id string, name string")


def _probability(weight: Any) -> Any:
    """splink's probability of a match weight (``model.scoring.probability``) as a column."""
    from pyspark.sql import functions as F

    odds = F.pow(F.lit(2.0), weight)
    return F.when(weight >= 0, 1.0 / (1.0 + F.pow(F.lit(2.0), -weight))).otherwise(
        odds / (1.0 + odds)
    )


def remeasure_m_spark(
    sql: SparkSql, pairs: Any, params: ModelParams, names: list[str], max_gain_bits: float
) -> tuple[Any, dict[str, dict[str, Any]]]:
    """``model.adapt.remeasure_m_on_pairs`` on a Spark table of pairs: counts by level in
    Spark, m and gains by the same functions, the shift applied as a column."""
    from pyspark.sql import functions as F

    measured: dict[str, dict[str, Any]] = {}
    pairs = pairs.withColumn("_changed", F.lit(False))
    sure_bits = logit2(SURE_POSTERIOR)
    for name in names:
        column = f"mw_{name}"
        if column not in pairs.columns:
            continue
        weights = distinct_level_weights(params, name)
        if weights is None:
            continue
        weight = F.col(column)
        level = F.lit(None)
        for k in reversed(range(len(weights))):
            level = F.when(F.abs(weight - weights[k]) < WEIGHT_TOLERANCE, k).otherwise(level)
        rows = (
            pairs.filter((F.col("match_weight") - weight) >= sure_bits)
            .groupBy(level.alias("level"))
            .count()
            .collect()
        )
        found = {r["level"]: r["count"] for r in rows if r["level"] is not None}
        counts = [int(found.get(k, 0)) for k in range(len(weights))]
        update = m_update(params.comparisons[name], counts, max_gain_bits)
        if update is None:
            continue
        m, gains = update
        shift, changed = F.lit(0.0), F.col("_changed")
        for w, gain in zip(weights, gains, strict=True):
            if gain:
                shift = F.when(F.abs(weight - w) < WEIGHT_TOLERANCE, gain).otherwise(shift)
                changed = changed | (F.abs(weight - w) < WEIGHT_TOLERANCE)
        pairs = pairs.withColumn("_shift", shift).withColumn("_changed", changed)
        pairs = pairs.withColumn("match_weight", F.col("match_weight") + F.col("_shift"))
        pairs = pairs.withColumn(column, weight + F.col("_shift")).drop("_shift")
        measured[name] = {
            "m": [round(v, 6) for v in m],
            "sure_pairs": sum(counts),
            "level_weights": [w + g for w, g in zip(weights, gains, strict=True)],  # as scored
        }
    if not measured:
        return pairs.drop("_changed"), measured
    rescored = pairs.withColumn(
        "match_probability",
        F.when(F.col("_changed"), _probability(F.col("match_weight"))).otherwise(
            F.col("match_probability")
        ),
    ).drop("_changed")
    return sql.put("_dd_pairs_m", rescored), measured


def _summary(sql: SparkSql, clusters: Any, entities: Any, pairs: Any, threshold: float) -> dict:
    """The counts of ``resolver.dedupe``'s summary, aggregated in Spark."""
    from pyspark.sql import functions as F

    ent = entities.agg(
        F.count(F.lit(1)).alias("entities"),
        F.sum((F.col("n_records") > 1).cast("long")).alias("several"),
        F.max("n_records").alias("largest"),
    ).collect()[0]
    unmatchable = clusters.agg(F.sum(F.col("unmatchable").cast("long"))).collect()[0][0]
    found = pairs.agg(
        F.count(F.lit(1)).alias("n"),
        F.sum((F.col("match_probability") >= threshold).cast("long")).alias("strong"),
    ).collect()[0]
    return {
        "entities": int(ent["entities"]),
        "entities_with_several_records": int(ent["several"] or 0),
        "largest_entity": int(ent["largest"] or 0),
        "unmatchable_records": int(unmatchable or 0),
        "pairs_written": int(found["n"]),
        "pairs_at_or_above_threshold": int(found["strong"] or 0),
    }
