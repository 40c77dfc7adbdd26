"""Loader for user watch lists in a simple CSV: list_id,name,aliases,country,address and the
optional columns tax_id, city, postcode, entity_type, programs, remarks (any order)."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pyarrow as pa

from resolver.screening.lists._table import (
    Party,
    alias_type,
    build_table,
    clean,
    list_error,
    normalize_entity_type,
)

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS: tuple[str, ...] = ("list_id", "name", "aliases", "country", "address")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "tax_id",
    "city",
    "postcode",
    "entity_type",
    "programs",
    "remarks",
)


def read_text(path: Path) -> str:
    """The file decoded as UTF-8 (BOM allowed); InputError naming the line on bad bytes."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise list_error(path, f"cannot read ({exc.strerror})") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise list_error(
            path, f"line {line}: not valid UTF-8 text (save the file as UTF-8)"
        ) from exc


def _split(value: str | None) -> list[str]:
    return [v for v in (clean(x) for x in (value or "").split(";")) if v]


def load(path: str | Path) -> pa.Table:
    """Load a generic watch-list CSV, checked as strictly as a party file.

    Every row has as many fields as the header (an unquoted comma in ``Acme, Inc`` is an
    error, not a name and an alias). Rows sharing a list_id are one party, e.g. one row per
    name: the first row's name is its primary name, a later row's name an alias, and a later
    row may leave the other columns empty or repeat them, never give another value.
    """
    path = Path(path)
    source = path.stem
    reader = csv.reader(io.StringIO(read_text(path), newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise list_error(path, f"line 1: malformed CSV header ({exc})") from exc
    if not header:
        raise list_error(path, "file is empty")
    columns = _columns(path, header)
    parties: dict[str, Party] = {}
    first_rows: dict[str, tuple[int, dict[str, str | None]]] = {}
    line = reader.line_num
    try:
        for fields in reader:
            if len(fields) != len(header) and any(f.strip() for f in fields):
                raise list_error(
                    path,
                    f"line {line + 1}: {len(fields)} fields, the header has {len(header)} "
                    '(an unquoted comma in a value? quote it: "Acme, Inc")',
                )
            row = {key: clean(fields[i]) for key, i in columns.items() if i < len(fields)}
            if any(row.values()):
                _add_row(path, line + 1, row, source, parties, first_rows)
            line = reader.line_num
    except csv.Error as exc:
        raise list_error(path, f"line {line + 1}: malformed CSV ({exc})") from exc
    logger.info("loaded %d parties from %s", len(parties), path)
    return build_table(parties.values())


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    """{known column: its index}; refuses duplicate or missing required columns."""
    names = [(clean(c) or "").lower() for c in header]
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise list_error(path, f"line 1: duplicate column names: {', '.join(dupes)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise list_error(
            path,
            f"CSV header lacks column(s) {', '.join(missing)} "
            f"(expected {','.join(REQUIRED_COLUMNS)}[,tax_id,city,postcode])",
        )
    known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    return {n: i for i, n in enumerate(names) if n in known}


# columns that describe the party (not one of its names); several values are split on ';'
_PARTY_COLUMNS = (
    "country",
    "address",
    "city",
    "postcode",
    "tax_id",
    "entity_type",
    "programs",
    "remarks",
)
_LIST_VALUED = ("country", "programs")


def _add_row(
    path: Path,
    line: int,
    row: dict[str, str | None],
    source: str,
    parties: dict[str, Party],
    first_rows: dict[str, tuple[int, dict[str, str | None]]],
) -> None:
    list_id, name = row.get("list_id"), row.get("name")
    if list_id is None:
        raise list_error(path, f"line {line}: column list_id is empty")
    if name is None:
        raise list_error(path, f"line {line}: column name is empty")
    key = f"{source}:{list_id}"
    party = parties.get(key)
    if party is None:
        first_rows[key] = (line, row)
        party = parties[key] = Party(
            list_id=key,
            list_source=source,
            list_name=name,
            entity_type=normalize_entity_type(row.get("entity_type")),
            countries=_split(row.get("country")),
            programs=_split(row.get("programs")),
        )
        for attr in ("address", "city", "postcode", "tax_id", "remarks"):
            setattr(party, attr, row.get(attr))
    else:
        _check_same_party(path, line, row, *first_rows[key])
        party.add_name(name, alias_type(name))
    for alias in _split(row.get("aliases")):
        party.add_name(alias, alias_type(alias))


def _check_same_party(
    path: Path, line: int, row: dict[str, str | None], first_line: int, first: dict[str, str | None]
) -> None:
    """A repeated list_id row may only add names: its other columns are empty or the same."""
    for col in _PARTY_COLUMNS:
        value, before = row.get(col), first.get(col)
        if value is None:
            continue
        same = set(_split(value)) == set(_split(before)) if col in _LIST_VALUED else value == before
        if not same:
            raise list_error(
                path,
                f"line {line}: column {col}: list_id {row['list_id']} repeats line {first_line} "
                f"with a different value ({value!r}, was {before!r}); rows sharing a list_id are "
                "one party: give its other names in name/aliases and leave the other columns "
                "empty or equal",
            )
