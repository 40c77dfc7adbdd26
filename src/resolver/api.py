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
from resolver.model.blocking import BLOCKING_RULES
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
        base: str | os.PathLike | ModelParams | None = None,
        seed: int = 42,
        encoding: str | None = None,
        delimiter: str | None = None,
        backend: str = "duckdb",
        memory_limit: str | None = None,
        temp_dir: str | None = None,
        spark: Any = None,
        spark_conf: Mapping[str, str] | None = None,
    ) -> Resolver:
        """A model fitted to the records, starting from ``base`` (the shipped model when None):
        EM on the data's candidate pairs moves m only as far as the data supports
        (``resolver.model.train``); ``labels`` count as known matches: a table or file of
        ``id, entity_id``, or a review decisions file (``id, other_id, decision``)."""
        table = read_records(data, mapping=mapping, encoding=encoding, delimiter=delimiter)
        if not isinstance(base, ModelParams):
            base = cls.load(base).params
        engine = Engine(
            backend=backend,
            memory_limit=memory_limit,
            temp_dir=temp_dir,
            spark=spark,
            spark_conf=spark_conf,
        )
        features = build_features(table, engine.con, blocking_rules=BLOCKING_RULES)
        label_pairs, label_info = (None, None)
        if labels is not None:
            label_pairs, label_info = _label_pairs(labels, features)
        params = train(engine, features, base, seed=seed, label_pairs=label_pairs)
        source = str(data) if isinstance(data, (str, os.PathLike)) else type(data).__name__
        params.metadata["trained_on"]["source"] = source
        if label_info is not None:
            params.metadata["labels"] = label_info
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
        links: bool = True,
    ) -> DedupeResult | SparkDedupeResult:
        """Resolve records into entities; every input row is in ``result.clusters`` exactly once.

        On Spark, ``data`` may also be a folder of part files, a table name or a Spark
        DataFrame, and the result holds Spark DataFrames (``to_arrow()`` collects them).
        ``links=False`` leaves out ``result.links`` (each record's neighbour and evidence).
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
            links=links,
        )

    def update(
        self,
        state: str | os.PathLike,
        data: DataLike,
        *,
        mapping: str | Mapping[str, str] | None = None,
        threshold: float | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        max_block_size: int | None = None,
        fmt: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> DedupeResult:
        """Resolve a batch of records into the state folder ``state`` and return the outputs.

        A new or empty folder gets a full dedupe plus the state; a state folder gets the batch
        joined to its entities with stable ids (see ``resolver.incremental``), written back
        atomically. The model, threshold and block size must be those the state was made with.
        """
        from resolver.incremental import resolve_into

        check_threshold(threshold)
        table = read_records(data, mapping=mapping, encoding=encoding, delimiter=delimiter)
        source = str(data) if isinstance(data, (str, os.PathLike)) else type(data).__name__
        inputs = [data] if isinstance(data, (str, os.PathLike)) else []
        return resolve_into(
            table,
            state,
            self.engine,
            params=self.params,
            threshold=threshold,
            max_block_size=max_block_size,
            fmt=fmt,
            source=source,
            inputs=inputs,
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


def _label_pairs(labels: DataLike, features) -> tuple[pa.Table, dict[str, Any]]:
    """Known-match profile pairs, and what was used: from review decisions (``id, other_id,
    decision``: the ``match`` pairs) or from ``id, entity_id`` labels (every pair of an
    entity's profiles, at most 10 profiles per entity, so a few large entities do not decide m alone)."""
    from resolver.review.decisions import is_decisions_file

    if isinstance(labels, (str, os.PathLike)) and is_decisions_file(labels):
        return _decision_pairs(labels, features)
    lab = read_records_labels(labels)
    records = features.records.select(["id", "profile_id"])
    with duckdb.connect() as con, registered(con, {"lab": lab, "rec": records}):
        pairs = con.sql(
            """
            WITH p AS (
                SELECT DISTINCT l.entity_id, r.profile_id FROM lab l JOIN rec r ON r.id = l.id
            ), ranked AS (
                SELECT *, row_number() OVER (PARTITION BY entity_id ORDER BY profile_id) AS k FROM p
            )
            SELECT a.profile_id AS unique_id_l, b.profile_id AS unique_id_r
            FROM ranked a JOIN ranked b ON a.entity_id = b.entity_id AND a.profile_id < b.profile_id
            WHERE a.k <= 10 AND b.k <= 10
            ORDER BY 1, 2
            """
        ).to_arrow_table()
    return pairs, {"shape": "id, entity_id", "match_pairs": pairs.num_rows}


def _decision_pairs(path: str | os.PathLike, features) -> tuple[pa.Table, dict[str, Any]]:
    """The ``match`` decisions on record pairs as profile pairs (pairs of one profile, whose
    records are identical after normalization, carry no evidence and are left out)."""
    from resolver.review.decisions import read_decisions

    decisions = read_decisions(path)
    if not decisions.records:
        raise InputError(
            f"{path}: no decisions on record pairs (other_id); training learns from dedupe "
            "pairs, screening decisions (list_id) go to resolver screen --decisions"
        )
    profile_of = dict(
        zip(
            features.records.column("id").to_pylist(),
            features.records.column("profile_id").to_pylist(),
            strict=True,
        )
    )
    pairs = set()
    for d in decisions.records.values():
        for record in (d.id, d.other):
            if record not in profile_of:
                raise InputError(
                    f"{path}: line {d.line}: id '{record}' is not in the training data"
                )
        a, b = sorted((profile_of[d.id], profile_of[d.other]))
        if d.match and a != b:
            pairs.add((a, b))
    ordered = sorted(pairs)
    table = pa.table(
        {
            "unique_id_l": pa.array([a for a, _ in ordered], pa.string()),
            "unique_id_r": pa.array([b for _, b in ordered], pa.string()),
        }
    )
    no_match = sum(not d.match for d in decisions.records.values())
    return table, {
        "shape": "decisions",
        "match_pairs": table.num_rows,
        "no_match_not_used": no_match,
        "list_decisions_not_used": len(decisions.on_list),
    }


def read_records_labels(labels: DataLike) -> pa.Table:
    """Read a labels table with columns id, entity_id; a blank cell, or an id given two
    entities, is an error naming the row (the line of a CSV file)."""
    from resolver.io.readers import CSV_SUFFIXES, read_table

    if isinstance(labels, pa.Table):
        table, source = labels, "labels"
    elif isinstance(labels, (str, os.PathLike)):
        table, source = read_table(labels), str(labels)
    else:
        table, source = pa.Table.from_pandas(labels, preserve_index=False), "labels"
    for col in ("id", "entity_id"):
        if col not in table.column_names:
            raise InputError(
                f"{source}: missing column '{col}' (expected id, entity_id; or a decisions file: "
                "id, other_id, decision)"
            )
    table = table.select(["id", "entity_id"]).cast(
        pa.schema([("id", pa.string()), ("entity_id", pa.string())])
    )
    is_csv = Path(source).suffix.lower() in CSV_SUFFIXES

    def where(i: int) -> str:
        return f"line {i + 2}" if is_csv else f"row {i + 1}"

    seen: dict[str, tuple[str, int]] = {}
    cols = table.to_pydict()
    for i, (record, entity) in enumerate(zip(cols["id"], cols["entity_id"], strict=True)):
        for name, value in (("id", record), ("entity_id", entity)):
            if value is None or not value.strip():
                raise InputError(f"{source}: {where(i)}, column {name}: blank")
        first = seen.setdefault(record, (entity, i))
        if first[0] != entity:
            raise InputError(
                f"{source}: {where(i)}: id '{record}' is in entity '{entity}' here and in "
                f"'{first[0]}' on {where(first[1])}"
            )
    return table
