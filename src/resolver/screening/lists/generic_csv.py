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
    """Load a generic watch-list CSV; rows sharing a list_id are merged into one party."""
    path = Path(path)
    source = path.stem
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise list_error(path, f"line 1: malformed CSV header ({exc})") from exc
    if not header:
        raise list_error(path, "file is empty")
    columns = {clean(c).lower(): c for c in header if clean(c)}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise list_error(
            path,
            f"CSV header lacks column(s) {', '.join(missing)} "
            f"(expected {','.join(REQUIRED_COLUMNS)}[,tax_id,city,postcode])",
        )
    parties: dict[str, Party] = {}
    try:
        for record in reader:
            row = {key: clean(record.get(col)) for key, col in columns.items()}
            if not any(row.values()):
                continue
            _add_row(path, reader.line_num, row, source, parties)
    except csv.Error as exc:
        raise list_error(path, f"line {reader.line_num}: malformed CSV ({exc})") from exc
    logger.info("loaded %d parties from %s", len(parties), path)
    return build_table(parties.values())


def _add_row(
    path: Path, line: int, row: dict[str, str | None], source: str, parties: dict[str, Party]
) -> None:
    list_id, name = row["list_id"], row["name"]
    if list_id is None:
        raise list_error(path, f"line {line}: column list_id is empty")
    if name is None:
        raise list_error(path, f"line {line}: column name is empty")
    key = f"{source}:{list_id}"
    party = parties.get(key)
    if party is None:
        party = parties[key] = Party(
            list_id=key,
            list_source=source,
            list_name=name,
            entity_type=normalize_entity_type(row.get("entity_type")),
        )
    else:
        party.add_name(name, alias_type(name))
    for alias in _split(row["aliases"]):
        party.add_name(alias, alias_type(alias))
    party.countries += _split(row["country"])
    party.programs += _split(row.get("programs"))
    for attr in ("address", "city", "postcode", "tax_id", "remarks"):
        if getattr(party, attr) is None:
            setattr(party, attr, row.get(attr))
    if party.entity_type == "unknown":
        party.entity_type = normalize_entity_type(row.get("entity_type"))
