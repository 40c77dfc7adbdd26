"""Spreadsheet formula guard for the CSVs people open (OWASP "CSV injection").

A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is a formula to
Excel and LibreOffice (``=HYPERLINK(...)`` in a company name). Such a cell is written with a
leading ``'``, which spreadsheets show as text. A plain number (``-12``, ``+3.5``, ``-1e5``) is
not a formula and is left alone, so numeric ids keep joining. A cell already starting with
``'``s before one of those characters gets one more, so ``restore_formulas`` undoes the guard
exactly (resolver does when it reads its own CSV outputs back). Parquet and JSON stay raw.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

PREFIX = "'"
_GUARDED = r"^'*[=+\-@\t\r]"
_RESTORE = r"^'+[=+\-@\t\r]"
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"


def neutralize_formulas(table: pa.Table) -> pa.Table:
    """Prefix ``'`` to the text cells a spreadsheet would run as a formula (see module doc)."""
    for i, field in enumerate(table.schema):
        column = _as_string(table.column(i))
        if column is None:
            continue
        risky = pc.and_(
            pc.match_substring_regex(column, _GUARDED),
            pc.invert(pc.match_substring_regex(column, _NUMBER)),
        )
        risky = pc.fill_null(risky, False)
        if pc.any(risky).as_py():
            guarded = pc.binary_join_element_wise(PREFIX, column, "")
            table = table.set_column(i, field.name, pc.if_else(risky, guarded, column))
    return table


def restore_formulas(table: pa.Table) -> pa.Table:
    """Undo ``neutralize_formulas`` (drop one leading ``'`` where it added one)."""
    for i, field in enumerate(table.schema):
        column = _as_string(table.column(i))
        if column is None:
            continue
        guarded = pc.fill_null(pc.match_substring_regex(column, _RESTORE), False)
        if pc.any(guarded).as_py():
            raw = pc.utf8_slice_codeunits(column, 1)
            table = table.set_column(i, field.name, pc.if_else(guarded, raw, column))
    return table


def _as_string(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The column as text when it holds text (plain, large or dictionary-encoded), else None."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.cast(pa.string()) if column.type != pa.string() else column
    return None
