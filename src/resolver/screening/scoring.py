"""Scores of (record, list name) pairs, shared by batch and real-time screening: the level of
each comparison (the model's SQL for a batch, its Python twin for one record), the weights with
the screening rule for fields the record lacks, and the best list name per listed party.

A field the record lacks is a property of the record, the same against every listed party, so
the level reached because the record has no value (the legal form's "one missing") scores 0.
The level keeps the model's weight when the list name is the side without (a short alias with
no legal form, "Yuen Tung", matches many longer names by chance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from resolver.engine import registered
from resolver.model.scoring import (
    ScoredComparison,
    gamma_sql,
    logit2,
    pair_columns_sql,
    total_weights,
)
from resolver.model.spec import ComparisonSpec
from resolver.screening.explain import explain
from resolver.screening.index import FEATURE_COLUMNS, ListRanks


def absent_columns(comparisons: Sequence[ScoredComparison]) -> list[str]:
    """Feature columns whose absence on one side reaches a level of these comparisons."""
    columns = {lv.level.absent_on_one_side for c in comparisons for lv in c.levels}
    return sorted(c for c in columns if c is not None)


def pair_gammas(
    con: duckdb.DuckDBPyConnection,
    left: pa.Table,
    right: pa.Table,
    pairs: pa.Table,
    specs: Sequence[ComparisonSpec],
    lacking: Sequence[str] = (),
) -> pa.Table:
    """Per pair (``a`` a ``pid`` of ``left``, ``b`` of ``right``, in order): ``gamma_<name>`` of
    each comparison, computed with the levels' SQL, and ``lacks_<col>`` (the left side lacks
    the column, the right has it) for each column of ``lacking``."""
    selects = [f"{gamma_sql(spec)} AS gamma_{spec.name}" for spec in specs]
    selects += [f'("{c}_l" IS NULL AND "{c}_r" IS NOT NULL) AS lacks_{c}' for c in lacking]
    numbered = pairs.select(["a", "b"]).append_column(
        "k", pa.array(np.arange(pairs.num_rows, dtype=np.int64))
    )
    with registered(con, {"_sg_left": left, "_sg_right": right, "_sg_pairs": numbered}):
        return con.sql(
            f"""
            SELECT {", ".join(selects)}
            FROM (SELECT p.k, {pair_columns_sql(FEATURE_COLUMNS)}
                  FROM _sg_pairs p JOIN _sg_left l ON l.pid = p.a JOIN _sg_right r ON r.pid = p.b)
            ORDER BY k
            """
        ).to_arrow_table()


@dataclass
class PairScores:
    """Per pair: the level and weight of each comparison, the total weight and probability."""

    gammas: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]
    match_weight: np.ndarray
    probability: np.ndarray

    def reported(
        self, k: int, comparisons: Sequence[ScoredComparison], threshold: float
    ) -> tuple[float, bool, str, dict[str, float]]:
        """Pair ``k`` as outputs report it: score (4 decimals), match, explanation, weights."""
        score = round(float(self.probability[k]), 4)
        weights = {c: float(w[k]) for c, w in self.weights.items()}
        gammas = {c: int(g[k]) for c, g in self.gammas.items()}
        return score, score >= threshold, explain(comparisons, gammas, weights), weights

    def take(self, rows: np.ndarray) -> PairScores:
        return PairScores(
            {k: v[rows] for k, v in self.gammas.items()},
            {k: v[rows] for k, v in self.weights.items()},
            self.match_weight[rows],
            self.probability[rows],
        )

    @classmethod
    def concat(cls, parts: Sequence[PairScores]) -> PairScores:
        """The pairs of ``parts`` one after another."""
        return cls(
            {k: np.concatenate([p.gammas[k] for p in parts]) for k in parts[0].gammas},
            {k: np.concatenate([p.weights[k] for p in parts]) for k in parts[0].weights},
            np.concatenate([p.match_weight for p in parts]),
            np.concatenate([p.probability for p in parts]),
        )


def pair_scores(
    comparisons: Sequence[ScoredComparison],
    prior: float,
    gammas: Mapping[str, np.ndarray],
    record_lacks: Mapping[str, np.ndarray],
    n: int,
    with_probability: bool = True,
) -> PairScores:
    """Weights of pairs at the given levels; ``record_lacks[col]``: the record lacks ``col``
    and the list name has it (such a level then scores 0, see the module docstring)."""
    weights = {}
    for comp in comparisons:
        gamma = np.asarray(gammas[comp.name], dtype=np.int64)
        weight = comp.weights(gamma)
        for lv in comp.levels:
            if lv.level.absent_on_one_side is not None:
                zero = (gamma == lv.gamma) & record_lacks[lv.level.absent_on_one_side]
                weight = np.where(zero, 0.0, weight)
        weights[comp.name] = weight
    total, probability = total_weights(
        prior, [weights[c.name] for c in comparisons], n, with_probability
    )
    return PairScores(dict(gammas), weights, total, probability)


# Evaluated last, and only for the pairs its best level could still lift to the floor: the name
# comparison costs more than all others together (fuzzy word overlaps), and two thirds of the
# candidates of a batch against OFAC + UN cannot reach the floor whatever their names.
DEFERRED = ("name",)
_BOUND_SLACK = 1e-9  # bits: the bound is summed in another order than the score

Levels = tuple[dict[str, np.ndarray], dict[str, np.ndarray]]  # gammas, record lacks


def score_pairs(
    comparisons: Sequence[ScoredComparison],
    prior: float,
    floor: float,
    n_pairs: int,
    evaluate: Callable[[Sequence[ScoredComparison], np.ndarray | None], Levels],
) -> tuple[np.ndarray, PairScores]:
    """(indices, scores) of the candidate pairs scoring at least ``floor``.

    ``evaluate(comparisons, rows)`` gives the levels of those comparisons for the pairs ``rows``
    (all ``n_pairs`` pairs for None) and, for all pairs, ``record_lacks`` (see ``pair_scores``).
    """
    first = [c for c in comparisons if c.name not in DEFERRED]
    deferred = [c for c in comparisons if c.name in DEFERRED]
    gammas, lacks = evaluate(first, None)
    partial = pair_scores(first, prior, gammas, lacks, n_pairs, with_probability=False)
    best_rest = sum(max(0.0, *(lv.weight for lv in c.levels)) for c in deferred)
    rows = np.flatnonzero(partial.match_weight + best_rest >= logit2(floor) - _BOUND_SLACK)
    later, _ = evaluate(deferred, rows)
    scores = pair_scores(
        comparisons,
        prior,
        {**{k: v[rows] for k, v in gammas.items()}, **later},
        {k: v[rows] for k, v in lacks.items()},
        len(rows),
    )
    kept = np.flatnonzero(scores.probability >= floor)
    return rows[kept], scores.take(kept)


def best_per_party(
    record: np.ndarray, list_row: np.ndarray, match_weight: np.ndarray, ranks: ListRanks
) -> np.ndarray:
    """Indices of the best pair per (record, listed party), ordered by (record, party): the
    highest weight (to 6 decimals: sums in other orders must not pick another alias), then the
    smallest list name, then the first list row."""
    if len(record) == 0:
        return np.zeros(0, dtype=np.int64)
    party, name = ranks.party[list_row], ranks.name[list_row]
    order = np.lexsort((list_row, name, -np.round(match_weight, 6), party, record))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (record[order][1:] != record[order][:-1]) | (party[order][1:] != party[order][:-1])
    return order[first]
