"""Atomic output writers: every file is written to a temp file in the target folder, then renamed.

Output folders (guard, marker, lock, staging and swap) are ``resolver.io.outputs``; its
``staged_output_dir`` and ``check_output_dir`` are re-exported here for the callers that save.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from resolver.errors import InputError, UsageError
from resolver.io.csvsafe import neutralize_formulas
from resolver.io.outputs import atomic_path, check_output_dir, staged_output_dir

__all__ = [
    "atomic_path",
    "check_csv_columns",
    "check_output_dir",
    "staged_output_dir",
    "write_json",
    "write_table",
]


def write_table(
    table: pa.Table, target: str | os.PathLike, fmt: str = "csv", *, for_people: bool = True
) -> Path:
    """Write an Arrow table as CSV (UTF-8, header, quoted as needed) or Parquet, atomically.

    A CSV ``for_people`` (every CSV output of dedupe and screen) has its formula-like cells
    guarded with a leading ``'`` (``resolver.io.csvsafe``); Parquet keeps raw values.
    """
    target = Path(target)
    if fmt not in ("csv", "parquet"):
        raise UsageError(f"unknown output format '{fmt}' (expected csv or parquet)")
    if fmt == "csv":
        check_csv_columns(table, target.name)
        if for_people:
            table = neutralize_formulas(table)
    with atomic_path(target) as tmp:
        if fmt == "parquet":
            pq.write_table(table, tmp, compression="zstd")
        else:
            pacsv.write_csv(table, tmp, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return target


def check_csv_columns(table: pa.Table, source: str) -> None:
    """Refuse nested columns (lists, structs, maps), which a CSV cannot hold."""
    for field in table.schema:
        if pa.types.is_nested(field.type):
            raise InputError(
                f"{source}: column '{field.name}' has type {field.type}, which a CSV cannot "
                "hold; write Parquet instead (--format parquet, fmt='parquet') or drop the column"
            )


def write_json(payload: Any, target: str | os.PathLike) -> Path:
    """Write JSON (UTF-8, sorted keys, indented) atomically."""
    target = Path(target)
    with atomic_path(target) as tmp:
        tmp.write_text(
            json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
        )
    return target
