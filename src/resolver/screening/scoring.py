"""Scores of (record, list name) pairs, shared by batch and real-time screening: the level of
each comparison (the model's SQL for a batch, its Python twin for one record), the weights with
the screening rule for fields the record lacks, and the best list name per listed party.

A field the record lacks is a property of the record, the same against every listed party, so
the level reached because the record has no value (the legal form's "one missing") scores 0.
The level keeps the model's weight when the list name is the side without (a short alias with
no legal form, "Yuen Tung", matches many longer names by chance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from resolver.engine import registered
from resolver.model.scoring import ScoredComparison, gamma_sql, pair_columns_sql, total_weights
from resolver.model.spec import ComparisonSpec
from resolver.screening.index import FEATURE_COLUMNS


def absent_columns(comparisons: Sequence[ScoredComparison]) -> list[str]:
    """Feature columns whose absence on one side reaches a level of these comparisons."""
    return sorted(
        {lv.level.absent_on_one_side for c in comparisons for lv in c.levels} - {None}  # type: ignore[arg-type]
    )


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


def pair_scores(
    comparisons: Sequence[ScoredComparison],
    prior: float,
    gammas: Mapping[str, np.ndarray],
    record_lacks: Mapping[str, np.ndarray],
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
    total, probability = total_weights(prior, [weights[c.name] for c in comparisons])
    return PairScores(dict(gammas), weights, total, probability)


def best_per_party(
    record: np.ndarray, list_row: np.ndarray, match_weight: np.ndarray, lists: pa.Table
) -> np.ndarray:
    """Indices of the best pair per (record, listed party), ordered by (record, list_id): the
    highest weight (to 6 decimals: sums in other orders must not pick another alias), then the
    smallest list name, then the first list row."""
    if len(record) == 0:
        return np.zeros(0, dtype=np.int64)
    list_id = np.array(lists.column("list_id").to_pylist(), dtype=object)[list_row]
    name = np.array(lists.column("name").to_pylist(), dtype=object)[list_row]
    _, party = np.unique(list_id.astype(str), return_inverse=True)
    _, name_rank = np.unique(name.astype(str), return_inverse=True)
    order = np.lexsort((list_row, name_rank, -np.round(match_weight, 6), party, record))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (record[order][1:] != record[order][:-1]) | (party[order][1:] != party[order][:-1])
    return order[first]
