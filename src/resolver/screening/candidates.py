"""Candidates: the list profiles a record shares a candidate key with (``model.blocking``).

The postings (key -> list profiles) are one Arrow table; a batch joins its records' keys with
it in DuckDB, a single lookup reads the same postings from a dictionary built on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from resolver.engine import registered
from resolver.model.blocking import KIND_CAPS, NAME_KEY, Key, list_keys, name_words, record_keys


@dataclass
class Postings:
    """List profiles (``pid``) by candidate key, for keys that at most their kind's cap of list
    name rows carry; and what a record's key choice needs: rows per name key, the list's words."""

    table: pa.Table  # kind, value, pid
    name_key_rows: dict[str, int]
    list_words: frozenset[str]
    _lookup: dict[Key, list[int]] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def build(cls, profiles: Sequence[Mapping[str, Any]], rows_per_pid: np.ndarray) -> Postings:
        """From the list's profiles and the number of list name rows of each profile."""
        rows: dict[Key, int] = {}
        keyed: list[tuple[Key, int]] = []
        words: set[str] = set()
        for profile in profiles:
            pid, n = profile["pid"], int(rows_per_pid[profile["pid"]])
            for key in list_keys(profile):
                rows[key] = rows.get(key, 0) + n
                keyed.append((key, pid))
            words |= name_words(profile["name_core"])
        kept = [(k, pid) for k, pid in keyed if rows[k] <= KIND_CAPS[k[0]]]
        table = pa.table(
            {
                "kind": pa.array([k for (k, _), _ in kept], pa.string()),
                "value": pa.array([v for (_, v), _ in kept], pa.string()),
                "pid": pa.array([pid for _, pid in kept], pa.int64()),
            }
        )
        name_key_rows = {v: n for (kind, v), n in rows.items() if kind == NAME_KEY}
        return cls(table, name_key_rows, frozenset(words))

    def to_tables(self) -> dict[str, pa.Table]:
        return {
            "postings": self.table,
            "name_keys": pa.table(
                {
                    "key": pa.array(list(self.name_key_rows), pa.string()),
                    "rows": pa.array(list(self.name_key_rows.values()), pa.int64()),
                }
            ),
            "list_words": pa.table({"word": pa.array(sorted(self.list_words), pa.string())}),
        }

    @classmethod
    def from_tables(cls, tables: Mapping[str, pa.Table]) -> Postings:
        keys = tables["name_keys"]
        return cls(
            tables["postings"],
            dict(zip(keys.column("key").to_pylist(), keys.column("rows").to_pylist(), strict=True)),
            frozenset(tables["list_words"].column("word").to_pylist()),
        )

    def keys_of(self, features: Mapping[str, Any]) -> list[Key]:
        """The candidate keys a record (its features) looks list profiles up by."""
        return record_keys(features, self.name_key_rows, self.list_words)

    def lookup(self, keys: Iterable[Key]) -> list[int]:
        """The list profiles sharing one of ``keys``, sorted."""
        with self._lock:
            if self._lookup is None:
                index: dict[Key, list[int]] = {}
                for kind, value, pid in zip(
                    self.table.column("kind").to_pylist(),
                    self.table.column("value").to_pylist(),
                    self.table.column("pid").to_pylist(),
                    strict=True,
                ):
                    index.setdefault((kind, value), []).append(pid)
                self._lookup = index
        found: set[int] = set()
        for key in keys:
            found.update(self._lookup.get(key, ()))
        return sorted(found)

    def pairs(
        self, con: duckdb.DuckDBPyConnection, queries: Sequence[tuple[int, Sequence[Key]]]
    ) -> pa.Table:
        """Distinct (q, pid) pairs: each query (its number and keys) with the list profiles
        sharing a key, sorted; run in DuckDB for a batch."""
        q, kinds, values = [], [], []
        for number, keys in queries:
            for kind, value in keys:
                q.append(number)
                kinds.append(kind)
                values.append(value)
        keys_table = pa.table(
            {
                "q": pa.array(q, pa.int64()),
                "kind": pa.array(kinds, pa.string()),
                "value": pa.array(values, pa.string()),
            }
        )
        with registered(con, {"_cand_keys": keys_table, "_cand_postings": self.table}):
            return con.sql(
                """
                SELECT DISTINCT k.q, p.pid
                FROM _cand_keys k JOIN _cand_postings p USING (kind, value)
                ORDER BY k.q, p.pid
                """
            ).to_arrow_table()
