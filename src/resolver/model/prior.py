"""The match prior of a name-only data set, estimated from the data being matched.

How many duplicates a data set holds depends on where it comes from: a customs extract repeats
each trader a few times, an alias list or a patent assignee list names each party many ways.
When a data set has evidence besides names, the model's prior (its expected matches per
profile) stands: EM on the data's candidate pairs put it 3.6 times higher on 1M generated rows
and chained thousands of companies of one city (same city, legal form and a shared generic
word are correlated among non-matches, which EM reads as matches; docs/DECISIONS.md).

Names alone cannot separate a dense alias list from a list of same-named strangers by EM (u and
the prior are not separately identifiable from one comparison). The prior is then the number
of candidate pairs at decisive name levels (m/u of at least ``DECISIVE_BITS``) over the share of
matches the model puts at those levels, kept within ``MAX_FACTOR`` of the model's prior.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resolver.model.adapt import u_from_observed
from resolver.model.params import ModelParams
from resolver.model.scoring import level_weight

log = logging.getLogger(__name__)

DECISIVE_BITS = 8.0
MAX_FACTOR = 30.0
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


def estimate_prior(
    params: ModelParams,
    observed: Mapping[str, list[float | None]],
    patterns: Sequence[tuple[Mapping[str, float], int]],
    scored_with: ModelParams,
    n_pairs: float,
    model_prior: float,
) -> PriorEstimate:
    """The prior of a name-only data set whose candidate pairs fall into ``patterns``: (per
    comparison the pair's match weight under ``scored_with``, number of pairs); ``n_pairs``
    is the number of all profile pairs, ``observed`` the data's random-pair level rates (u is
    re-estimated with the new prior). The model's prior when nothing decisive is found."""
    name_levels = params.comparisons.get("name")
    fallback = PriorEstimate(model_prior, scored_with, "model (no decisive name pairs)")
    if not name_levels or n_pairs < 1:
        return fallback
    decisive = [
        k for k, lv in enumerate(name_levels) if level_weight(lv["m"], lv["u"]) >= DECISIVE_BITS
    ]
    share = sum(name_levels[k]["m"] for k in decisive)
    weights = level_weights(scored_with)["name"]
    found = 0
    for pattern, count in patterns:
        index = _level_index(weights, float(pattern.get("name", 0.0)))
        if index is None:
            log.info("prior: two name levels share a weight; the model's prior stands")
            return PriorEstimate(model_prior, scored_with, "model (levels not distinguishable)")
        if index in decisive:
            found += count
    if not decisive or share <= 0 or found == 0:
        return fallback
    prior = found / (n_pairs * share)
    prior = min(max(prior, model_prior / MAX_FACTOR), min(model_prior * MAX_FACTOR, 0.5))
    log.info("prior: %.3g from %d decisive name pairs (model %.3g)", prior, found, model_prior)
    return PriorEstimate(
        prior, u_from_observed(params, observed, prior), "decisive name pairs (names only)"
    )
