"""Watch-list loaders: OFAC SDN, UN consolidated, generic CSV and FollowTheMoney into one table."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from resolver.screening.lists import ftm, generic_csv, ofac, un
from resolver.screening.lists._table import (
    ENTITY_TYPES,
    LIST_COLUMNS,
    LIST_SCHEMA,
    NAME_TYPES,
    list_error,
)
from resolver.screening.lists.detect import FORMATS, detect_format

__all__ = [
    "ENTITY_TYPES",
    "FORMATS",
    "LIST_COLUMNS",
    "LIST_SCHEMA",
    "NAME_TYPES",
    "detect_format",
    "load_list",
    "load_lists",
]

logger = logging.getLogger(__name__)

_LOADERS: dict[str, Callable[[Path], pa.Table]] = {
    "ofac": ofac.load,
    "un": un.load,
    "generic_csv": generic_csv.load,
    "ftm": ftm.load,
}
_SORT_KEYS = [("list_id", "ascending"), ("name_type", "ascending"), ("name", "ascending")]


def load_list(path: str | Path, fmt: str | None = None, *, allow_partial: bool = False) -> pa.Table:
    """Load one watch list (format detected unless `fmt` is one of FORMATS) as LIST_COLUMNS.

    Fails closed: a list yielding no listed party, or an OFAC folder without its alt.csv
    (aliases) or add.csv (addresses), is an InputError; ``allow_partial`` accepts the latter.
    """
    path = Path(path)
    if fmt is None:
        fmt = detect_format(path)
    elif fmt not in _LOADERS:
        raise list_error(
            path, f"unknown list format {fmt!r} (expected one of {', '.join(FORMATS)})"
        )
    elif not path.exists():
        raise list_error(path, "not found")
    table = ofac.load(path, allow_partial=allow_partial) if fmt == "ofac" else _LOADERS[fmt](path)
    if table.num_rows == 0:
        raise list_error(
            path, f"holds no listed party ({fmt} format); screening against it would flag nothing"
        )
    logger.info(
        "list file '%s' (%s): %d parties, %d names",
        path,
        fmt,
        len(pc.unique(table["list_id"])),
        table.num_rows,
    )
    return table


def load_lists(paths: Sequence[str | Path], *, allow_partial: bool = False) -> pa.Table:
    """Load and concatenate several watch lists; a list_id given by two files is an error."""
    tables: list[pa.Table] = []
    owner: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        table = load_list(path, allow_partial=allow_partial)
        for list_id in pc.unique(table["list_id"]).to_pylist():
            first = owner.setdefault(list_id, path)
            if first != path:
                raise list_error(path, f"list_id {list_id} is also given by list file '{first}'")
        tables.append(table)
    if not tables:
        return LIST_SCHEMA.empty_table()
    return pa.concat_tables(tables).sort_by(_SORT_KEYS)
