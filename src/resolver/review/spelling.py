"""The spelling that names an entity: the most common complete one.

A spelling cut off by a fixed-width field (EDIFACT and SWIFT name lines hold 35 characters:
``"TORGOVYI DOM VOSTOK" LIMITED LIABI``) is not complete when the entity has a longer
spelling that continues it. Such a spelling names the entity only when nothing else does.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

FIELD_WIDTH = 35  # EDIFACT / SWIFT name line


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def is_cut_from(short: str, long: str) -> bool:
    """True when ``short`` is ``long`` cut off: a proper prefix of it (ignoring case and
    spacing) ending inside a word, or ``long`` cut at the field width."""
    s, t = _key(short), _key(long)
    if len(s) >= len(t) or not t.startswith(s) or not s:
        return False
    return t[len(s)].isalnum() and s[-1:].isalnum() or t[:FIELD_WIDTH].rstrip() == s


def truncated(names: Iterable[str]) -> set[str]:
    """The spellings among ``names`` that another of them continues (see ``is_cut_from``).

    Sorted by their comparison key, every spelling that continues ``s`` follows it directly,
    so each spelling is compared only with the run of spellings that start with it.
    """
    keyed = sorted({(_key(n), n) for n in names})
    out = set()
    for i, (key, name) in enumerate(keyed):
        for other_key, other in keyed[i + 1 :]:
            if not other_key.startswith(key):
                break
            if is_cut_from(name, other):
                out.add(name)
                break
    return out


def representative(counts: Iterable[tuple[str, int]]) -> str | None:
    """The most common complete spelling of (spelling, records) pairs; ties: the first in
    code-point order (deterministic)."""
    counts = [(n, c) for n, c in counts if n]
    if len(counts) < 2:  # most entities: one spelling, nothing to compare it with
        return counts[0][0] if counts else None
    cut = truncated(n for n, _ in counts)
    complete = [(n, c) for n, c in counts if n not in cut] or counts
    return min(complete, key=lambda nc: (-nc[1], nc[0]))[0]


def representative_names(spellings: pa.Table) -> pa.Table:
    """(entity_id, name) per entity from (entity_id, name, n) rows: its ``representative``."""
    by_entity: dict[str, list[tuple[str, int]]] = {}
    cols = spellings.select(["entity_id", "name", "n"]).to_pydict()
    for entity, name, n in zip(cols["entity_id"], cols["name"], cols["n"], strict=True):
        by_entity.setdefault(entity, []).append((name, n))
    entities = sorted(by_entity)
    return pa.table(
        {
            "entity_id": pa.array(entities, pa.string()),
            "name": pa.array([representative(by_entity[e]) for e in entities], pa.string()),
        }
    )
