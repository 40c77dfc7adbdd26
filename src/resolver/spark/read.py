"""Read party records with Spark: CSV, Parquet or JSON Lines files, folders of part files, a
table name, or a DataFrame; validated like ``resolver.io.readers`` (InputError, exit 2).

Records get ``ROW``, their order in the input (Spark's ``monotonically_increasing_id``: file
and split order, then line order), which output is sorted on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa

from resolver.errors import InputError
from resolver.io.readers import CSV_SUFFIXES, JSON_SUFFIXES, PARQUET_SUFFIXES, read_records
from resolver.io.schema import (
    CANONICAL_COLUMNS,
    ID,
    apply_mapping,
    check_columns,
    parse_mapping,
)

ROW = "_resolver_row"
REPLACEMENT_CHARACTER = "\ufffd"  # what Spark decodes bytes that are not UTF-8 into


def read_records_spark(
    session: Any,
    source: Any,
    *,
    mapping: Any = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> tuple[Any, str, bool]:
    """(canonical records as a Spark DataFrame with ``ROW``, a name for the source in messages,
    whether Spark decoded the text: CSV or JSON, whose bytes ``check_records`` checks).

    The rows are not checked yet: materialize the frame, then ``check_records`` (each check
    would otherwise read the input again).
    """
    parsed = parse_mapping(mapping)
    if isinstance(source, pa.Table) or type(source).__module__.startswith("pandas"):
        table = read_records(source, mapping=parsed)  # already in the driver: check it there
        frame, shown, decoded = session.createDataFrame(table), "input table", False
    elif hasattr(source, "sparkSession") and hasattr(source, "schema"):
        frame, shown, decoded = source, "input DataFrame", False
    elif isinstance(source, (str, os.PathLike)):
        frame, shown, decoded = _read_path(session, str(source), encoding, delimiter)
    else:
        raise InputError(
            f"unsupported input of type {type(source).__name__}: give a path, a table name, "
            "a Spark or pandas DataFrame or a pyarrow Table"
        )
    return _canonical(frame, shown, parsed), shown, decoded


def _read_path(session: Any, path: str, encoding: str | None, delimiter: str | None):
    """A file, a folder of part files (any Hadoop path) or, failing that, a table name."""
    files = _files(session, path)
    if files is None:
        if "/" not in path and session.catalog.tableExists(path):
            return session.table(path), path, False
        raise InputError(f"{path}: file, folder or table not found")
    suffixes = {Path(f).suffix.lower() for f in files}
    if not files:
        raise InputError(f"{path}: no data files (a folder needs .csv, .parquet or .jsonl parts)")
    if len(suffixes) > 1:
        raise InputError(f"{path}: holds files of several kinds ({', '.join(sorted(suffixes))})")
    suffix = suffixes.pop()
    reader = session.read
    if suffix in PARQUET_SUFFIXES:
        return reader.parquet(path), path, False
    if suffix in JSON_SUFFIXES:
        options = {
            "mode": "FAILFAST",
            "primitivesAsString": "true",
            "encoding": encoding or "UTF-8",
        }
        return reader.options(**options).json(path), path, True
    if suffix in CSV_SUFFIXES:
        sep = delimiter or ("\t" if suffix == ".tsv" else ",")
        options = {
            "header": "true",
            "inferSchema": "false",
            "multiLine": "true",  # quoted fields may hold line breaks
            "escape": '"',  # RFC 4180: a quote inside quotes is doubled
            "mode": "FAILFAST",
            "sep": sep,
            "encoding": encoding or "UTF-8",
        }
        return reader.options(**options).csv(path), path, True
    raise InputError(
        f"{path}: unknown file type '{suffix}' (expected .csv, .tsv, .parquet or .jsonl)"
    )


def _files(session: Any, path: str) -> list[str] | None:
    """Data files at ``path`` (the file itself, or a folder's files not starting with _ or .);
    None when nothing is there. Listed through Hadoop's file system, as Spark will read it."""
    jvm = session.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(session.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(hpath):
        return None
    status = fs.getFileStatus(hpath)
    if status.isFile():
        return [path]
    return [
        s.getPath().getName()
        for s in fs.listStatus(hpath)
        if s.isFile() and not s.getPath().getName().startswith(("_", "."))
    ]


def _canonical(frame: Any, source: str, mapping: dict[str, str]) -> Any:
    """Mapped, checked canonical columns as text, carried columns kept, ``ROW`` added."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    names = [c.lstrip("\ufeff") for c in frame.columns]  # a UTF-8 byte order mark
    empty = pa.schema([(n, pa.string()) for n in names]).empty_table()
    names = apply_mapping(empty, source, mapping).column_names
    check_columns(names, source)
    frame = frame.toDF(*names)
    for field in frame.schema.fields:
        if field.name in CANONICAL_COLUMNS and not isinstance(field.dataType, T.StringType):
            if isinstance(field.dataType, (T.ArrayType, T.MapType, T.StructType)):
                raise InputError(
                    f"{source}: column '{field.name}' has type {field.dataType.simpleString()}; "
                    "expected text"
                )
            frame = frame.withColumn(field.name, F.col(field.name).cast("string"))
    return frame.withColumn(ROW, F.monotonically_increasing_id())


def check_records(frame: Any, source: str, check_encoding: bool = True) -> int:
    """The number of records; no records, blank or duplicate ids, or (``check_encoding``) text
    that was not UTF-8 are an InputError."""
    from pyspark.sql import functions as F

    canonical = [c for c in CANONICAL_COLUMNS if c in frame.columns]
    blank = F.col(ID).isNull() | (F.trim(F.col(ID)) == "")
    mangled = F.lit(False)
    if check_encoding:
        for c in canonical:
            mangled = mangled | F.coalesce(F.col(c).contains(REPLACEMENT_CHARACTER), F.lit(False))
    row = frame.agg(
        F.count(F.lit(1)).alias("n"),
        F.sum(blank.cast("int")).alias("blank"),
        F.min(F.when(mangled, F.col(ID))).alias("mangled"),
    ).collect()[0]
    if row["n"] == 0:
        raise InputError(f"{source}: no data rows (header only or empty)")
    if row["blank"]:
        raise InputError(f"{source}: {row['blank']} record(s) with a blank or missing '{ID}'")
    if row["mangled"] is not None:
        raise InputError(
            f"{source}: record '{row['mangled']}' holds bytes that are not UTF-8; pass the file's "
            "encoding (--encoding cp1251 or cp1252)"
        )
    dupes = frame.groupBy(ID).count().filter(F.col("count") > 1)
    found = dupes.agg(F.min(ID).alias("first"), F.count(F.lit(1)).alias("ids")).collect()[0]
    if found["ids"]:
        raise InputError(
            f"{source}: duplicate {ID} '{found['first']}'; {found['ids']} {ID}(s) are not unique"
        )
    return int(row["n"])
