"""A pair's evidence in the model's own terms: the level each comparison reached, its weight,
and the waterfall from the prior to the match probability.

The level of a comparison is read back from its weight (splink's predict keeps the weights,
not the levels), with the comparisons of the model the pair was scored with: for a dedupe,
the model in use (``model_in_use``: u adapted to the data, id-like m re-measured on its pairs),
which the dedupe writes to its output folder as ``model.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from resolver.model.adapt import logit2
from resolver.model.params import ModelParams

MODEL_FILE = "model.json"  # the model in use, in a dedupe output folder


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


def comparisons_of(params: ModelParams) -> tuple:
    """The model's comparisons with each level's gamma, label and weight."""
    from resolver.screening.explain import model_comparisons  # screening imports dedupe

    return model_comparisons(params)


def gammas_from_weights(comparisons: Sequence, weights: Mapping[str, float]) -> dict[str, int]:
    """The level (gamma) each comparison reached, from its weight in a scored pair."""
    return {
        c.name: c.gamma_for_weight(float(weights[c.name])) for c in comparisons if c.name in weights
    }


def describe(comparisons: Sequence, gammas: Mapping[str, int], weights: Mapping[str, float]) -> str:
    """The evidence in words, as screening's explanation column writes it."""
    from resolver.screening.explain import explain

    return explain(tuple(comparisons), gammas, weights)


@dataclass(frozen=True)
class Step:
    """One row of a waterfall: a piece of evidence, its weight and where the score stands."""

    comparison: str
    level: str
    weight: float
    total: float  # match weight after this step (bits)

    @property
    def probability(self) -> float:
        """The match probability after this step."""
        return probability(self.total)


def probability(weight: float) -> float:
    """Match probability of a match weight in bits."""
    if weight >= 0:
        return 1.0 / (1.0 + 2.0**-weight)
    odds = 2.0**weight
    return odds / (1.0 + odds)


def waterfall(
    comparisons: Sequence,
    gammas: Mapping[str, int],
    weights: Mapping[str, float],
    prior: float,
) -> list[Step]:
    """The prior, then each comparison's level and weight in the model's order, with the
    running match weight (a missing field is a level too, weighing 0). ``gammas`` and
    ``weights`` are keyed by comparison name."""
    from resolver.screening.explain import readable

    total = logit2(prior)
    steps = [Step("prior", "before any evidence", total, total)]
    for comp in comparisons:
        if comp.name not in gammas and comp.name not in weights:
            continue
        weight = float(weights.get(comp.name, 0.0))
        weight = 0.0 if math.isnan(weight) else weight
        total += weight
        if comp.name in gammas:
            label = comp.level(int(gammas[comp.name])).label
            text = readable(comp.name, label).split(": ", 1)[-1]  # without the comparison
        else:
            text = "(a weight of no single level)"
        steps.append(Step(comp.name, text, weight, total))
    return steps
