"""Load the package data tables in normalize/data (read once, no network)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["read_json", "read_lines", "read_table"]


def _read_text(name: str) -> str:
    """Return the text of one data file shipped in resolver/normalize/data."""
    return resources.files("resolver.normalize").joinpath("data", name).read_text("utf-8")


@cache
def read_lines(name: str) -> tuple[str, ...]:
    """Non-blank, non-comment lines of a one-item-per-line list file."""
    out = []
    for line in _read_text(name).splitlines():
        item = line.strip()
        if item and not item.startswith("#"):
            out.append(item)
    return tuple(out)


@cache
def read_table(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of a TSV file after its '#' comment lines and header row; cells are stripped."""
    rows: list[tuple[str, ...]] = []
    header_seen = False
    for line in _read_text(name).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            continue
        rows.append(tuple(cell.strip() for cell in line.split("\t")))
    return tuple(rows)


@cache
def read_json(name: str) -> Any:
    """Parsed content of a JSON data file."""
    return json.loads(_read_text(name))
