"""Read and validate shipment records (one row per shipment, parties side by side).

Rule for bad cells: a date, HS code or value that is present but malformed stops the run with an
``InputError`` (exit code 2) naming the file, the row (1-based, header excluded), the column as
named in the file, the value and what was expected. Blank cells are allowed and kept (a blank
date or HS code only keeps that shipment out of the rules that need it). No row is dropped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from resolver.errors import InputError
from resolver.io.readers import read_table
from resolver.io.schema import apply_mapping, check_ids, parse_mapping

SHIPMENT_ID = "shipment_id"
ROLES = ("shipper", "consignee", "notify")
PARTY_FIELDS = ("name", "address", "city", "postcode", "country", "tax_id")
SHIPMENT_FIELDS = (
    SHIPMENT_ID,
    "date",
    "hs_code",
    "value_usd",
    "origin_country",
    "destination_country",
)
COLUMNS = (*SHIPMENT_FIELDS, *(f"{r}_{f}" for r in ROLES for f in PARTY_FIELDS))
REQUIRED = (SHIPMENT_ID, "date", "hs_code", "shipper_name", "consignee_name")
ENTITY_COLUMNS = tuple(f"{r}_entity_id" for r in ROLES)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")
_HS = r"^[0-9]{6,10}$"
_VALUE = r"^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"
DataLike = Any


@dataclass
class Shipments:
    """The input rows untouched (``raw``) and their parsed fields (``parsed``, same row order).

    ``parsed`` has ``row`` (0-based), ``shipment_id``, ``date`` (date32), ``hs_code`` (digits
    only), ``heading`` (first 4 digits), ``value_usd`` (float64), ``origin_country`` and
    ``destination_country``, nulls where the input is blank.
    """

    raw: pa.Table
    parsed: pa.Table
    roles: tuple[str, ...]
    source: str


def read_shipments(
    data: DataLike,
    *,
    mapping: str | Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Shipments:
    """Read a shipments file, DataFrame or Arrow table, apply ``--map`` and validate every cell."""
    parsed_map = parse_mapping(mapping, allowed=COLUMNS)
    if isinstance(data, (str, os.PathLike)):
        source = str(data)
        table = read_table(data, encoding=encoding, delimiter=delimiter)
    elif isinstance(data, pa.Table):
        source, table = "input table", data
    elif type(data).__module__.startswith("pandas"):
        source = "input DataFrame"
        table = pa.Table.from_pandas(data, preserve_index=False)
    else:
        raise InputError(
            f"unsupported shipments input of type {type(data).__name__}: "
            "give a file path, a pandas DataFrame or a pyarrow Table"
        )
    table = apply_mapping(table, source, parsed_map)
    shown = {canonical: src for canonical, src in parsed_map.items()}
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise InputError(
            f"{source}: missing required column(s) {', '.join(missing)} "
            f"(columns: {', '.join(table.column_names[:30])}; use --map COLUMN=YOURS)"
        )
    if table.num_rows == 0:
        raise InputError(f"{source}: no data rows (header only or empty)")
    for col in ENTITY_COLUMNS:
        if col in table.column_names:
            raise InputError(f"{source}: column '{col}' is reserved for resolver's output")
    text = {c: _text(table.column(c)) for c in COLUMNS if c in table.column_names}
    check_ids(text[SHIPMENT_ID], source, column=shown.get(SHIPMENT_ID, SHIPMENT_ID))
    n = table.num_rows
    parsed = {
        "row": pa.array(range(n), pa.int64()),
        SHIPMENT_ID: text[SHIPMENT_ID],
        "date": _dates(text["date"], source, shown.get("date", "date")),
    }
    hs = _hs_codes(text["hs_code"], source, shown.get("hs_code", "hs_code"))
    parsed["hs_code"] = hs
    parsed["heading"] = pc.utf8_slice_codeunits(hs, 0, 4)
    parsed["value_usd"] = (
        _values(text["value_usd"], source, shown.get("value_usd", "value_usd"))
        if "value_usd" in text
        else pa.nulls(n, pa.float64())
    )
    for col in ("origin_country", "destination_country"):
        parsed[col] = _blank_to_null(text[col]) if col in text else pa.nulls(n, pa.string())
    roles = tuple(r for r in ROLES if any(f"{r}_{f}" in table.column_names for f in PARTY_FIELDS))
    return Shipments(table, pa.table(parsed), roles, source)


def party_columns(shipments: Shipments, role: str) -> dict[str, pa.ChunkedArray]:
    """The party fields of one role as text columns (blank cells as null), absent ones null."""
    raw, n = shipments.raw, shipments.raw.num_rows
    out = {}
    for f in PARTY_FIELDS:
        col = f"{role}_{f}"
        out[f] = (
            _blank_to_null(_text(raw.column(col)))
            if col in raw.column_names
            else pa.chunked_array([pa.nulls(n, pa.string())])
        )
    return out


def _text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_string(column.type):
        return column
    if pa.types.is_timestamp(column.type):
        column = pc.cast(column, pa.date32())
    return pc.cast(column, pa.string())


def _blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    stripped = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)


def _check(
    source: str,
    column: str,
    raw: pa.ChunkedArray,
    text: pa.ChunkedArray,
    ok: pa.ChunkedArray,
    expected: str,
) -> None:
    """Raise for the first filled cell that is not ``ok``, with the count of such cells."""
    bad = pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(ok, False)))
    bad = pc.fill_null(bad, False)
    count = pc.sum(bad).as_py() or 0
    if not count:
        return
    row = pc.index(bad, True).as_py()
    more = f"; {count} rows have a bad '{column}'" if count > 1 else ""
    raise InputError(
        f"{source}: row {row + 1}, column '{column}': {raw[row].as_py()!r} is not {expected}{more}"
    )


def _dates(raw: pa.ChunkedArray, source: str, column: str) -> pa.ChunkedArray:
    text = _blank_to_null(raw)
    day = pc.utf8_slice_codeunits(text, 0, 10)
    parsed = pc.strptime(day, format="%Y-%m-%d", unit="s", error_is_null=True)
    # Arrow rolls impossible days over (2023-02-30 -> 2023-03-02): the date must read back
    same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), day)
    ok = pc.and_(pc.match_substring_regex(text, _DATE.pattern), same)
    _check(source, column, raw, text, ok, "an ISO date (YYYY-MM-DD, e.g. 2023-04-17)")
    return pc.cast(parsed, pa.date32())


def _hs_codes(raw: pa.ChunkedArray, source: str, column: str) -> pa.ChunkedArray:
    text = _blank_to_null(raw)
    digits = pc.replace_substring_regex(text, r"[.\s]", "")
    expected = (
        "an HS code of 6 to 10 digits (dots allowed, e.g. 8457.10 or 84571010; "
        "a 5-digit code may have lost its leading zero)"
    )
    _check(source, column, raw, text, pc.match_substring_regex(digits, _HS), expected)
    return digits


def _values(raw: pa.ChunkedArray, source: str, column: str) -> pa.ChunkedArray:
    text = _blank_to_null(raw)
    expected = (
        "a non-negative amount (digits with an optional decimal point, no thousands "
        "separators, e.g. 12500.50)"
    )
    _check(source, column, raw, text, pc.match_substring_regex(text, _VALUE), expected)
    return pc.cast(text, pa.float64())
