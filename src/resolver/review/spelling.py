"""The spelling that names an entity: the most common complete one.

A spelling cut off by a fixed-width field (EDIFACT and SWIFT name lines hold 35 characters:
``"TORGOVYI DOM VOSTOK" LIMITED LIABI``) is not complete when the entity has a longer
spelling that continues it. Such a spelling names the entity only when nothing else does.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
    """(entity_id, name) per entity from (entity_id, name, n) rows: its ``representative``.

    Most entities have one spelling, which is its own representative: only the entities with
    several go through Python (a million-record dedupe has hundreds of thousands of entities).
    """
    table = spellings.select(["entity_id", "name", "n"])
    table = table.take(pc.sort_indices(table, [("entity_id", "ascending")]))
    entity = table.column("entity_id").combine_chunks()
    first = np.ones(len(entity), dtype=bool)
    if len(entity) > 1:
        first[1:] = pc.not_equal(entity[1:], entity[:-1]).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(first)
    group = np.cumsum(first) - 1  # per row, the number of its entity
    several = (np.bincount(group, minlength=len(starts)) > 1)[group]
    by_entity: dict[int, list[tuple[str, int]]] = {}
    rest = table.filter(pa.array(several)).select(["name", "n"]).to_pydict()
    for g, name, n in zip(group[several].tolist(), rest["name"], rest["n"], strict=True):
        by_entity.setdefault(g, []).append((name, n))
    names = table.column("name").combine_chunks().take(pa.array(starts)).to_pylist()
    for g, counts in by_entity.items():
        names[g] = representative(counts)
    return pa.table(
        {
            "entity_id": entity.take(pa.array(starts)).cast(pa.string()),
            "name": pa.array([n or None for n in names], pa.string()),
        }
    )
