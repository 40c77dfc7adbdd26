"""The match prior of a data set, estimated from the data being matched.

How many duplicates a data set holds depends on where it comes from: a customs extract repeats
each trader a few times, an alias list names each party many ways. The model's own prior (its
expected matches per profile) is only the starting point. With the model's m fixed:

* When the data has evidence besides names (country, place, tax id), the prior is fitted by
  EM over the data's candidate pairs, one parameter: each round re-estimates u from the data's
  random-pair level rates corrected for the matches the current prior implies
  (``adapt.u_from_observed``), scores the pairs and takes the mean match posterior over all
  pairs (pairs no blocking rule produced count as name disagreements).
* Names alone cannot tell a dense alias list from a list of same-named strangers (u and the
  prior are not separately identifiable from one comparison): the prior is then the number of
  candidate pairs at decisive name levels (m/u of at least ``DECISIVE_BITS``) over the share
  of matches the model puts at those levels.

Either way the estimate stays within ``MAX_FACTOR`` of the model's prior.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from resolver.model.adapt import logit2, u_from_observed
from resolver.model.params import ModelParams

log = logging.getLogger(__name__)

DECISIVE_BITS = 8.0
MAX_FACTOR = 30.0
EM_MAX_ITERATIONS = 60
EM_TOLERANCE = 1e-3  # relative change of the prior at which EM stops
WEIGHT_TOLERANCE = 1e-6  # splink's SQL log2 against Python's, per level
NAME_ONLY = frozenset({"name", "legal_form", "name_numbers"})


@dataclass(frozen=True)
class PriorEstimate:
    """A data set's prior, the model with u re-estimated for it, and how it was found."""

    prior: float
    params: ModelParams
    method: str
    iterations: int = 0


def level_weights(params: ModelParams) -> dict[str, list[float]]:
    """log2(m/u) of every non-null level, per comparison."""
    return {
        name: [math.log2(lv["m"] / lv["u"]) for lv in levels]
        for name, levels in params.comparisons.items()
    }


def level_index(weights: Sequence[float], weight: float) -> int | None:
    """Which non-null level a pair's match weight for one comparison came from: its index, -1
    for the null level (weight 0), None when two levels share the weight."""
    candidates = [(-1, 0.0), *enumerate(weights)]
    hits = [k for k, w in candidates if abs(w - weight) < WEIGHT_TOLERANCE * max(1.0, abs(w))]
    if len(hits) == 1:
        return hits[0]
    return None


def estimate_prior(
    params: ModelParams,
    observed: Mapping[str, list[float | None]],
    patterns: Sequence[tuple[Mapping[str, float], int]],
    scored_with: ModelParams,
    n_pairs: float,
    model_prior: float,
) -> PriorEstimate:
    """The prior of the data set whose candidate pairs fall into ``patterns``: (per comparison
    the pair's match weight under ``scored_with``, number of pairs); ``n_pairs`` is the number
    of all profile pairs. Falls back to the model's prior when the patterns cannot be read."""
    base = u_from_observed(params, observed, model_prior)
    weights0 = level_weights(scored_with)
    names = list(params.comparisons)
    rows, counts = [], []
    for pattern, count in patterns:
        row = []
        for name in names:
            index = level_index(weights0[name], float(pattern.get(name, 0.0)))
            if index is None:
                log.info("prior: two levels of %s share a weight; model prior kept", name)
                return PriorEstimate(model_prior, base, "model (levels not distinguishable)")
            row.append(index)
        rows.append(row)
        counts.append(count)
    if not rows or n_pairs < 1:
        return PriorEstimate(model_prior, base, "model (no candidate pairs)")
    levels = np.array(rows, dtype=np.int64)
    counts_arr = np.array(counts, dtype=np.float64)
    low, high = model_prior / MAX_FACTOR, min(model_prior * MAX_FACTOR, 0.5)
    evidence = [
        j
        for j, name in enumerate(names)
        if name not in NAME_ONLY and bool(np.any(levels[:, j] >= 0))
    ]
    if not evidence:
        prior = _decisive_name_prior(params, names, levels, counts_arr, n_pairs)
        if prior is None:
            return PriorEstimate(model_prior, base, "model (no decisive name pairs)")
        prior = min(max(prior, low), high)
        return PriorEstimate(prior, u_from_observed(params, observed, prior), "decisive names")
    prior, fitted = model_prior, base
    others = n_pairs - counts_arr.sum()
    for iteration in range(1, EM_MAX_ITERATIONS + 1):
        fitted = u_from_observed(params, observed, prior)
        bits = _pattern_bits(fitted, names, levels)
        posterior = 1.0 / (1.0 + np.exp2(-(bits + logit2(prior))))
        else_bits = level_weights(fitted)["name"][-1] if "name" in names else 0.0
        posterior_others = 1.0 / (1.0 + np.exp2(-(else_bits + logit2(prior))))
        new = (float(posterior @ counts_arr) + max(others, 0.0) * posterior_others) / n_pairs
        new = min(max(new, low), high)
        if abs(math.log(new / prior)) < EM_TOLERANCE:
            prior = new
            break
        prior = new
    fitted = u_from_observed(params, observed, prior)
    return PriorEstimate(prior, fitted, "EM on candidate pairs", iteration)


def _pattern_bits(params: ModelParams, names: list[str], levels: np.ndarray) -> np.ndarray:
    """Summed match weight (no prior) of each pattern under ``params``."""
    weights = level_weights(params)
    bits = np.zeros(len(levels))
    for j, name in enumerate(names):
        table = np.array([*weights[name], 0.0])  # index -1: the null level
        bits += table[levels[:, j]]
    return bits


def _decisive_name_prior(
    params: ModelParams,
    names: list[str],
    levels: np.ndarray,
    counts: np.ndarray,
    n_pairs: float,
) -> float | None:
    """Candidate pairs at decisive name levels over the share of matches found there."""
    if "name" not in names:
        return None
    name_levels = params.comparisons["name"]
    decisive = [
        k for k, lv in enumerate(name_levels) if math.log2(lv["m"] / lv["u"]) >= DECISIVE_BITS
    ]
    share = sum(name_levels[k]["m"] for k in decisive)
    found = float(counts[np.isin(levels[:, names.index("name")], decisive)].sum())
    if not decisive or share <= 0 or found <= 0:
        return None
    return found / (n_pairs * share)
