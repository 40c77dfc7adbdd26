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
  a fixed-seed sample of ``NAME_AGREEING_MAX_ROWS`` list names, about 3 s on OFAC).
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
from collections.abc import Callable, Iterable
from typing import Any

import splink.comparison_level_library as cll

from resolver.model.levels import SqlLevel
from resolver.model.params import ModelParams
from resolver.screening.explain import ComparisonInfo, model_comparisons
from resolver.screening.realtime import CompiledComparison, ListIndex, compile_comparisons

# comparison -> True when only its similarity levels are re-estimated, not its exact-value ones
LIST_U_COMPARISONS: dict[str, bool] = {"place": False, "name": True}
LIST_U_MIN_PAIRS = 1000  # fewer comparable list pairs: keep the model's u
# comparison -> its levels whose u is the rate among list pairs whose names agree
NAME_AGREEING_U: dict[str, tuple[str, ...]] = {"country": ("country: same",)}
NAME_AGREES = 5.0  # name weight (bits) from which two names agree (rare-word overlap >= 0.6)
NAME_AGREEING_MIN_PAIRS = 50
NAME_AGREEING_MAX_ROWS = 1000  # more list names: a fixed-seed sample of this many meet the list
LIST_U_MAX_PAIRS = 100_000  # more: a fixed-seed random sample of this many


def list_u(info: ComparisonInfo, index: ListIndex) -> tuple[dict[str, float], int]:
    """Per level label of comparison ``info``: the rate at which different listed parties reach
    it among list name pairs the comparison can compare (not its null level); and the pairs."""
    (compiled,) = compile_comparisons((info,))
    null = next((lv for lv, _ in compiled.levels if lv.is_null), None)
    rows = index.rows
    parties = index.table.column("list_id").to_pylist()
    usable = [i for i, f in enumerate(rows) if null is None or not _is_null(compiled, f)]
    n = len(usable)
    total = n * (n - 1) // 2
    if total <= LIST_U_MAX_PAIRS:
        pairs: Any = ((usable[a], usable[b]) for a in range(n) for b in range(a + 1, n))
    else:
        rng = random.Random(0)
        pairs = (
            (usable[rng.randrange(n)], usable[rng.randrange(n)]) for _ in range(LIST_U_MAX_PAIRS)
        )
    return _level_rates(compiled, rows, parties, pairs)


def name_agreeing_u(
    info: ComparisonInfo, name: ComparisonInfo, index: ListIndex
) -> tuple[dict[str, float], int]:
    """Per level label of comparison ``info``: its rate among list name pairs of different
    parties that are screening candidates of each other and whose names agree (name weight >=
    NAME_AGREES), of those it can compare; and the number of such (ordered) pairs."""
    compiled, name_c = compile_comparisons((info, name))
    rows = index.rows
    queries = range(len(rows))
    if len(rows) > NAME_AGREEING_MAX_ROWS:
        queries = sorted(random.Random(0).sample(queries, NAME_AGREEING_MAX_ROWS))
    pairs = ((i, j) for i in queries for j in index.candidates(rows[i]))
    return _level_rates(
        compiled,
        rows,
        index.table.column("list_id").to_pylist(),
        pairs,
        keep=lambda a, b: name_c.score(a, b, {})[1] >= NAME_AGREES,
    )


def _level_rates(
    compiled: CompiledComparison,
    rows: list[dict[str, Any]],
    parties: list[Any],
    pairs: Iterable[tuple[int, int]],
    keep: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None,
) -> tuple[dict[str, float], int]:
    """Per non-null level label of ``compiled``: its share among the row ``pairs`` of different
    parties (that ``keep`` accepts) the comparison can compare; and the number of such pairs."""
    null = next((lv for lv, _ in compiled.levels if lv.is_null), None)
    counts: dict[int, int] = {}
    seen = 0
    for i, j in pairs:
        if parties[i] == parties[j] or (keep is not None and not keep(rows[i], rows[j])):
            continue
        gamma, _ = compiled.score(rows[i], rows[j], {})
        if null is not None and gamma == null.gamma:
            continue
        counts[gamma] = counts.get(gamma, 0) + 1
        seen += 1
    levels = compiled.info.levels
    return {
        lv.label: counts.get(lv.gamma, 0) / max(seen, 1) for lv in levels if not lv.is_null
    }, seen


def _is_null(compiled: Any, f: dict[str, Any]) -> bool:
    """The row cannot be compared on this comparison whatever the other side (null level)."""
    return any(lv.is_null and pred(f, f) for lv, pred in compiled.levels)


def screening_params(params: ModelParams, index: ListIndex) -> tuple[ModelParams, dict[str, Any]]:
    """The model's parameters adapted to screening against ``index`` (see the module docstring),
    and a summary of what changed (label -> old/new u, comparable list pairs)."""
    out = copy.deepcopy(params)
    changes: dict[str, Any] = {}
    infos = {c.name: c for c in model_comparisons(params)}
    for name, similarity_only in LIST_U_COMPARISONS.items():
        if name not in out.comparisons:
            continue
        info = infos[name]
        rates, seen = list_u(info, index)
        if seen < LIST_U_MIN_PAIRS:
            continue
        kept = (cll.ElseLevel, SqlLevel) if similarity_only else (cll.ElseLevel,)
        fixed = {lv.label for lv in info.levels if isinstance(lv.creator, kept)}
        for level in out.comparisons[name]:
            rate = rates.get(level["label"])
            if level["label"] not in fixed and rate is not None and rate > level["u"]:
                changes[level["label"]] = {
                    "u": level["u"],
                    "new_u": rate,
                    "list_pairs": seen,
                }
                level["u"] = rate
    for name, labels in NAME_AGREEING_U.items():
        if name not in out.comparisons or "name" not in infos:
            continue
        rates, seen = name_agreeing_u(infos[name], infos["name"], index)
        if seen < NAME_AGREEING_MIN_PAIRS:
            continue
        for level in out.comparisons[name]:
            rate = rates.get(level["label"])
            if level["label"] in labels and rate is not None and rate > level["u"]:
                changes[level["label"]] = {
                    "u": level["u"],
                    "new_u": rate,
                    "name_agreeing_list_pairs": seen,
                }
                level["u"] = rate
    out.metadata = {**out.metadata, "screening_adjusted": sorted(changes)}
    return out, changes
