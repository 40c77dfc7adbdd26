"""A pair's evidence in the model's own terms: the level each comparison reached (its id and
text), its weight, and the waterfall from the prior to the match probability.

Screening keeps each pair's levels, so its waterfalls are exact. A dedupe keeps splink's
per-comparison weights (``pairs.parquet``), so there the level is read back from the weight,
with the levels of the model the pair was scored with: the model in use (``model_in_use``: u
adapted to the data, id-like m re-measured on its pairs), which the dedupe writes to its
output folder as ``model.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from resolver.model.params import ModelParams
from resolver.model.scoring import (
    ScoredComparison,
    ScoredLevel,
    logit2,
    probability,
    scored_comparisons,
)

MODEL_FILE = "model.json"  # the model in use, in a dedupe output folder
WEIGHT_TOLERANCE = 1e-6  # bits: splink's SQL log2 against Python's, per level


def model_in_use(params: ModelParams, remeasured: Mapping[str, Mapping[str, Any]]) -> ModelParams:
    """``params`` with each re-measured comparison's m set so its levels carry the weights its
    pairs were scored with (``remeasure_m_on_pairs``'s ``level_weights``)."""
    comparisons = dict(params.comparisons)
    for name, info in remeasured.items():
        comparisons[name] = [
            {**level, "m": level["u"] * 2.0**weight}
            for level, weight in zip(params.comparisons[name], info["level_weights"], strict=True)
        ]
    return replace(params, comparisons=comparisons, metadata={**params.metadata, "in_use": True})


def comparisons_of(params: ModelParams) -> tuple[ScoredComparison, ...]:
    """The model's comparisons with each level's weight."""
    return scored_comparisons(params.comparisons)


def level_of_weight(comparison: ScoredComparison, weight: float) -> ScoredLevel:
    """The level a splink ``mw_`` weight came from (dedupe's pairs keep no levels). Levels of
    equal weight cannot be told apart: the first in evaluation order is taken (null first)."""
    for level in comparison.levels:
        if abs(level.weight - weight) <= WEIGHT_TOLERANCE * max(1.0, abs(weight)):
            return level
    raise ValueError(f"{comparison.name}: weight {weight} is no level's of the model")


def gammas_from_weights(
    comparisons: Sequence[ScoredComparison], weights: Mapping[str, float]
) -> dict[str, int]:
    """The level (gamma) each comparison reached, from its weight in a scored dedupe pair."""
    return {
        c.name: level_of_weight(c, float(weights[c.name])).gamma
        for c in comparisons
        if c.name in weights
    }


def describe(
    comparisons: Sequence[ScoredComparison],
    gammas: Mapping[str, int],
    weights: Mapping[str, float],
) -> str:
    """The evidence in words, as screening's explanation column writes it."""
    from resolver.screening.explain import explain

    return explain(comparisons, gammas, weights)


@dataclass(frozen=True)
class Step:
    """One row of a waterfall: a comparison's level, its weight and where the score stands."""

    comparison: str
    level: str  # the level's text ("before any evidence" for the prior)
    weight: float
    total: float  # match weight after this step (bits)
    level_id: str | None = None  # the level's stable id (None for the prior)

    @property
    def probability(self) -> float:
        """The match probability after this step."""
        return probability(self.total)


def waterfall(
    comparisons: Sequence[ScoredComparison],
    gammas: Mapping[str, int],
    weights: Mapping[str, float],
    prior: float,
) -> list[Step]:
    """The prior, then each comparison's level and weight in the model's order, with the
    running match weight (a missing field is a level too, weighing 0). ``gammas`` and
    ``weights`` are keyed by comparison name; a comparison in neither is left out."""
    total = logit2(prior)
    steps = [Step("prior", "before any evidence", total, total)]
    for comp in comparisons:
        if comp.name not in gammas:
            continue
        level = comp.at(int(gammas[comp.name])).level
        weight = float(weights[comp.name])
        weight = 0.0 if math.isnan(weight) else weight
        total += weight
        steps.append(Step(comp.name, level.text, weight, total, level.id))
    return steps
