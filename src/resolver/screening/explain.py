"""Readable evidence from the model's own per-comparison match weights.

``model_comparisons`` turns a trained model into the splink comparisons it runs (levels in
evaluation order, with gamma values, labels, log2(m/u) weights and term-frequency settings),
so the batch path can label splink's ``gamma_*``/``mw_*`` columns and the real-time path can
score with exactly the same numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from splink.internals.comparison_level_creator import ComparisonLevelCreator

from resolver.errors import ModelError
from resolver.model.params import ModelParams
from resolver.model.spec import comparison, level_label

MIN_SHOWN_WEIGHT = 0.05  # contributions that round to +/-0.0 are left out of explanations


@dataclass(frozen=True)
class LevelInfo:
    """One comparison level: its gamma value, label, match weight and term-frequency settings."""

    gamma: int
    label: str
    weight: float  # log2(m/u); 0 for the null level
    is_null: bool
    creator: ComparisonLevelCreator
    tf_column: str | None = None
    tf_u_exact: float | None = None  # u of the exact-match level the TF adjustment is relative to
    tf_weight: float = 1.0
    tf_min_u: float = 0.0

    def tf_adjustment(self, tf_l: float | None, tf_r: float | None) -> float:
        """Splink's TF adjustment: weight * (log2(u_exact) - log2(max(tf_l, tf_r, min_u)))."""
        if self.tf_column is None or self.tf_u_exact is None or (tf_l is None and tf_r is None):
            return 0.0
        tf = max(v for v in (tf_l, tf_r, self.tf_min_u) if v is not None)
        return self.tf_weight * (math.log2(self.tf_u_exact) - math.log2(tf))


@dataclass(frozen=True)
class ComparisonInfo:
    """One comparison of the model with its levels in the order splink evaluates them."""

    name: str
    levels: tuple[LevelInfo, ...]

    def level(self, gamma: int) -> LevelInfo:
        """The level with this gamma value."""
        for level in self.levels:
            if level.gamma == gamma:
                return level
        raise KeyError(f"{self.name}: no level with gamma {gamma}")

    def gamma_for_weight(self, weight: float) -> int:
        """The level a splink ``mw_`` value came from (predict keeps no gamma columns).

        Splink writes each level's weight as the same float literal, so the match is exact;
        levels with equal weights are indistinguishable and the first is taken (null first).
        """
        best = min(self.levels, key=lambda lv: abs(lv.weight - weight))
        if abs(best.weight - weight) > 1e-6 * max(1.0, abs(weight)):
            raise ValueError(f"{self.name}: weight {weight} matches no level of the model")
        return best.gamma

    @property
    def tf_column(self) -> str | None:
        """The column whose term frequencies adjust this comparison, if any."""
        return next((lv.tf_column for lv in self.levels if lv.tf_column), None)


def model_comparisons(params: ModelParams, dialect: str = "duckdb") -> tuple[ComparisonInfo, ...]:
    """The model's comparisons as splink builds them (same gamma values and weights as predict)."""
    out = []
    for name, saved in params.comparisons.items():
        try:
            spec = comparison(name)
        except KeyError:
            raise ModelError(f"model has unknown comparison '{name}'; retrain it") from None
        creators = spec.levels()
        built = spec.creator(saved).get_comparison(dialect)
        splink_levels = built.comparison_levels
        levels = []
        for creator, level in zip(creators, splink_levels, strict=True):
            weight = level._match_weight  # log2(m/u), clamped as splink does
            if weight is None:
                raise ModelError(
                    f"model comparison '{name}': level '{level_label(creator)}' has no m/u"
                )
            tf_col = level._tf_adjustment_input_column_name if level._has_tf_adjustments else None
            levels.append(
                LevelInfo(
                    gamma=int(level.comparison_vector_value),
                    label=level_label(creator),
                    weight=float(weight),
                    is_null=bool(level.is_null_level),
                    creator=creator,
                    tf_column=tf_col,
                    tf_u_exact=(
                        level._u_probability_corresponding_to_exact_match(splink_levels)
                        if tf_col
                        else None
                    ),
                    tf_weight=float(level._tf_adjustment_weight or 0.0),
                    tf_min_u=float(level._tf_minimum_u_value or 0.0),
                )
            )
        out.append(ComparisonInfo(name, tuple(levels)))
    return tuple(out)


_JW = re.compile(r"^Jaro-Winkler distance of .* >= (?P<t>[0-9.]+)$")
_JACCARD = re.compile(r"^\S+ token Jaccard >= (?P<t>[0-9.]+)$")


def readable(comparison_name: str, label: str) -> str:
    """A short analyst-facing description of a level, prefixed with the evidence it is about."""
    what = comparison_name.replace("_", " ")
    if ":" in label:  # "legal_class: one missing" -> "legal form: one missing"
        return f"{what}: {label.split(':', 1)[1].strip()}"
    if label.startswith("Exact match on"):
        return f"{what}: exact"
    if label == "All other comparisons":
        return f"{what}: differs"
    if label.endswith("is NULL"):
        return f"{what}: missing"
    if m := _JW.match(label):
        return f"{what}: similar (Jaro-Winkler >= {m['t']})"
    if m := _JACCARD.match(label):
        return f"{what}: shared words (Jaccard >= {m['t']})"
    return f"{what}: {label}"


def contributions(
    comparisons: tuple[ComparisonInfo, ...],
    gammas: Mapping[str, int],
    weights: Mapping[str, float],
) -> list[tuple[str, float]]:
    """(description, weight) per comparison, skipping null levels and ~zero weights."""
    out = []
    for info in comparisons:
        gamma = gammas.get(info.name)
        weight = weights.get(info.name)
        if gamma is None or weight is None or gamma == -1:
            continue
        weight = float(weight)
        if math.isnan(weight) or abs(weight) < MIN_SHOWN_WEIGHT:
            continue
        out.append((readable(info.name, info.level(int(gamma)).label), weight))
    return out


def explain(
    comparisons: tuple[ComparisonInfo, ...],
    gammas: Mapping[str, int],
    weights: Mapping[str, float],
) -> str:
    """E.g. ``name: same words (any romanization, any order) +9.1; country: differs -2.3``."""
    return "; ".join(f"{text} {w:+.1f}" for text, w in contributions(comparisons, gammas, weights))
