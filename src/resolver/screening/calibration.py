"""The model's m and u adapted to screening against one list, measured on the list's own names.

The model is trained for dedupe, with word weights over trade data; screening compares records
with list names weighted over the list. Two u are re-estimated on the list (never lowered):
the similarity levels of names and every address level, as the rate different listed parties
reach them; and the same-country level among look-alike names (different parties whose names
agree share a country far more often than random ones). One m is (never lowered): the rate at
which the names a list gives one party differ in legal-form class (a listed party is written
with other legal forms more often than one company in trade records: OFAC 3.4%, UN 5.3%, the
model 1.4%). docs/DECISIONS.md has the measurements.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from resolver.model.params import ModelParams
from resolver.model.scoring import ScoredComparison, scored_comparisons
from resolver.screening.index import ListIndex
from resolver.screening.scoring import pair_gammas

# comparison -> True when only its similarity levels are re-estimated, not its exact-value ones
LIST_U_COMPARISONS: dict[str, bool] = {"place": False, "name": True}
LIST_U_MIN_PAIRS = 1000  # fewer comparable list pairs: keep the model's u
LIST_U_MAX_PAIRS = 100_000  # more: a fixed-seed random sample of this many
# comparison -> its levels whose u is the rate among list pairs whose names agree
NAME_AGREEING_U: dict[str, tuple[str, ...]] = {"country": ("country.same",)}
NAME_AGREES = 5.0  # name weight (bits) from which two names agree (rare-word overlap >= 0.6)
NAME_AGREEING_MIN_PAIRS = 50
NAME_AGREEING_MAX_ROWS = 1000  # more list names: a fixed-seed sample of this many meet the list
# comparison -> its levels whose m is the rate among pairs of one listed party's names
LIST_M_LEVELS: dict[str, tuple[str, ...]] = {"legal_form": ("legal_form.different_class",)}
LIST_M_MIN_PAIRS = 200  # fewer comparable pairs of one party's names: keep the model's m
LIST_M_NAMES_PER_PARTY = 20  # a party's first names paired (a party's pairs grow with n^2)


class ListPairLevels:
    """The level a comparison gives pairs of list name rows, with the levels' SQL in DuckDB."""

    def __init__(self, index: ListIndex, con: duckdb.DuckDBPyConnection) -> None:
        self.index, self.con = index, con

    def gammas(self, comp: ScoredComparison, pairs: Sequence[tuple[int, int]]) -> list[int]:
        """The gamma of ``comp`` for each (row, row) pair, in order."""
        if not pairs:
            return []
        pid = self.index.row_pid
        table = pa.table(
            {
                "a": pa.array(pid[[i for i, _ in pairs]], pa.int64()),
                "b": pa.array(pid[[j for _, j in pairs]], pa.int64()),
            }
        )
        profiles = self.index.profiles
        out = pair_gammas(self.con, profiles, profiles, table, [comp.spec])
        return out.column(f"gamma_{comp.name}").to_pylist()


def _level_rates(comp: ScoredComparison, gammas: list[int]) -> tuple[dict[str, float], int]:
    """Per non-null level id: its share of ``gammas`` other than the null level; and how many
    those are."""
    null = {lv.gamma for lv in comp.levels if lv.level.is_null}
    counts = Counter(g for g in gammas if g not in null)
    seen = sum(counts.values())
    rates = {
        lv.level.id: counts[lv.gamma] / max(seen, 1) for lv in comp.levels if not lv.level.is_null
    }
    return rates, seen


def list_u(
    comp: ScoredComparison, index: ListIndex, levels: ListPairLevels
) -> tuple[dict[str, float], int]:
    """Per level of ``comp``: the rate at which different listed parties reach it among list
    name pairs the comparison can compare (not its null level); and the number of such pairs."""
    parties = index.lists.column("list_id").to_pylist()
    null = {lv.gamma for lv in comp.levels if lv.level.is_null}
    # a row the comparison cannot compare with itself (its null level) cannot be compared at all
    itself = levels.gammas(comp, [(i, i) for i in range(len(parties))])
    usable = [i for i, g in enumerate(itself) if g not in null]
    n = len(usable)
    if n * (n - 1) // 2 <= LIST_U_MAX_PAIRS:
        pairs: Any = ((usable[a], usable[b]) for a in range(n) for b in range(a + 1, n))
    else:
        rng = random.Random(0)
        pairs = (
            (usable[rng.randrange(n)], usable[rng.randrange(n)]) for _ in range(LIST_U_MAX_PAIRS)
        )
    pairs = [(i, j) for i, j in pairs if parties[i] != parties[j]]
    return _level_rates(comp, levels.gammas(comp, pairs))


def name_agreeing_u(
    comp: ScoredComparison,
    name: ScoredComparison,
    index: ListIndex,
    levels: ListPairLevels,
) -> tuple[dict[str, float], int]:
    """Per level of ``comp``: its rate among list name pairs of different parties that are
    screening candidates of each other and whose names agree (name weight >= NAME_AGREES), of
    those it can compare; and the number of such (ordered) pairs."""
    parties = index.lists.column("list_id").to_pylist()
    queries: Sequence[int] = range(len(parties))
    if len(parties) > NAME_AGREEING_MAX_ROWS:
        queries = sorted(random.Random(0).sample(queries, NAME_AGREEING_MAX_ROWS))
    profiles = {p["pid"]: p for p in index.profiles.to_pylist()}
    found = index.postings.pairs(
        levels.con,
        [(i, index.postings.keys_of(profiles[int(index.row_pid[i])])) for i in queries],
    )
    members = index.members()
    pairs = [
        (i, j)
        for i, pid in zip(
            found.column("q").to_pylist(), found.column("pid").to_pylist(), strict=True
        )
        for j in members.rows(pid).tolist()
        if parties[i] != parties[j]
    ]
    weight = {lv.gamma: lv.weight for lv in name.levels}
    agree = [
        pair
        for pair, gamma in zip(pairs, levels.gammas(name, pairs), strict=True)
        if weight[gamma] >= NAME_AGREES
    ]
    return _level_rates(comp, levels.gammas(comp, agree))


def list_m(
    comp: ScoredComparison, index: ListIndex, levels: ListPairLevels
) -> tuple[dict[str, float], int]:
    """Per level of ``comp``: its rate among pairs of names of one listed party (the first
    LIST_M_NAMES_PER_PARTY of each) that it can compare, and the number of such pairs."""
    rows: dict[str, list[int]] = {}
    for i, party in enumerate(index.lists.column("list_id").to_pylist()):
        rows.setdefault(party, []).append(i)
    pairs = [
        pair
        for party_rows in rows.values()
        for pair in itertools.combinations(party_rows[:LIST_M_NAMES_PER_PARTY], 2)
    ]
    if len(pairs) > LIST_U_MAX_PAIRS:
        pairs = sorted(random.Random(0).sample(pairs, LIST_U_MAX_PAIRS))
    return _level_rates(comp, levels.gammas(comp, pairs))


def screening_params(
    params: ModelParams, index: ListIndex, con: duckdb.DuckDBPyConnection
) -> tuple[ModelParams, dict[str, Any]]:
    """The model's parameters adapted to screening against ``index`` and what changed
    (level id -> old and new u or m, and the list pairs they were measured on)."""
    levels = ListPairLevels(index, con)
    out = copy.deepcopy(params)
    changes: dict[str, Any] = {}
    comps = {c.name: c for c in scored_comparisons(params.comparisons)}
    for name, similarity_only in LIST_U_COMPARISONS.items():
        if name not in comps:
            continue
        comp = comps[name]
        rates, seen = list_u(comp, index, levels)
        if seen >= LIST_U_MIN_PAIRS:
            ids = {
                lv.level.id
                for lv in comp.levels
                if not lv.level.is_else and (lv.level.is_similarity or not similarity_only)
            }
            _raise(out.comparisons[name], ids, rates, {"list_pairs": seen}, changes)
    for name, ids in NAME_AGREEING_U.items():
        if name not in comps or "name" not in comps:
            continue
        rates, seen = name_agreeing_u(comps[name], comps["name"], index, levels)
        if seen >= NAME_AGREEING_MIN_PAIRS:
            _raise(
                out.comparisons[name], set(ids), rates, {"name_agreeing_list_pairs": seen}, changes
            )
    for name, ids in LIST_M_LEVELS.items():
        if name not in comps:
            continue
        rates, seen = list_m(comps[name], index, levels)
        if seen >= LIST_M_MIN_PAIRS:
            _raise(out.comparisons[name], set(ids), rates, {"list_party_pairs": seen}, changes, "m")
    out.metadata = {**out.metadata, "screening_adjusted": sorted(changes)}
    return out, changes


def _raise(
    levels: list[dict[str, Any]],
    ids: set[str],
    rates: dict[str, float],
    evidence: dict[str, int],
    changes: dict[str, Any],
    parameter: str = "u",
) -> None:
    """Set ``parameter`` (u or m) of each level in ``ids`` to its measured rate where that is
    higher, recording the change (old and new value, and the pairs it was measured on) in
    ``changes``."""
    for level in levels:
        rate = rates.get(level["id"])
        if level["id"] in ids and rate is not None and rate > level[parameter]:
            changes[level["id"]] = {
                parameter: level[parameter],
                f"new_{parameter}": rate,
                **evidence,
            }
            level[parameter] = rate
