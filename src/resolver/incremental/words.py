"""Word statistics across batches: the counts a batch adds, and which words drifted.

A batch adds its new profiles to ``pf`` and its names and addresses the state has not seen to
``df`` and to the numbers of distinct names and addresses, so the counts stay exactly those a
full run over every record would compute. Weights follow from the counts (``features``): name
evidence from the folded words, rare-word blocking keys from the phonetic keys.

Drift: each folded name word and address token keeps the weight at which the stored pairs
holding it were last scored (``w_ref``) and the largest weight then (``wmax_ref``, the
denominator of a name's rarity and of an address's information). A word *drifted* when its
weight, or its weight relative to the largest, moved by more than ``DRIFT_TOLERANCE``
(relative) from the reference. A profile holding a drifted word meets its blocked profiles
again (every pair of it is scored again, and one below the pairs floor before may now be
kept), and the word's reference becomes its current weight. So every stored pair was scored
with weights within ``DRIFT_TOLERANCE`` of the references, which are within
``DRIFT_TOLERANCE`` of the current weights: a stored pair's word weights are off by at most
about twice the tolerance, and a rare-word overlap (a ratio of weight sums) by at most about
four times, relative. See docs/DECISIONS.md for the choice of the tolerance.
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

    names: pa.Table  # k, df, pf (phonetic keys)
    folds: pa.Table  # k, df, w_ref, wmax_ref (folded name words)
    addresses: pa.Table  # k, df, w_ref, wmax_ref
    n_cores: int
    n_addresses: int

    def counts(self) -> WordCounts:
        return WordCounts(
            self.names.select(["k", "df", "pf"]),
            self.folds.select(["k", "df"]),
            self.addresses.select(["k", "df"]),
            self.n_cores,
            self.n_addresses,
        )


@dataclass
class Drift:
    """The outcome of a batch for the word statistics."""

    words: WordState  # counts after the batch, references moved for the drifted words
    drifted_folds: pa.Table  # k
    drifted_addresses: pa.Table  # k
    touched_names: pa.Table  # k: phonetic keys whose counts the batch changed


def _with_references(
    con: duckdb.DuckDBPyConnection, counts: pa.Table, weights: pa.Table
) -> pa.Table:
    with registered(con, {"_iw_c": counts, "_iw_w": weights}):
        return con.sql(
            "SELECT c.k, c.df, w.w AS w_ref, w.w_max AS wmax_ref "
            "FROM _iw_c c JOIN _iw_w w USING (k) ORDER BY c.k"
        ).to_arrow_table()


def initial_state(con: duckdb.DuckDBPyConnection, counts: WordCounts) -> WordState:
    """The word state of a first run: references are the current weights."""
    folds, addresses = word_weights(con, counts)
    return WordState(
        counts.names,
        _with_references(con, counts.folds, folds),
        _with_references(con, counts.addresses, addresses),
        counts.n_cores,
        counts.n_addresses,
    )


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
                   n.name_keys, n.name_folds,
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
    """The word state after the batch, with the words that drifted and the keys it touched."""
    with registered(con, {"_iw_state": words.names, "_iw_added": added.names}):
        names = con.sql(
            """
            SELECT k, coalesce(s.df, 0) + coalesce(a.df, 0) AS df,
                   coalesce(s.pf, 0) + coalesce(a.pf, 0) AS pf
            FROM _iw_state s FULL JOIN _iw_added a USING (k) ORDER BY k
            """
        ).to_arrow_table()
        touched = con.sql("SELECT k FROM _iw_added WHERE df > 0 OR pf > 0").to_arrow_table()
    folds = _grown(con, words.folds, added.folds)
    addresses = _grown(con, words.addresses, added.addresses)
    merged = WordCounts(
        names,
        folds,
        addresses,
        words.n_cores + added.n_cores,
        words.n_addresses + added.n_addresses,
    )
    fold_w, address_w = word_weights(con, merged)
    fold_state, drifted_folds = _drifted(con, folds, fold_w, words.folds, tolerance)
    address_state, drifted_addresses = _drifted(
        con, addresses, address_w, words.addresses, tolerance
    )
    state = WordState(names, fold_state, address_state, merged.n_cores, merged.n_addresses)
    return Drift(state, drifted_folds, drifted_addresses, touched)


def _grown(con: duckdb.DuckDBPyConnection, stored: pa.Table, added: pa.Table) -> pa.Table:
    """``k, df``: the stored document frequencies plus the batch's."""
    with registered(con, {"_iw_state": stored, "_iw_added": added}):
        return con.sql(
            "SELECT k, coalesce(s.df, 0) + coalesce(a.df, 0) AS df "
            "FROM _iw_state s FULL JOIN _iw_added a USING (k) ORDER BY k"
        ).to_arrow_table()


def _drifted(
    con: duckdb.DuckDBPyConnection,
    counts: pa.Table,
    weights: pa.Table,
    reference: pa.Table,
    tolerance: float,
) -> tuple[pa.Table, pa.Table]:
    """The words' state (counts, references moved where they drifted) and the drifted words."""
    with registered(con, {"_iw_c": counts, "_iw_w": weights, "_iw_ref": reference}):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _iw_words AS
            SELECT c.k, c.df, w.w, w.w_max, r.w_ref, r.wmax_ref,
                   r.w_ref IS NOT NULL
                   AND (abs(w.w / r.w_ref - 1.0) > $tol
                        OR abs((w.w / w.w_max) / (r.w_ref / r.wmax_ref) - 1.0) > $tol) AS drifted
            FROM _iw_c c JOIN _iw_w w USING (k) LEFT JOIN _iw_ref r USING (k)
            """,
            {"tol": tolerance},
        )
    try:
        state = con.sql(
            """
            SELECT k, df,
                   CASE WHEN drifted OR w_ref IS NULL THEN w ELSE w_ref END AS w_ref,
                   CASE WHEN drifted OR wmax_ref IS NULL THEN w_max ELSE wmax_ref END AS wmax_ref
            FROM _iw_words ORDER BY k
            """
        ).to_arrow_table()
        return state, con.sql("SELECT k FROM _iw_words WHERE drifted").to_arrow_table()
    finally:
        con.execute("DROP TABLE IF EXISTS _iw_words")


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
