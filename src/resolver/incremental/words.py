"""Word statistics across batches: the counts a batch adds, and which words drifted.

A batch adds its new profiles to ``pf`` and its names and addresses the state has not seen to
``df`` and to the numbers of distinct names and addresses, so the counts stay exactly those a
full run over every record would compute. Weights follow from the counts (``features``).

Drift: each word keeps the weight at which the stored pairs holding it were last scored
(``w_ref``; for name words also the largest weight then, ``wmax_ref``, the denominator of a
name's rarity). A word *drifted* when its weight, or its weight relative to the largest, moved
by more than ``DRIFT_TOLERANCE`` (relative) from the reference. A profile holding a drifted
word meets its blocked profiles again (every pair of it is scored again, and one below the
pairs floor before may now be kept), and the word's reference becomes its current weight.
So every stored pair was scored with weights within ``DRIFT_TOLERANCE`` of the references,
which are within ``DRIFT_TOLERANCE`` of the current weights: a stored pair's word weights are
off by at most about twice the tolerance, and a rare-word overlap (a ratio of weight sums) by
at most about four times, relative. See docs/DECISIONS.md for the choice of the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from resolver.engine import registered
from resolver.features import WordCounts, count_words, word_weights

DRIFT_TOLERANCE = 0.02


@dataclass
class WordState:
    """The stored word statistics: counts plus the reference weights of the drift test."""

    names: pa.Table  # k, df, pf, w_ref, wmax_ref
    addresses: pa.Table  # k, df, w_ref
    n_cores: int
    n_addresses: int

    def counts(self) -> WordCounts:
        return WordCounts(
            self.names.select(["k", "df", "pf"]),
            self.addresses.select(["k", "df"]),
            self.n_cores,
            self.n_addresses,
        )


@dataclass
class Drift:
    """The outcome of a batch for the word statistics."""

    words: WordState  # counts after the batch, references moved for the drifted words
    drifted_names: pa.Table  # k
    drifted_addresses: pa.Table  # k
    touched_names: pa.Table  # k: name words whose counts the batch changed


def initial_state(con: duckdb.DuckDBPyConnection, counts: WordCounts) -> WordState:
    """The word state of a first run: references are the current weights."""
    names, addresses = word_weights(con, counts)
    with registered(con, {"_iw_c": counts.names, "_iw_w": names}):
        name_table = con.sql(
            "SELECT c.k, c.df, c.pf, w.w AS w_ref, w.w_max AS wmax_ref "
            "FROM _iw_c c JOIN _iw_w w USING (k) ORDER BY c.k"
        ).to_arrow_table()
    with registered(con, {"_iw_c": counts.addresses, "_iw_w": addresses}):
        address_table = con.sql(
            "SELECT c.k, c.df, w.w AS w_ref FROM _iw_c c JOIN _iw_w w USING (k) ORDER BY c.k"
        ).to_arrow_table()
    return WordState(name_table, address_table, counts.n_cores, counts.n_addresses)


def batch_counts(
    con: duckdb.DuckDBPyConnection, new_profiles: pa.Table, known: pa.Table
) -> WordCounts:
    """The counts the batch's new profiles add: every profile to ``pf``; only the names (core
    and keys) and addresses the state does not hold to ``df`` and the distinct numbers.

    ``known``: the flags ``core_known`` and ``address_known`` per new profile (``pid``).
    """
    with registered(con, {"_iw_new": new_profiles, "_iw_known": known}):
        masked = con.sql(
            """
            SELECT CASE WHEN k.core_known THEN NULL ELSE n.name_core END AS name_core,
                   n.name_keys,
                   CASE WHEN k.address_known THEN NULL ELSE n.address END AS address,
                   n.address_keys
            FROM _iw_new n JOIN _iw_known k USING (pid)
            """
        ).to_arrow_table()
    return count_words(con, masked)


def apply_batch(
    con: duckdb.DuckDBPyConnection,
    words: WordState,
    added: WordCounts,
    tolerance: float = DRIFT_TOLERANCE,
) -> Drift:
    """The word state after the batch, with the words that drifted and those it touched."""
    counts_sql = """
        SELECT k, coalesce(s.df, 0) + coalesce(a.df, 0) AS df{pf}
        FROM _iw_state s FULL JOIN _iw_added a USING (k)
    """
    with registered(con, {"_iw_state": words.names, "_iw_added": added.names}):
        names = con.sql(
            counts_sql.format(pf=", coalesce(s.pf, 0) + coalesce(a.pf, 0) AS pf")
        ).to_arrow_table()
        touched = con.sql("SELECT k FROM _iw_added WHERE df > 0 OR pf > 0").to_arrow_table()
    with registered(con, {"_iw_state": words.addresses, "_iw_added": added.addresses}):
        addresses = con.sql(counts_sql.format(pf="")).to_arrow_table()
    merged = WordCounts(
        names, addresses, words.n_cores + added.n_cores, words.n_addresses + added.n_addresses
    )
    name_w, address_w = word_weights(con, merged)
    tables = {
        "_iw_c": names,
        "_iw_w": name_w,
        "_iw_ref": words.names,
        "_iw_ac": addresses,
        "_iw_aw": address_w,
        "_iw_aref": words.addresses,
    }
    with registered(con, tables):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _iw_names AS
            SELECT c.k, c.df, c.pf, w.w, w.w_max, r.w_ref, r.wmax_ref,
                   r.w_ref IS NOT NULL
                   AND (abs(w.w / r.w_ref - 1.0) > $tol
                        OR abs((w.w / w.w_max) / (r.w_ref / r.wmax_ref) - 1.0) > $tol) AS drifted
            FROM _iw_c c JOIN _iw_w w USING (k) LEFT JOIN _iw_ref r USING (k)
            """,
            {"tol": tolerance},
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _iw_addresses AS
            SELECT c.k, c.df, w.w, r.w_ref,
                   r.w_ref IS NOT NULL AND abs(w.w / r.w_ref - 1.0) > $tol AS drifted
            FROM _iw_ac c JOIN _iw_aw w USING (k) LEFT JOIN _iw_aref r USING (k)
            """,
            {"tol": tolerance},
        )
    try:
        keep_or_move = "CASE WHEN drifted OR {ref} IS NULL THEN {now} ELSE {ref} END"
        name_state = con.sql(
            f"""
            SELECT k, df, pf, {keep_or_move.format(ref="w_ref", now="w")} AS w_ref,
                   {keep_or_move.format(ref="wmax_ref", now="w_max")} AS wmax_ref
            FROM _iw_names ORDER BY k
            """
        ).to_arrow_table()
        address_state = con.sql(
            f"""
            SELECT k, df, {keep_or_move.format(ref="w_ref", now="w")} AS w_ref
            FROM _iw_addresses ORDER BY k
            """
        ).to_arrow_table()
        drifted_names = con.sql("SELECT k FROM _iw_names WHERE drifted").to_arrow_table()
        drifted_addresses = con.sql("SELECT k FROM _iw_addresses WHERE drifted").to_arrow_table()
    finally:
        con.execute("DROP TABLE IF EXISTS _iw_names")
        con.execute("DROP TABLE IF EXISTS _iw_addresses")
    state = WordState(name_state, address_state, merged.n_cores, merged.n_addresses)
    return Drift(state, drifted_names, drifted_addresses, touched)


def swapped_words(
    con: duckdb.DuckDBPyConnection, before: pa.Table, after: pa.Table, rare_cap: int
) -> pa.Table:
    """Pairs of name words ``(w, x)`` whose order of frequency the batch swapped, where ``w``
    is a common word (in more than ``rare_cap`` profiles) the batch counted: a name holding
    both may have other two rarest words now (the key of the two rarest words, whatever
    their frequency). Names holding a rare word the batch counted are re-keyed anyway."""
    with registered(con, {"_iw_before": before, "_iw_after": after}):
        return con.sql(
            """
            WITH t AS (SELECT k, b.df AS df0, a.df AS df1 FROM _iw_before b JOIN _iw_after a
                       USING (k) WHERE a.df > b.df AND b.pf > $cap),
                 x AS (SELECT k, b.df AS df0, a.df AS df1 FROM _iw_before b JOIN _iw_after a
                       USING (k))
            SELECT t.k AS w, x.k AS x FROM t JOIN x ON x.df0 >= t.df0 AND x.df1 <= t.df1
            WHERE x.k <> t.k
              AND (t.df0 < x.df0 OR (t.df0 = x.df0 AND t.k < x.k))
              AND (t.df1 > x.df1 OR (t.df1 = x.df1 AND t.k > x.k))
            """,
            params={"cap": rare_cap},
        ).to_arrow_table()
