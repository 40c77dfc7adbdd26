"""Memory between stages: freed memory goes back to the system, and the pairs merge in Arrow."""

from __future__ import annotations

import sys

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from resolver.dedupe import merge_sorted_pairs
from resolver.memory import release_memory


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_release_memory_returns_what_duckdb_dropped():
    con = duckdb.connect()
    start = _rss_mb()
    con.execute(
        "CREATE TEMP TABLE big AS SELECT range AS a, range::VARCHAR || 'padding-padding' AS b "
        "FROM range(4000000)"
    )
    grown = _rss_mb() - start
    assert grown > 80  # the table took memory
    con.execute("DROP TABLE big")
    held = _rss_mb()
    release_memory()
    # DuckDB's allocator keeps a dropped table's pages; most of them go back here
    assert held - _rss_mb() > grown / 2
    release_memory()  # nothing left to give back: still fine
    con.close()


def _pairs(rows: list[tuple[str, str, float]]) -> pa.Table:
    return pa.table(
        {
            "id_l": [r[0] for r in rows],
            "id_r": [r[1] for r in rows],
            "match_probability": [r[2] for r in rows],
        }
    )


def test_merge_sorted_pairs_replaces_rescored_pairs_and_keeps_id_order():
    ids = ["a", "b", "c", "d"]  # profile positions 0..3 in id order
    pos = {v: i for i, v in enumerate(ids)}
    old = _pairs([("a", "b", 0.9), ("a", "d", 0.2), ("b", "c", 0.5), ("c", "d", 0.95)])
    new = _pairs([("a", "c", 0.1), ("b", "c", 0.7)])  # (b, c) scored again, (a, c) new

    def sides(t: pa.Table) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.array([pos[v] for v in t.column("id_l").to_pylist()]),
            np.array([pos[v] for v in t.column("id_r").to_pylist()]),
        )

    merged = merge_sorted_pairs(old, *sides(old), new, *sides(new))
    assert merged.to_pylist() == [
        {"id_l": "a", "id_r": "b", "match_probability": 0.9},
        {"id_l": "a", "id_r": "c", "match_probability": 0.1},
        {"id_l": "a", "id_r": "d", "match_probability": 0.2},
        {"id_l": "b", "id_r": "c", "match_probability": 0.7},  # the new score, once
        {"id_l": "c", "id_r": "d", "match_probability": 0.95},
    ]


def test_merge_sorted_pairs_with_nothing_new_keeps_the_pairs():
    old = _pairs([("a", "b", 0.9), ("b", "c", 0.5)])
    empty = old.slice(0, 0)
    none = np.array([], dtype=np.int64)
    merged = merge_sorted_pairs(old, np.array([0, 1]), np.array([1, 2]), empty, none, none)
    assert merged.to_pylist() == old.to_pylist()
