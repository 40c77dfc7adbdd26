"""Public Python API: ``Resolver`` trains, loads and saves models and deduplicates data."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from resolver.dedupe import DedupeResult, dedupe
from resolver.engine import Engine, registered
from resolver.errors import InputError
from resolver.features import DEFAULT_MAX_BLOCK_SIZE, build_features
from resolver.io.outputs import check_output_file
from resolver.io.readers import read_records
from resolver.model.params import ModelParams, default_model_path, is_model_file
from resolver.model.scoring import check_threshold
from resolver.model.train import train

if TYPE_CHECKING:
    from resolver.spark.dedupe import SparkDedupeResult

log = logging.getLogger(__name__)

DataLike = Any  # a path, a pandas DataFrame or a pyarrow Table


__all__ = ["DedupeResult", "Resolver", "default_model_path"]


class Resolver:
    """A trained entity-resolution model bound to an engine (DuckDB by default, or Spark)."""

    def __init__(
        self,
        params: ModelParams,
        *,
        backend: str = "duckdb",
        memory_limit: str | None = None,
        temp_dir: str | None = None,
        spark: Any = None,
        spark_conf: Mapping[str, str] | None = None,
    ):
        self.params = params
        self.engine = Engine(
            backend=backend,
            memory_limit=memory_limit,
            temp_dir=temp_dir,
            spark=spark,
            spark_conf=spark_conf,
        )

    @classmethod
    def train(
        cls,
        data: DataLike,
        *,
        mapping: str | Mapping[str, str] | None = None,
        labels: DataLike | None = None,
        seed: int = 42,
        encoding: str | None = None,
        delimiter: str | None = None,
        backend: str = "duckdb",
        memory_limit: str | None = None,
        spark: Any = None,
    ) -> Resolver:
        """Train a model on records (unsupervised EM); ``labels`` (id, entity_id) refine m if given."""
        table = read_records(data, mapping=mapping, encoding=encoding, delimiter=delimiter)
        engine = Engine(backend=backend, memory_limit=memory_limit, spark=spark)
        features = build_features(table, engine.con)
        label_pairs = _label_pairs(labels, features) if labels is not None else None
        params = train(engine, features, seed=seed, label_pairs=label_pairs)
        source = str(data) if isinstance(data, (str, os.PathLike)) else type(data).__name__
        params.metadata["trained_on"]["source"] = source
        resolver = cls.__new__(cls)
        resolver.params, resolver.engine = params, engine
        return resolver

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, **engine_options: Any) -> Resolver:
        """Load a saved model (the shipped default when ``path`` is None)."""
        model_path = Path(path) if path is not None else default_model_path()
        params = ModelParams.load(model_path)
        params.metadata["path"] = str(model_path)
        return cls(params, **engine_options)

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Save the model as one JSON file (parameters + metadata), atomically; an existing
        resolver model is replaced only with ``overwrite``, any other file never."""
        return self.params.save(check_model_path(path, overwrite))

    def dedupe(
        self,
        data: DataLike,
        *,
        mapping: str | Mapping[str, str] | None = None,
        threshold: float | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
        progress: Callable[[str], None] | None = None,
    ) -> DedupeResult | SparkDedupeResult:
        """Resolve records into entities; every input row is in ``result.clusters`` exactly once.

        On Spark, ``data`` may also be a folder of part files, a table name or a Spark
        DataFrame, and the result holds Spark DataFrames (``to_arrow()`` collects them).
        """
        check_threshold(threshold)
        if self.engine.backend == "spark":
            from resolver.spark.dedupe import dedupe_spark

            return dedupe_spark(
                data,
                self.params,
                self.engine,
                mapping=mapping,
                encoding=encoding,
                delimiter=delimiter,
                threshold=threshold,
                max_block_size=max_block_size,
                progress=progress,
            )
        table = read_records(data, mapping=mapping, encoding=encoding, delimiter=delimiter)
        return dedupe(
            table,
            self.params,
            self.engine,
            threshold=threshold,
            max_block_size=max_block_size,
            progress=progress,
        )


def check_model_path(
    path: str | os.PathLike, overwrite: bool = False, flag: str = "overwrite=True"
) -> Path:
    """Refuse to write a model over anything but a resolver model file (that only with
    ``overwrite``), a symbolic link or a folder."""
    return check_output_file(
        path, overwrite, is_ours=is_model_file, what="a resolver model file", flag=flag
    )


def _label_pairs(labels: DataLike, features) -> pa.Table:
    """Known-match profile pairs from (id, entity_id) labels, at most 50 profiles per entity."""
    lab = read_records_labels(labels)
    records = features.records.select(["id", "profile_id"])
    with duckdb.connect() as con, registered(con, {"lab": lab, "rec": records}):
        return con.sql(
            """
            WITH p AS (
                SELECT DISTINCT l.entity_id, r.profile_id FROM lab l JOIN rec r ON r.id = l.id
            ), ranked AS (
                SELECT *, row_number() OVER (PARTITION BY entity_id ORDER BY profile_id) AS k FROM p
            )
            SELECT a.profile_id AS unique_id_l, b.profile_id AS unique_id_r
            FROM ranked a JOIN ranked b ON a.entity_id = b.entity_id AND a.profile_id < b.profile_id
            WHERE a.k <= 50 AND b.k <= 50
            ORDER BY 1, 2
            """
        ).to_arrow_table()


def read_records_labels(labels: DataLike) -> pa.Table:
    """Read a labels table with columns id, entity_id."""
    from resolver.io.readers import read_table

    if isinstance(labels, pa.Table):
        table = labels
    elif isinstance(labels, (str, os.PathLike)):
        table = read_table(labels)
    else:
        table = pa.Table.from_pandas(labels, preserve_index=False)
    for col in ("id", "entity_id"):
        if col not in table.column_names:
            raise InputError(f"labels: missing column '{col}' (expected id, entity_id)")
    return table.select(["id", "entity_id"]).cast(
        pa.schema([("id", pa.string()), ("entity_id", pa.string())])
    )
