"""The match prior of a data set, estimated from the data being matched.

How many duplicates a data set holds depends on where it comes from: a list of distinct
restaurants has almost none, a customs extract repeats each trader a few times, an alias list
or a patent assignee list names each party many ways. The model's prior (its expected matches
per profile) is the starting point; with the model's m fixed:

* Data with evidence besides names (country, place, tax id): the prior is fitted by EM over the
  data's candidate pairs, one parameter (each round re-estimates u from the data's random-pair
  level rates corrected for the matches the current prior implies, scores the pairs and takes
  the mean match posterior over all pairs; pairs no blocking rule produced count as names that
  differ). The estimate may only lower the model's prior: EM reads agreement that is
  correlated among non-matches (same city, same legal form, a shared generic word) as
  matches, and on 1M generated rows it put the prior 3.6 times higher and chained thousands
  of companies of one city (docs/DECISIONS.md). A lower estimate errs the safe way.
* Names only: EM cannot tell a dense alias list from a list of same-named strangers (u and the
  prior are not separately identifiable from one comparison). The prior is the number of
  candidate pairs at decisive name levels (m/u of at least ``DECISIVE_BITS``) over the share of
  matches the model puts at those levels, raised by the model's ``names_only_offset_bits``:
  scored that way, the candidate pairs of real name lists (OFAC aliases, PatentsView assignees,
  EDINET, UN) are matches more often than their probabilities say, by the same few bits at
  every name level (the model's m and u come mostly from trade records with addresses);
  ``names_only_offset`` measures it on their dev halves when the model is built.

Either estimate stays within ``MAX_FACTOR`` of the model's prior.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from resolver.model.adapt import u_from_observed
from resolver.model.params import ModelParams
from resolver.model.scoring import level_weight, logit2, probability

log = logging.getLogger(__name__)

DECISIVE_BITS = 8.0
MAX_FACTOR = 30.0
EM_MAX_ITERATIONS = 60
EM_TOLERANCE = 1e-3  # relative change of the prior at which EM stops
WEIGHT_TOLERANCE = 1e-6  # splink's SQL log2 against Python's, per level
# record columns that are evidence besides the name (legal form and numbers come from the name)
OTHER_EVIDENCE = ("country", "city", "address", "postcode", "tax_id")


@dataclass(frozen=True)
class PriorEstimate:
    """A data set's prior, the model with u re-estimated for it, and how it was found."""

    prior: float
    params: ModelParams
    method: str


def names_only(evidence: Mapping[str, int]) -> bool:
    """Whether the records hold no evidence besides names (``FeatureSet.evidence`` counts)."""
    return not any(evidence.get(column, 0) for column in OTHER_EVIDENCE)


def level_weights(params: ModelParams) -> dict[str, list[float]]:
    """log2(m/u) of every non-null level, per comparison."""
    return {
        name: [level_weight(lv["m"], lv["u"]) for lv in levels]
        for name, levels in params.comparisons.items()
    }


def _level_index(weights: Sequence[float], weight: float) -> int | None:
    """Which non-null level a pair's weight for a comparison came from: its index, -1 for the
    null level (weight 0), None when two levels share the weight."""
    candidates = [(-1, 0.0), *enumerate(weights)]
    hits = [k for k, w in candidates if abs(w - weight) < WEIGHT_TOLERANCE * max(1.0, abs(w))]
    return hits[0] if len(hits) == 1 else None


def pattern_levels(
    patterns: Sequence[tuple[Mapping[str, float], int]],
    weights: Mapping[str, Sequence[float]],
    names: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """(level index per pattern and comparison, -1 for the null level; pairs per pattern) of
    weight patterns scored with ``weights``; ValueError when two levels share a weight."""
    rows, counts = [], []
    for pattern, count in patterns:
        row = [_level_index(weights[n], float(pattern.get(n, 0.0))) for n in names]
        if None in row:
            raise ValueError("two levels of one comparison share a weight")
        rows.append(row)
        counts.append(count)
    return (
        np.array(rows, dtype=np.int64).reshape(len(rows), len(names)),
        np.array(counts, dtype=np.float64),
    )


def estimate_prior(
    params: ModelParams,
    observed: Mapping[str, list[float | None]],
    patterns: Sequence[tuple[Mapping[str, float], int]],
    scored_with: ModelParams,
    n_pairs: float,
    model_prior: float,
    names_only_data: bool,
) -> PriorEstimate:
    """The prior of the data set whose candidate pairs fall into ``patterns``: (per comparison
    the pair's match weight under ``scored_with``, number of pairs). ``n_pairs`` is the number
    of all profile pairs, ``observed`` the data's random-pair level rates (u is re-estimated with
    the new prior). The model's prior where the patterns cannot be read."""
    names = list(params.comparisons)
    try:
        levels, counts_arr = pattern_levels(patterns, level_weights(scored_with), names)
    except ValueError:
        log.info("prior: two levels of one comparison share a weight; the model's stands")
        return PriorEstimate(model_prior, scored_with, "model (levels not distinguishable)")
    if not len(levels) or n_pairs < 1:
        return PriorEstimate(model_prior, scored_with, "model (no candidate pairs)")
    low = model_prior / MAX_FACTOR
    if names_only_data:
        prior = _decisive_name_prior(params, names, levels, counts_arr, n_pairs)
        if prior is None:
            return PriorEstimate(model_prior, scored_with, "model (no decisive name pairs)")
        prior = probability(logit2(prior) + params.names_only_offset_bits)  # odds x 2^offset
        prior = min(max(prior, low), min(model_prior * MAX_FACTOR, 0.5))
        method = "decisive name pairs (names only)"
    else:
        prior = _em_prior(params, observed, names, levels, counts_arr, n_pairs, model_prior)
        method = "EM on candidate pairs (at most the model's)"
    log.info("prior: %.3g by %s (model %.3g)", prior, method, model_prior)
    return PriorEstimate(prior, u_from_observed(params, observed, prior), method)


def _em_prior(
    params: ModelParams,
    observed: Mapping[str, list[float | None]],
    names: list[str],
    levels: np.ndarray,
    counts: np.ndarray,
    n_pairs: float,
    model_prior: float,
) -> float:
    """EM over the candidate-pair patterns for the prior alone, in [model / MAX_FACTOR, model]."""
    prior = model_prior
    others = max(n_pairs - counts.sum(), 0.0)
    for _ in range(EM_MAX_ITERATIONS):
        fitted = u_from_observed(params, observed, prior)
        weights = level_weights(fitted)
        bits = np.zeros(len(levels))
        for j, name in enumerate(names):
            bits += np.array([*weights[name], 0.0])[levels[:, j]]  # index -1: the null level
        posterior = 1.0 / (1.0 + np.exp2(-(bits + logit2(prior))))
        else_bits = weights["name"][-1] if "name" in weights else 0.0
        posterior_others = 1.0 / (1.0 + 2.0 ** -(else_bits + logit2(prior)))
        new = (float(posterior @ counts) + others * posterior_others) / n_pairs
        new = min(max(new, model_prior / MAX_FACTOR), model_prior)
        if abs(math.log(new / prior)) < EM_TOLERANCE:
            return new
        prior = new
    return prior


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
        k for k, lv in enumerate(name_levels) if level_weight(lv["m"], lv["u"]) >= DECISIVE_BITS
    ]
    share = sum(name_levels[k]["m"] for k in decisive)
    found = float(counts[np.isin(levels[:, names.index("name")], decisive)].sum())
    if not decisive or share <= 0 or found <= 0:
        return None
    return found / (n_pairs * share)


def names_only_offset(
    weights: Sequence[np.ndarray], matches: Sequence[np.ndarray], limit: float = 8.0
) -> float:
    """The bits to add to the match weights of scored pairs so their probabilities fit their
    labels (one logistic-regression intercept, slope fixed at one), each source (one array of
    weights and one of 0/1 labels) weighing the same. The weights are scored pairs: selecting
    pairs on their weight leaves P(match | weight) unbiased."""

    def excess(bits: float) -> float:  # d log-likelihood / d bits, up to a factor; decreasing
        total = 0.0
        for w, y in zip(weights, matches, strict=True):
            if len(w):
                p = 1.0 / (1.0 + np.exp2(-(np.asarray(w, dtype=np.float64) + bits)))
                total += float(np.mean(np.asarray(y, dtype=np.float64) - p))
        return total

    low, high = -limit, limit
    if excess(low) <= 0.0:
        return low
    if excess(high) >= 0.0:
        return high
    for _ in range(60):
        mid = (low + high) / 2.0
        low, high = (mid, high) if excess(mid) > 0.0 else (low, mid)
    return round((low + high) / 2.0, 4)
