"""Fellegi-Sunter arithmetic shared by every scoring path: level weights, prior and probability
in bits, the SQL that puts pairs in levels, and the sum of a pair's weights.

The arithmetic follows splink's predict (same clamp, same order of the sum, same probability
formula), so resolver's own scores equal splink's to the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from resolver.errors import InputError
from resolver.model.levels import Level
from resolver.model.spec import ComparisonSpec, comparison

M_U_CLAMP_MIN = 1e-300  # splink's clamp of m and u before log2(m / u)


def level_weight(m: float, u: float) -> float:
    """A level's match weight in bits, log2(m / u), as splink computes it."""
    return math.log2(max(m, M_U_CLAMP_MIN) / max(u, M_U_CLAMP_MIN))


def logit2(p: float) -> float:
    """A probability as log-odds in bits (a match weight); finite for 0 and 1."""
    p = min(max(p, 1e-15), 1.0 - 1e-15)
    return math.log2(p / (1.0 - p))


def probability(weight: float) -> float:
    """Match probability of a total match weight, with splink's numerically stable formula."""
    if weight >= 0:
        return 1.0 / (1.0 + 2.0**-weight)
    odds = 2.0**weight
    return odds / (1.0 + odds)


def probabilities(weights: np.ndarray) -> np.ndarray:
    """``probability`` of each weight; C's pow like DuckDB's POWER (numpy's power differs from
    it in the last bit of one value in twenty)."""
    values = np.asarray(weights, dtype=np.float64).tolist()
    return np.fromiter(map(probability, values), dtype=np.float64, count=len(values))


def check_threshold(value: float | None, what: str = "threshold") -> float | None:
    """``value`` as a float strictly between 0 and 1 (None passes through)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not 0.0 < number < 1.0:
        raise InputError(f"{what} must be between 0 and 1 (exclusive), got {value}")
    return number


def gamma_sql(spec: ComparisonSpec, dialect: str = "duckdb") -> str:
    """The CASE giving each pair its level (splink's gamma value) for comparison ``spec``."""
    parts = [
        f"ELSE {g}" if level.is_else else f"WHEN {level.sql(dialect)} THEN {g}"
        for level, g in zip(spec.levels, spec.gammas, strict=True)
    ]
    return f"CASE {' '.join(parts)} END"


def pair_columns_sql(columns: Iterable[str], left: str = "l", right: str = "r") -> str:
    """Select list putting the two sides' feature columns side by side as ``<col>_l, <col>_r``."""
    return ", ".join(f'{left}."{c}" AS "{c}_l", {right}."{c}" AS "{c}_r"' for c in columns)


@dataclass(frozen=True)
class ScoredLevel:
    level: Level
    gamma: int
    weight: float  # log2(m / u); 0 for the null level


@dataclass(frozen=True)
class ScoredComparison:
    """A comparison with the weight of each of its levels under some model parameters."""

    spec: ComparisonSpec
    levels: tuple[ScoredLevel, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    def at(self, gamma: int) -> ScoredLevel:
        for level in self.levels:
            if level.gamma == gamma:
                return level
        raise KeyError(f"{self.name}: no level with gamma {gamma}")

    def first_holding(self, left: Mapping, right: Mapping) -> ScoredLevel:
        """The level a pair reaches, evaluated in Python (the SQL CASE's order)."""
        for level in self.levels:
            condition = level.level.condition
            if condition is None or condition.holds(left, right):
                return level
        raise AssertionError(f"{self.name}: no level holds (the last level must be the else level)")

    def weights(self, gammas: np.ndarray) -> np.ndarray:
        """The weight of each pair's level."""
        table = np.zeros(len(self.levels) + 1, dtype=np.float64)  # gammas run from -1
        for lv in self.levels:
            table[lv.gamma + 1] = lv.weight
        return table[np.asarray(gammas, dtype=np.int64) + 1]


def scored_comparisons(
    comparisons: Mapping[str, Sequence[Mapping]],
) -> tuple[ScoredComparison, ...]:
    """The model's comparisons (in the model's order) with each level's weight from saved m/u."""
    out = []
    for name, saved in comparisons.items():
        spec = comparison(name)
        by_id = {lv["id"]: lv for lv in saved}
        levels = []
        for level, gamma in zip(spec.levels, spec.gammas, strict=True):
            weight = 0.0
            if not level.is_null:
                weight = level_weight(by_id[level.id]["m"], by_id[level.id]["u"])
            levels.append(ScoredLevel(level, gamma, weight))
        out.append(ScoredComparison(spec, tuple(levels)))
    return tuple(out)


def total_weights(
    prior: float, weights: Sequence[np.ndarray], n: int, with_probability: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(match weight, match probability) of pairs: the prior's log-odds plus each comparison's
    weight, summed in the model's comparison order as splink does, for ``n`` pairs (probability
    left empty without ``with_probability``)."""
    total = np.full(n, logit2(prior), dtype=np.float64)
    for w in weights:
        total = total + w
    return total, probabilities(total) if with_probability else np.zeros(0)
