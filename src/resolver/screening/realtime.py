"""Real-time screening of one record: the batch path for a single record, with the levels'
Python form instead of their SQL (DuckDB takes ~15 ms to bind the name comparison's SQL)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from resolver.features import record_features
from resolver.io.schema import CANONICAL_COLUMNS
from resolver.model.levels import python_features
from resolver.model.scoring import ScoredComparison
from resolver.screening.index import Members, expand_pairs
from resolver.screening.scoring import Levels, absent_columns, best_per_party, score_pairs

if TYPE_CHECKING:
    from resolver.screening.screener import Screener


@dataclass(frozen=True)
class Match:
    """One listed party a record may be: the best-matching list name and its evidence."""

    list_id: str
    list_source: str
    list_name: str
    matched_name: str
    score: float
    match: bool
    explanation: str
    weights: dict[str, float] = field(default_factory=dict)


def _text(value: Any) -> str | None:
    """A field as text; None and NaN (pandas' missing value) are missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def query_features(record: Mapping[str, Any]) -> dict[str, Any]:
    """One record's features, computed by ``features.record_features`` as for a batch row."""
    table = pa.table(
        {c: pa.array([_text(record.get(c))], pa.string()) for c in CANONICAL_COLUMNS[1:]}
    )
    table = table.add_column(0, "id", pa.array(["q0"], pa.string()))
    return record_features(table).to_pylist()[0]


def screen_one(screener: Screener, record: Mapping[str, Any], floor: float) -> list[Match]:
    """See ``Screener.screen_one``."""
    index = screener.index
    weighed = index.words.weigh(query_features(record))
    pids = index.postings.lookup(index.postings.keys_of(weighed))
    if not pids:
        return []
    query = python_features(weighed)
    profiles = index.python_profiles()
    candidates = [profiles[p] for p in pids]

    def evaluate(comps: Sequence[ScoredComparison], rows: np.ndarray | None) -> Levels:
        pairs = candidates if rows is None else [candidates[k] for k in rows.tolist()]
        gammas = {
            c.name: np.array([c.first_holding(query, row).gamma for row in pairs], np.int64)
            for c in comps
        }
        lacks = {}
        if rows is None:
            lacks = {
                col: np.array([query[col] is None and row[col] is not None for row in pairs])
                for col in absent_columns(screener.comparisons)
            }
        return gammas, lacks

    kept, scores = score_pairs(screener.comparisons, screener.prior, floor, len(pids), evaluate)
    one = np.zeros(len(kept), np.int64)  # the record is profile 0 of its one row
    pair_ix, record_row, rows = expand_pairs(
        one, np.asarray(pids, np.int64)[kept], Members.of(np.zeros(1, np.int64)), index.members()
    )
    best = best_per_party(record_row, rows, scores.match_weight[pair_ix], index.ranks())
    lists = index.lists
    out = []
    for b in best.tolist():
        k, row = int(pair_ix[b]), int(rows[b])
        score, match, explanation, weights = scores.reported(
            k, screener.comparisons, screener.threshold
        )
        out.append(
            Match(
                list_id=lists.column("list_id")[row].as_py(),
                list_source=lists.column("list_source")[row].as_py(),
                list_name=lists.column("list_name")[row].as_py(),
                matched_name=lists.column("name")[row].as_py(),
                score=score,
                match=match,
                explanation=explanation,
                weights={c: round(w, 4) for c, w in weights.items()},
            )
        )
    out.sort(key=lambda m: (-m.score, m.list_id))
    return out
