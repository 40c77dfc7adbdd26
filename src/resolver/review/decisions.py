"""Review decisions: a CSV of pairs an analyst judged, read strictly.

Columns: ``id`` (a record), ``list_id`` (a listed party, for screening) or ``other_id`` (another
record, for dedupe), ``decision`` (``match`` or ``no_match``), and optional ``note``,
``reviewer`` and ``date`` (YYYY-MM-DD). Other columns are ignored, so a copy of
``matches.csv`` or ``links.csv`` with a ``decision`` column added is a decisions file; a row
with a blank decision is not decided yet and is skipped. Errors name the file, the line and
the column.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from resolver.errors import InputError

MATCH, NO_MATCH = "match", "no_match"
REQUIRED = ("id", "decision")
TARGETS = ("list_id", "other_id")
OPTIONAL = ("note", "reviewer", "date")


@dataclass(frozen=True)
class Decision:
    """One judged pair: a record and a listed party (``list_id``) or another record."""

    id: str
    other: str
    on_list: bool  # True: ``other`` is a list_id; False: another record's id
    match: bool
    note: str = ""
    reviewer: str = ""
    date: str = ""
    line: int = 0

    @property
    def decision(self) -> str:
        return MATCH if self.match else NO_MATCH


@dataclass
class Decisions:
    """The decisions of one file, keyed by pair: (id, list_id) and (smaller id, larger id)."""

    source: str
    on_list: dict[tuple[str, str], Decision] = field(default_factory=dict)
    records: dict[tuple[str, str], Decision] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.on_list) + len(self.records)


def is_decisions_file(path: str | os.PathLike) -> bool:
    """True when the CSV's header has a ``decision`` column (the other shape of labels is
    ``id, entity_id``)."""
    try:
        header = next(csv.reader(io.StringIO(_text(Path(path)).split("\n", 1)[0])), [])
    except InputError:
        return False
    return "decision" in [h.strip() for h in header]


def _text(path: Path) -> str:
    from resolver.io.readers import decode_bytes

    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    return decode_bytes(data, str(path), None)[0]


def read_decisions(path: str | os.PathLike) -> Decisions:
    """Read and check a decisions file (see the module docstring)."""
    path = Path(path)
    source = str(path)
    reader = csv.reader(io.StringIO(_text(path), newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{source}: file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{source}: line 1: malformed header ({exc})") from None
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        raise InputError(f"{source}: line 1: duplicate columns {', '.join(dupes)}")
    missing = [c for c in REQUIRED if c not in header]
    targets = [c for c in TARGETS if c in header]
    if missing or not targets:
        need = [*missing, *([] if targets else ["list_id or other_id"])]
        raise InputError(
            f"{source}: line 1: missing column {', '.join(need)} (a decisions file has id, "
            "list_id or other_id, decision, and optionally note, reviewer, date)"
        )
    col = {name: header.index(name) for name in (*REQUIRED, *TARGETS, *OPTIONAL) if name in header}
    out = Decisions(source)
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not any(v.strip() for v in row):
                continue
            if len(row) != len(header):
                raise InputError(
                    f"{source}: line {line}: {len(row)} fields, the header has {len(header)}"
                )
            decision = _decision(row, col, source, line)
            if decision is not None:
                _add(out, decision, source)
    except csv.Error as exc:
        raise InputError(f"{source}: line {line + 1}: malformed CSV ({exc})") from None
    if not len(out):
        raise InputError(f"{source}: no decisions (every decision cell is blank)")
    return out


def _decision(row: list[str], col: dict[str, int], source: str, line: int) -> Decision | None:
    def value(name: str) -> str:
        return row[col[name]].strip() if name in col else ""

    verdict = value("decision").lower()
    if not verdict:
        return None
    if verdict not in (MATCH, NO_MATCH):
        raise InputError(
            f"{source}: line {line}, column decision: '{value('decision')}' is not "
            f"{MATCH} or {NO_MATCH}"
        )
    record = value("id")
    if not record:
        raise InputError(f"{source}: line {line}, column id: blank")
    given = [(name, value(name)) for name in TARGETS if value(name)]
    if len(given) != 1:
        which = " and ".join(name for name, _ in given) or "neither list_id nor other_id"
        raise InputError(
            f"{source}: line {line}: give either list_id (screening) or other_id (dedupe), "
            f"got {which}"
        )
    target, other = given[0]
    if target == "other_id" and other == record:
        raise InputError(f"{source}: line {line}, column other_id: the same id as column id")
    when = value("date")
    if when:
        try:
            date.fromisoformat(when)
        except ValueError:
            raise InputError(
                f"{source}: line {line}, column date: '{when}' is not a date (YYYY-MM-DD)"
            ) from None
    return Decision(
        record,
        other,
        target == "list_id",
        verdict == MATCH,
        value("note"),
        value("reviewer"),
        when,
        line,
    )


def _add(out: Decisions, d: Decision, source: str) -> None:
    """Keep one decision per pair: a repeat with the same verdict replaces the earlier row
    (a later note), a contradicting one is an error naming both lines."""
    book = out.on_list if d.on_list else out.records
    key = (d.id, d.other) if d.on_list else tuple(sorted((d.id, d.other)))
    earlier = book.get(key)
    if earlier is not None and earlier.match != d.match:
        raise InputError(
            f"{source}: line {d.line}: {d.decision} contradicts line {earlier.line} "
            f"({earlier.decision}) for the pair {key[0]}, {key[1]}"
        )
    book[key] = d
