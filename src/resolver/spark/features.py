"""Record features on Spark's executors, then profiles, word weights and block keys in Spark SQL:
the same Python normalizers (``features.record_features`` per Arrow batch, each distinct value
of a batch once) and the same SQL (``features.feature_tables``, transpiled) as on DuckDB."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from resolver.features import (
    COUNT_TABLES,
    DEFAULT_MAX_BLOCK_SIZE,
    FEATURE_INPUT,
    PROFILES_TABLE,
    RECORDS_TABLE,
    feature_tables,
    record_features,
)
from resolver.io.schema import CANONICAL_COLUMNS, OPTIONAL_COLUMNS
from resolver.spark.read import ROW
from resolver.spark.sql import SparkSql

log = logging.getLogger(__name__)


@dataclass
class SparkFeatures:
    """Feature tables of one data set on Spark (``features.FeatureSet``'s columns)."""

    records: Any  # row, id, profile_id, unmatchable, country
    profiles: Any  # unique_id, n_records, pid, features, blk_* / win_* keys
    evidence: dict[str, int]
    blocking: list[dict[str, Any]] = field(default_factory=list)
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE


def _feature_schema(columns: Sequence[str]) -> pa.Schema:
    """The Arrow schema ``record_features`` gives for a table with ``columns``."""
    empty = pa.schema([(c, pa.string()) for c in columns]).empty_table()
    return record_features(empty, parallel=False).schema


def _batches_to_features(columns: Sequence[str]):
    """mapInArrow function: canonical record batches -> feature batches, ``row`` = ``ROW``."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            table = pa.Table.from_batches([batch]).select(list(columns))
            out = record_features(table, parallel=False)
            out = out.set_column(0, "row", pa.Table.from_batches([batch]).column(ROW))
            yield from out.to_batches()

    return run


def spark_record_features(records: Any, partitions: int) -> Any:
    """One row per record (``record_features`` columns), computed on the executors."""
    from pyspark.sql.pandas.types import from_arrow_schema

    columns = [c for c in CANONICAL_COLUMNS if c in records.columns]
    schema = from_arrow_schema(_feature_schema(columns))
    spread = records.select(ROW, *columns).repartition(partitions)
    return spread.mapInArrow(_batches_to_features(columns), schema)


def build_spark_features(
    sql: SparkSql,
    records: Any,
    *,
    partitions: int,
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    blocking_rules: Sequence[tuple[str, ...]] = (),
) -> SparkFeatures:
    """``features.build_features`` on Spark, from canonical records (with ``ROW``)."""
    missing = [c for c in OPTIONAL_COLUMNS if c not in records.columns]
    if missing:
        log.info("features: no %s column(s)", ", ".join(missing))
    sql.put(FEATURE_INPUT, spark_record_features(records, partitions))
    evidence, blocking = feature_tables(
        sql, with_source=False, max_block_size=max_block_size, blocking_rules=blocking_rules
    )
    sql.drop(FEATURE_INPUT, *COUNT_TABLES)
    return SparkFeatures(
        sql.table(RECORDS_TABLE), sql.table(PROFILES_TABLE), evidence, blocking, max_block_size
    )
