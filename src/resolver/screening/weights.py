"""Screening weights: the model's m/u adapted to (record, listed party) pairs.

The model is trained for dedupe, on pairs of trade records with word weights (IDF) over the
trade data. Screening compares a record with a list name, with IDF over the list alone (see
``screen``). Both paths (batch and ``screen_one``) score with the adapted parameters, so the
explanations are the weights scored.

* Address overlap and name similarity levels (``LIST_U_COMPARISONS``): with IDF over a few
  hundred list addresses, words every trade address in a business district carries (building,
  free zone) look rare, so two unrelated parties reach an overlap level far more often than the
  model's u (counted with IDF over the trade data) says; the same holds for name words a list's
  trade names share ("Spare Parts Trading", "Logistics"). u of each level is re-estimated as the
  rate at which pairs of different listed parties reach it, never below the model's u (the list
  may be too small or too unlike the records to show it). Measured on generated data (dev seeds
  11 and 13, 6000 entities): address levels, precision at threshold 0.5 0.50 -> 0.57 and
  0.41 -> 0.49 at the same recall; name levels as well (list with city columns), 0.355 -> 0.590
  (recall 0.968 -> 0.963) and 0.255 -> 0.261 (recall 0.955 both).
  The exact-name levels keep the model's u: their rate among different list parties is the
  list's namesakes, which the exact-name term-frequency adjustment already counts.
* Country among look-alikes (``NAME_AGREEING_U``): the model adds its weights as if
  independent, but two different parties whose names agree are far likelier to share a country
  than two random ones (namesakes and company families live in one country): on the OFAC even
  half 25% of different-party name pairs the screener compares and whose names score >=
  ``NAME_AGREES`` share the country, against the model's u of 12% (+3.1 -> +2.0 bits); on
  generated lists 53% (+0.9 bits). Screening candidates are such pairs, so the same-country
  level's u is that rate (never lowered; the model's u below ``NAME_AGREEING_MIN_PAIRS`` pairs;
  a fixed-seed sample of ``NAME_AGREEING_MAX_ROWS`` list names, about 1 s on OFAC + UN).
  Measured (dev seeds 11 / 13): precision at 0.5 0.590 -> 0.768 / 0.261 -> 0.703, recall
  0.963 -> 0.931 / 0.955 -> 0.908, best F1 0.858 -> 0.860 / 0.820 -> 0.828, score bin 0.95-0.99
  63% -> 98% / 97% true; perturbed OFAC at 0.5 P 0.973 -> 0.977, R 0.881 -> 0.877.
* Not done: the legal form's "one missing" level made neutral: on generated data it is what
  keeps a short alias without legal form ("Yuen Tung") from flagging every "Yuen Tung
  Logistics Ltd" (precision 0.41 -> 0.31).
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll

from resolver.model.levels import SqlLevel
from resolver.model.params import ModelParams
from resolver.screening.explain import ComparisonInfo, model_comparisons
from resolver.screening.realtime import ListIndex

# comparison -> True when only its similarity levels are re-estimated, not its exact-value ones
LIST_U_COMPARISONS: dict[str, bool] = {"place": False, "name": True}
LIST_U_MIN_PAIRS = 1000  # fewer comparable list pairs: keep the model's u
# comparison -> its levels whose u is the rate among list pairs whose names agree
NAME_AGREEING_U: dict[str, tuple[str, ...]] = {"country": ("country: same",)}
NAME_AGREES = 5.0  # name weight (bits) from which two names agree (rare-word overlap >= 0.6)
NAME_AGREEING_MIN_PAIRS = 50
NAME_AGREEING_MAX_ROWS = 1000  # more list names: a fixed-seed sample of this many meet the list
LIST_U_MAX_PAIRS = 100_000  # more: a fixed-seed random sample of this many


class ListPairLevels:
    """The level (gamma) a comparison gives pairs of list name rows, computed in DuckDB with the
    levels' own SQL (what splink runs) on the screening list profiles.

    Vectorized: the name levels of 100,000 random OFAC + UN pairs took 4.8 s one pair at a time
    through the real-time Python predicates, which give the same levels (a test checks every
    comparison against them).
    """

    def __init__(self, profiles: pa.Table, index: ListIndex) -> None:
        self.profiles = profiles  # one row per list profile, ``unique_id`` + feature columns
        self.row_profiles = index.row_profiles

    def gammas(self, info: ComparisonInfo, pairs: list[tuple[int, int]]) -> list[int]:
        """The gamma of ``info`` for each (row, row) pair, in order."""
        if not pairs:
            return []
        cases = []
        for lv in info.levels:
            condition = lv.creator.get_comparison_level("duckdb").sql_condition
            cases.append(
                f"ELSE {lv.gamma}" if condition == "ELSE" else f"WHEN {condition} THEN {lv.gamma}"
            )
        sides = ", ".join(
            f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in self.profiles.column_names
        )
        pair_table = pa.table(
            {
                "k": pa.array(range(len(pairs)), pa.int64()),
                "a": [self.row_profiles[i] for i, _ in pairs],
                "b": [self.row_profiles[j] for _, j in pairs],
            }
        )
        con = duckdb.connect()
        try:
            con.register("_lp_prof", self.profiles)
            con.register("_lp_pairs", pair_table)
            rows = con.sql(
                f"""
                SELECT CASE {" ".join(cases)} END
                FROM (SELECT p.k, {sides} FROM _lp_pairs p
                      JOIN _lp_prof l ON l.unique_id = p.a JOIN _lp_prof r ON r.unique_id = p.b)
                ORDER BY k
                """
            ).fetchall()
        finally:
            con.close()
        return [g for (g,) in rows]


def list_u(
    info: ComparisonInfo, index: ListIndex, levels: ListPairLevels
) -> tuple[dict[str, float], int]:
    """Per level label of comparison ``info``: the rate at which different listed parties reach
    it among list name pairs the comparison can compare (not its null level); and the pairs."""
    parties = index.table.column("list_id").to_pylist()
    # a row the comparison cannot compare with itself (its null level) cannot be compared at all
    null = {lv.gamma for lv in info.levels if lv.is_null}
    itself = levels.gammas(info, [(i, i) for i in range(len(index.rows))])
    usable = [i for i, g in enumerate(itself) if g not in null]
    n = len(usable)
    total = n * (n - 1) // 2
    if total <= LIST_U_MAX_PAIRS:
        pairs: Any = ((usable[a], usable[b]) for a in range(n) for b in range(a + 1, n))
    else:
        rng = random.Random(0)
        pairs = (
            (usable[rng.randrange(n)], usable[rng.randrange(n)]) for _ in range(LIST_U_MAX_PAIRS)
        )
    pairs = [(i, j) for i, j in pairs if parties[i] != parties[j]]
    return _level_rates(info, levels.gammas(info, pairs))


def name_agreeing_u(
    info: ComparisonInfo, name: ComparisonInfo, index: ListIndex, levels: ListPairLevels
) -> tuple[dict[str, float], int]:
    """Per level label of comparison ``info``: its rate among list name pairs of different
    parties that are screening candidates of each other and whose names agree (name weight >=
    NAME_AGREES), of those it can compare; and the number of such (ordered) pairs."""
    rows = index.rows
    parties = index.table.column("list_id").to_pylist()
    queries = range(len(rows))
    if len(rows) > NAME_AGREEING_MAX_ROWS:
        queries = sorted(random.Random(0).sample(queries, NAME_AGREEING_MAX_ROWS))
    pairs = [(i, j) for i in queries for j in index.candidates(rows[i]) if parties[i] != parties[j]]
    name_weight = {lv.gamma: lv.weight for lv in name.levels}
    agree = [
        pair
        for pair, gamma in zip(pairs, levels.gammas(name, pairs), strict=True)
        if name_weight[gamma] >= NAME_AGREES
    ]
    return _level_rates(info, levels.gammas(info, agree))


def _level_rates(info: ComparisonInfo, gammas: list[int]) -> tuple[dict[str, float], int]:
    """Per non-null level label of ``info``: its share of ``gammas`` other than the null level;
    and how many those are."""
    null = {lv.gamma for lv in info.levels if lv.is_null}
    counts = Counter(g for g in gammas if g not in null)
    seen = sum(counts.values())
    return {lv.label: counts[lv.gamma] / max(seen, 1) for lv in info.levels if not lv.is_null}, seen


def screening_params(
    params: ModelParams, index: ListIndex, levels: ListPairLevels
) -> tuple[ModelParams, dict[str, Any]]:
    """The model's parameters adapted to screening against ``index`` (see the module docstring),
    and a summary of what changed (label -> old/new u, comparable list pairs)."""
    out = copy.deepcopy(params)
    changes: dict[str, Any] = {}
    infos = {c.name: c for c in model_comparisons(params)}
    for name, similarity_only in LIST_U_COMPARISONS.items():
        if name not in out.comparisons:
            continue
        info = infos[name]
        rates, seen = list_u(info, index, levels)
        if seen >= LIST_U_MIN_PAIRS:
            kept = (cll.ElseLevel, SqlLevel) if similarity_only else (cll.ElseLevel,)
            labels = {lv.label for lv in info.levels if not isinstance(lv.creator, kept)}
            _raise_u(out.comparisons[name], labels, rates, {"list_pairs": seen}, changes)
    for name, labels in NAME_AGREEING_U.items():
        if name not in out.comparisons or "name" not in infos:
            continue
        rates, seen = name_agreeing_u(infos[name], infos["name"], index, levels)
        if seen >= NAME_AGREEING_MIN_PAIRS:
            _raise_u(
                out.comparisons[name],
                set(labels),
                rates,
                {"name_agreeing_list_pairs": seen},
                changes,
            )
    out.metadata = {**out.metadata, "screening_adjusted": sorted(changes)}
    return out, changes


def _raise_u(
    levels: list[dict[str, Any]],
    labels: set[str],
    rates: dict[str, float],
    evidence: dict[str, int],
    changes: dict[str, Any],
) -> None:
    """Set u of each level in ``labels`` to its measured rate where that is higher, recording
    the change (old and new u, and the pairs it was measured on) in ``changes``."""
    for level in levels:
        rate = rates.get(level["label"])
        if level["label"] in labels and rate is not None and rate > level["u"]:
            changes[level["label"]] = {"u": level["u"], "new_u": rate, **evidence}
            level["u"] = rate
