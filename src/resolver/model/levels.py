"""Custom splink comparison levels that emit their SQL per dialect (DuckDB and Spark).

Splink has no IDF-weighted token overlap nor array Jaccard level; these classes add them.
They are ``ComparisonLevelCreator`` subclasses, so a saved resolver model stores only
parameters and the SQL is regenerated for whichever backend runs it.
"""

from __future__ import annotations

from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect


def _dialect(sql_dialect: SplinkDialect) -> str:
    name = sql_dialect.sql_dialect_str
    if name not in ("duckdb", "spark"):
        raise NotImplementedError(f"resolver levels support duckdb and spark, not {name}")
    return name


def weighted_overlap_sql(sql_dialect: SplinkDialect, weights: str) -> str:
    """SQL for the summed weight of the (key, weight) structs both sides share.

    A key has one weight per data set, so equal keys give equal structs; intersecting the
    struct lists keeps the lambda free of outer columns (which splink's column parser misses).
    """
    if _dialect(sql_dialect) == "duckdb":
        return (
            f"coalesce(list_sum(list_transform(list_intersect({weights}_l, {weights}_r), "
            "lambda x: x.w)), 0.0)"
        )
    return (
        f"aggregate(array_intersect({weights}_l, {weights}_r), "
        "CAST(0.0 AS DOUBLE), (acc, x) -> acc + x.w)"
    )


class WeightedDiceLevel(ComparisonLevelCreator):
    """Names share rare words: 2 * weight(shared keys) / (weight(left) + weight(right)) >= threshold.

    Weights are IDF-like per data set (see ``features``), so common words such as
    "trading" or "group" contribute little and rare ones carry the evidence.
    """

    def __init__(
        self,
        threshold: float,
        weights: str = "name_kw",
        total: str = "name_w_total",
        label: str = "rare-word overlap",
    ):
        self.threshold = float(threshold)
        self.weights, self.total, self.label = weights, total, label

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        overlap = weighted_overlap_sql(sql_dialect, self.weights)
        denominator = f"({self.total}_l + {self.total}_r)"
        return f"({denominator} > 0 AND 2.0 * {overlap} / {denominator} >= {self.threshold})"

    def create_label_for_charts(self) -> str:
        return f"{self.label} >= {self.threshold:g}"


class SqlLevel(ComparisonLevelCreator):
    """A level whose condition is portable SQL (=, IS NULL, AND/OR, SUBSTRING) valid in every dialect."""

    def __init__(self, sql: str, label: str, is_null_level: bool = False):
        self.sql = sql
        self.label = label
        if is_null_level:
            self.is_null_level = True

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        _dialect(sql_dialect)
        return self.sql

    def create_label_for_charts(self) -> str:
        return self.label


def fuzzy_overlap_sql(sql_dialect: SplinkDialect, weights: str, this: str, other: str) -> str:
    """Summed weight of ``this`` side's keys that equal, or are one edit from, a key on the other.

    Keys of three or more symbols may differ by one edit (Chevron ~ Chevon, Glencore ~ Glenmore,
    a typo in a rare word); shorter keys must be equal.
    """
    near = "x.k = y.k OR (length(x.k) >= 3 AND length(y.k) >= 3 AND levenshtein(x.k, y.k) <= 1)"
    mine, theirs = f"{weights}_{this}", f"{weights}_{other}"
    if _dialect(sql_dialect) == "duckdb":
        return (
            f"coalesce(list_sum(list_transform(list_filter({mine}, lambda x: "
            f"len(list_filter({theirs}, lambda y: {near})) > 0), lambda x: x.w)), 0.0)"
        )
    return (
        f"aggregate(filter({mine}, x -> exists({theirs}, y -> {near})), "
        "CAST(0.0 AS DOUBLE), (acc, x) -> acc + x.w)"
    )


class FuzzyDiceLevel(ComparisonLevelCreator):
    """Rare-word overlap where a word also counts as shared when its key is one edit away.

    (near-overlap left + near-overlap right) / (weight left + weight right) >= threshold.
    """

    def __init__(
        self,
        threshold: float,
        weights: str = "name_kw",
        total: str = "name_w_total",
        label: str = "rare-word overlap allowing one-letter differences",
    ):
        self.threshold = float(threshold)
        self.weights, self.total, self.label = weights, total, label

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        left = fuzzy_overlap_sql(sql_dialect, self.weights, "l", "r")
        right = fuzzy_overlap_sql(sql_dialect, self.weights, "r", "l")
        denominator = f"({self.total}_l + {self.total}_r)"
        return (
            f"({denominator} > 0 AND {self.weights}_l IS NOT NULL AND {self.weights}_r IS NOT NULL "
            f"AND ({left} + {right}) / {denominator} >= {self.threshold})"
        )

    def create_label_for_charts(self) -> str:
        return f"{self.label} >= {self.threshold:g}"
