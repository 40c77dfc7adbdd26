"""Blocking keys of stored profiles, and the candidate pairs of the profiles a batch changed.

Every profile keeps a stable hash of its key for each dedupe blocking rule (``key_<i>``; the
key expression is ``features.block_key_sql``). Rules on columns derived from word statistics
(the rare-word keys) are *dynamic*: their keys can change when a batch changes the counts, so
they live in the profile status; the others never change and stay in the profile segments.

A changed profile meets the profiles sharing one of its keys as in a full run: all of them
when the block (stored and new profiles together) has at most ``max_block_size`` profiles.
A larger block is compared in windows as ``features`` cuts it: its members sorted on the
folded name (ties: smallest record id), two tilings of ``BLOCK_WINDOW`` profiles, the second
shifted by half a window. A new member shifts the windows after it: the window pairs that
shared no window before the batch are candidates too, and the stored pairs of the members
whose window moved are checked. A stored pair that no rule blocks any more (a key changed,
its block outgrew the cap, the windows moved) is dropped, as a full run would not score it.

The batch provides the keys of every profile as two temp tables, ``DYNAMIC`` and ``STATIC``
(``pid`` and the ``key_<i>`` of their rules), and ``UIDS`` (``pid``, ``unique_id``,
``sort_key``: the folded name string).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from resolver.engine import registered
from resolver.features import BLOCK_WINDOW, WEIGHT_COLUMNS, block_key_sql
from resolver.incremental.state import KEY_HASH_SQL
from resolver.model.blocking import BLOCKING_RULES

DYNAMIC, STATIC, UIDS = "_ik_dynamic", "_ik_static", "_ik_uid"


def dynamic_rules() -> list[int]:
    """Rules whose key depends on word statistics."""
    return [i for i, rule in enumerate(BLOCKING_RULES) if set(rule) & set(WEIGHT_COLUMNS)]


def static_rules() -> list[int]:
    dynamic = set(dynamic_rules())
    return [i for i in range(len(BLOCKING_RULES)) if i not in dynamic]


def key_column(i: int) -> str:
    return f"key_{i}"


def profile_keys(con: duckdb.DuckDBPyConnection, profiles: pa.Table, rules: list[int]) -> pa.Table:
    """``pid`` and the stable key hash of each rule of ``rules`` (NULL where a rule column is
    empty) for weighted profiles."""
    parts = []
    for i in rules:
        key, not_null = block_key_sql(BLOCKING_RULES[i])
        parts.append(f"CASE WHEN {not_null} THEN {KEY_HASH_SQL.format(key)} END AS {key_column(i)}")
    with registered(con, {"_ik_prof": profiles}):
        return con.sql(
            f"SELECT pid, {', '.join(parts)} FROM _ik_prof ORDER BY pid"
        ).to_arrow_table()


def _key_rows(condition: str) -> str:
    """``(pid, rule, key)`` rows of every rule's keys meeting ``condition`` (``{i}`` is the rule,
    ``{key}`` its key column)."""
    dynamic = set(dynamic_rules())
    parts = []
    for i in range(len(BLOCKING_RULES)):
        source = DYNAMIC if i in dynamic else STATIC
        key = key_column(i)
        where = condition.format(i=i, key=key)
        parts.append(
            f"SELECT pid, {i} AS rule, {key} AS key FROM {source} WHERE {key} IS NOT NULL AND {where}"
        )
    return " UNION ALL ".join(parts)


def _windowed(members: str) -> str:
    """``(rule, key, pid, n, wa, wb)`` of the ``(rule, key, pid)`` rows of ``members``: the
    block's size and, in a block over the cap, the member's windows of the two tilings
    (``features._add_block_keys``'s order: folded name, then smallest record id)."""
    return f"""
        SELECT rule, key, pid, n,
               CASE WHEN n > $cap THEN rank // {BLOCK_WINDOW} END AS wa,
               CASE WHEN n > $cap THEN (rank + {BLOCK_WINDOW // 2}) // {BLOCK_WINDOW} END AS wb
        FROM (
            SELECT m.rule, m.key, m.pid, count(*) OVER (PARTITION BY m.rule, m.key) AS n,
                   row_number() OVER (PARTITION BY m.rule, m.key ORDER BY u.sort_key, u.unique_id)
                       - 1 AS rank
            FROM {members} m JOIN {UIDS} u USING (pid)
        )
    """


def candidate_pairs(
    con: duckdb.DuckDBPyConnection, changed: pa.Array, cap: int, also: pa.Array
) -> tuple[pa.Table, pa.Array]:
    """Pairs ``(pid_a < pid_b)`` a full run compares now but the state has not compared with
    the weights it has now: in the blocks of the ``changed`` profiles (new, or with changed
    keys) and of the profiles ``also`` (drifted weights), every pair of those profiles, and in
    blocks over ``cap`` the window pairs of other members that shared no window before the
    batch. Also the other members of those larger blocks whose place moved: their stored pairs
    may have lost their reason."""
    changed = pa.array(changed, pa.int64())
    meeting = pc.unique(pa.concat_arrays([changed, pa.array(also, pa.int64())]))
    tables = {"_ik_q": pa.table({"pid": meeting}), "_ik_changed": pa.table({"pid": changed})}
    with registered(con, tables):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ik_qkeys AS "
            + _key_rows("pid IN (SELECT pid FROM _ik_q)")
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ik_members AS "
            + _key_rows("{key} IN (SELECT key FROM _ik_qkeys WHERE rule = {i})")
        )
        # windows now, and before the batch (the members that are not changed)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _ik_win AS
            SELECT rule, key, pid, n, before, pid IN (SELECT pid FROM _ik_q) AS q,
                   rank // {BLOCK_WINDOW} AS wa, (rank + {BLOCK_WINDOW // 2}) // {BLOCK_WINDOW} AS wb,
                   n_before > $cap AND rank0 // {BLOCK_WINDOW} IS NOT NULL AS windowed_before,
                   rank0 // {BLOCK_WINDOW} AS wa0,
                   (rank0 + {BLOCK_WINDOW // 2}) // {BLOCK_WINDOW} AS wb0
            FROM (
                SELECT m.rule, m.key, m.pid, c.pid IS NULL AS before,
                       count(*) OVER (PARTITION BY m.rule, m.key) AS n,
                       count(*) FILTER (WHERE c.pid IS NULL)
                           OVER (PARTITION BY m.rule, m.key) AS n_before,
                       row_number() OVER (PARTITION BY m.rule, m.key
                                          ORDER BY u.sort_key, u.unique_id) - 1 AS rank,
                       CASE WHEN c.pid IS NULL THEN row_number() OVER (
                           PARTITION BY m.rule, m.key, c.pid IS NULL
                           ORDER BY u.sort_key, u.unique_id) - 1 END AS rank0
                FROM _ik_members m JOIN {UIDS} u USING (pid) LEFT JOIN _ik_changed c USING (pid)
            )
            """,
            {"cap": cap},
        )
    try:
        crowded = con.sql(
            """
            SELECT DISTINCT pid FROM _ik_win
            WHERE n > $cap AND before AND (NOT windowed_before OR wa <> wa0 OR wb <> wb0)
            """,
            params={"cap": cap},
        ).to_arrow_table()
        pairs = con.sql(
            """
            WITH small AS (
                SELECT q.pid AS a, m.pid AS b
                FROM _ik_qkeys q JOIN _ik_win m USING (rule, key)
                WHERE m.n <= $cap AND m.pid <> q.pid
            ), big AS (SELECT * FROM _ik_win WHERE n > $cap),
               windowed AS (
                SELECT x.pid AS a, y.pid AS b FROM big x JOIN big y
                  ON x.rule = y.rule AND x.key = y.key AND x.pid < y.pid
                 AND (x.wa = y.wa OR x.wb = y.wb)
                WHERE x.q OR y.q OR NOT (
                    x.before AND y.before
                    AND (NOT x.windowed_before OR x.wa0 = y.wa0 OR x.wb0 = y.wb0))
            )
            SELECT DISTINCT least(a, b) AS pid_a, greatest(a, b) AS pid_b
            FROM (SELECT * FROM small UNION ALL SELECT * FROM windowed)
            """,
            params={"cap": cap},
        ).to_arrow_table()
        return pairs, crowded.column("pid").combine_chunks()
    finally:
        for t in ("_ik_qkeys", "_ik_members", "_ik_win"):
            con.execute(f"DROP TABLE IF EXISTS {t}")


def still_blocked(con: duckdb.DuckDBPyConnection, pairs: pa.Table, cap: int) -> pa.Table:
    """The pairs of ``pairs`` (pid_a, pid_b) a full run would still compare: they share a key
    whose block has at most ``cap`` profiles, or a window of that larger block."""
    ends = pa.table({"pid": pa.concat_arrays([c.combine_chunks() for c in pairs.columns[:2]])})
    with registered(con, {"_ik_check": pairs.select(["pid_a", "pid_b"]), "_ik_ends": ends}):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ik_ckeys AS "
            + _key_rows("pid IN (SELECT pid FROM _ik_ends)")
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _ik_shared AS
            SELECT c.pid_a, c.pid_b, ka.rule, ka.key
            FROM _ik_check c JOIN _ik_ckeys ka ON ka.pid = c.pid_a
            JOIN _ik_ckeys kb ON kb.pid = c.pid_b AND kb.rule = ka.rule AND kb.key = ka.key
            """
        )
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ik_members AS "
            + _key_rows("{key} IN (SELECT key FROM _ik_shared WHERE rule = {i})")
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ik_win AS " + _windowed("_ik_members"),
            {"cap": cap},
        )
        return con.sql(
            """
            SELECT DISTINCT s.pid_a, s.pid_b FROM _ik_shared s
            JOIN _ik_win x ON x.rule = s.rule AND x.key = s.key AND x.pid = s.pid_a
            JOIN _ik_win y ON y.rule = s.rule AND y.key = s.key AND y.pid = s.pid_b
            WHERE x.n <= $cap OR x.wa = y.wa OR x.wb = y.wb
            """,
            params={"cap": cap},
        ).to_arrow_table()
    finally:
        for t in ("_ik_ckeys", "_ik_shared", "_ik_members", "_ik_win"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
