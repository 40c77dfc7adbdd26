"""Atomic output writers: every file is written to a temp file in the target folder, then renamed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from resolver.errors import UsageError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside ``target``; rename it over ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_table(table: pa.Table, target: str | os.PathLike, fmt: str = "csv") -> Path:
    """Write an Arrow table as CSV (UTF-8, header, quoted as needed) or Parquet, atomically."""
    target = Path(target)
    with atomic_path(target) as tmp:
        if fmt == "parquet":
            pq.write_table(table, tmp, compression="zstd")
        elif fmt == "csv":
            pacsv.write_csv(table, tmp, write_options=pacsv.WriteOptions(quoting_style="needed"))
        else:
            raise UsageError(f"unknown output format '{fmt}' (expected csv or parquet)")
    return target


def write_json(payload: Any, target: str | os.PathLike) -> Path:
    """Write JSON (UTF-8, sorted keys, indented) atomically."""
    target = Path(target)
    with atomic_path(target) as tmp:
        tmp.write_text(
            json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
        )
    return target


def check_output_dir(out_dir: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse a non-folder, or a non-empty folder unless ``overwrite``, before any work is done."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise UsageError(
            f"{out}: output folder exists and is not empty; pass --overwrite to replace it"
        )
    return out


@contextlib.contextmanager
def staged_output_dir(out_dir: str | os.PathLike, overwrite: bool) -> Iterator[Path]:
    """Yield a staging folder beside ``out_dir``; on success swap it in place of ``out_dir``.

    A run killed before the swap leaves the previous output untouched; an existing non-empty
    folder is refused unless ``overwrite`` so two runs are never mixed.
    """
    out = check_output_dir(out_dir, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        yield staging
        if out.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, backup / "old")
            os.replace(staging, out)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
