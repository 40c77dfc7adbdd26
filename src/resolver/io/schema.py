"""Canonical party-record schema: column names, ``--map`` parsing and validation."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from resolver.errors import InputError

ID = "id"
NAME = "name"
OPTIONAL_COLUMNS = ("address", "city", "postcode", "country", "tax_id")
CANONICAL_COLUMNS = (ID, NAME, *OPTIONAL_COLUMNS)
RESERVED_OUTPUT_COLUMNS = ("entity_id", "cluster_size", "unmatchable")
# schema metadata a reader sets: {column: first record} of columns holding JSON objects/arrays
NESTED_METADATA = "resolver.nested_columns"


def parse_mapping(
    spec: str | Mapping[str, str] | None, allowed: Sequence[str] = CANONICAL_COLUMNS
) -> dict[str, str]:
    """Parse ``name=consignee_name,country=dest_country`` into {canonical: source}; the
    canonical names must be in ``allowed``."""
    if spec is None or spec == "":
        return {}
    if isinstance(spec, Mapping):
        items = list(spec.items())
    else:
        items = []
        for part in spec.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise InputError(f"--map: '{part}' is not of the form canonical=source")
            key, _, value = part.partition("=")
            items.append((key.strip(), value.strip()))
    mapping: dict[str, str] = {}
    for key, value in items:
        if key not in allowed:
            raise InputError(
                f"--map: unknown canonical column '{key}' (expected one of {', '.join(allowed)})"
            )
        if not value:
            raise InputError(f"--map: no source column given for '{key}'")
        mapping[key] = value
    return mapping


def to_canonical(
    table: pa.Table, source: str, mapping: Mapping[str, str] | None = None
) -> pa.Table:
    """Rename mapped columns, check required columns and ids, cast canonical columns to text.

    Carried (non-canonical) columns are kept untouched, in their original order.
    """
    nested = json.loads((table.schema.metadata or {}).get(NESTED_METADATA.encode(), b"{}"))
    mapping = dict(mapping or {})
    table = apply_mapping(table, source, mapping)
    check_columns(table.column_names, source)
    if table.num_rows == 0:
        raise InputError(f"{source}: no data rows (header only or empty)")
    mapped_sources = {src: canonical for canonical, src in mapping.items()}
    for src, record in nested.items():
        canonical = mapped_sources.get(src, src if src not in mapping else None)
        if canonical in CANONICAL_COLUMNS:
            raise InputError(
                f"{source}: record {record}: column '{src}' holds a JSON object or array; "
                f"'{canonical}' must be text"
            )
    for col in CANONICAL_COLUMNS:
        if col in table.column_names:
            idx = table.column_names.index(col)
            table = table.set_column(idx, col, _as_text(table.column(col), col, source))
    check_ids(table.column(ID), source)
    return table


def check_columns(names: Sequence[str], source: str) -> None:
    """Column names after mapping: no reserved output column, both required columns."""
    for col in RESERVED_OUTPUT_COLUMNS:
        if col in names:
            raise InputError(
                f"{source}: column '{col}' is reserved for resolver's output; rename it"
            )
    for required in (ID, NAME):
        if required not in names:
            hint = ""
            if len(names) == 1 and any(d in names[0] for d in (";", "\t", "|")):
                hint = " (the header looks like it uses another delimiter: pass --delimiter)"
            raise InputError(
                f"{source}: missing required column '{required}'{hint} "
                f"(columns: {', '.join(names[:20])}; use --map {required}=COLUMN)"
            )


def apply_mapping(table: pa.Table, source: str, mapping: Mapping[str, str] | None) -> pa.Table:
    """Rename the mapped source columns to their canonical names; a column already named like
    a canonical one that another column replaces becomes ``<name>_original``."""
    mapping = dict(mapping or {})
    names = list(table.column_names)
    for canonical, src in mapping.items():
        if src not in names:
            raise InputError(
                f"{source}: --map {canonical}={src}: column '{src}' not found "
                f"(columns: {', '.join(names[:20])})"
            )
    renamed = []
    mapped_sources = {src: canonical for canonical, src in mapping.items()}
    for col in names:
        if col in mapped_sources:
            renamed.append(mapped_sources[col])
        elif col in mapping:  # a column named like a canonical one that another column replaces
            renamed.append(f"{col}_original")
        else:
            renamed.append(col)
    if len(set(renamed)) != len(renamed):
        dupes = sorted({c for c in renamed if renamed.count(c) > 1})
        raise InputError(f"{source}: duplicate column names after mapping: {', '.join(dupes)}")
    return table.rename_columns(renamed)


def _as_text(column: pa.ChunkedArray, name: str, source: str) -> pa.ChunkedArray:
    """Cast a column to string, keeping nulls (ids read as text keep their leading zeros)."""
    if pa.types.is_string(column.type):
        return column
    if pa.types.is_nested(column.type):
        raise InputError(f"{source}: column '{name}' has type {column.type}; expected text")
    try:
        return pc.cast(column, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(
            f"{source}: column '{name}' of type {column.type} cannot be read as text: {first}"
        ) from None


def check_ids(ids: pa.ChunkedArray, source: str, column: str = ID) -> None:
    """Ids must be present, non-blank and unique; report the first offending row (1-based, header excluded)."""
    stripped = pc.utf8_trim_whitespace(ids)
    blank = pc.or_(pc.is_null(stripped), pc.equal(stripped, ""))
    blank = pc.fill_null(blank, True)
    if pc.any(blank).as_py():
        row = pc.index(blank, True).as_py()
        raise InputError(f"{source}: row {row + 1}: blank or missing '{column}'")
    counts = pc.value_counts(ids)
    dupes = counts.filter(pc.greater(counts.field("counts"), 1)).field("values").to_pylist()
    if dupes:
        first = sorted(dupes)[0]
        rows = [i + 1 for i, v in enumerate(ids.to_pylist()) if v == first][:3]
        raise InputError(
            f"{source}: duplicate {column} '{first}' (rows {', '.join(map(str, rows))}); "
            f"{len(dupes)} {column}(s) are not unique"
        )
