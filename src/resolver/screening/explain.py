"""Readable evidence: each comparison's level text and the weight it added to the score."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from resolver.model.scoring import ScoredComparison

MIN_SHOWN_WEIGHT = 0.05  # contributions that round to +/-0.0 are left out of explanations


def contributions(
    comparisons: Sequence[ScoredComparison],
    gammas: Mapping[str, int],
    weights: Mapping[str, float],
) -> list[tuple[str, float]]:
    """(description, weight) per comparison, skipping null levels and ~zero weights."""
    out = []
    for comp in comparisons:
        gamma, weight = gammas.get(comp.name), weights.get(comp.name)
        if gamma is None or weight is None:
            continue
        level = comp.at(int(gamma)).level
        weight = float(weight)
        if level.is_null or math.isnan(weight) or abs(weight) < MIN_SHOWN_WEIGHT:
            continue
        out.append((comp.spec.label(level), weight))
    return out


def explain(
    comparisons: Sequence[ScoredComparison],
    gammas: Mapping[str, int],
    weights: Mapping[str, float],
) -> str:
    """E.g. ``name: same words (any romanization, any order) +9.1; country: differs -2.3``."""
    return "; ".join(f"{text} {w:+.1f}" for text, w in contributions(comparisons, gammas, weights))
