"""Evaluation metrics for clusterings, pair lists and scored pairs.

All clustering metrics take two assignments, ``predicted`` and ``truth``, each mapping a record
id to a cluster / entity id (a ``Mapping`` or a ``pd.Series`` indexed by record id). Ids are
compared as strings. Only ids present on both sides are scored; the number left out is reported
as ``n_missing`` (``n_only_predicted`` + ``n_only_truth``). A null cluster id means "not
clustered" and is treated as a singleton.

The clustering metrics work from the contingency table of (predicted cluster, true cluster)
counts, never enumerating record pairs, so they take seconds on millions of records.

Zero-division convention (the usual one, as in scikit-learn's default): a ratio whose
denominator is zero is 0.0. So precision is 0.0 when nothing is predicted, recall is 0.0 when
there is nothing to find, and F1 is 0.0 when precision + recall is 0. Note that with this
convention a perfect all-singleton prediction of all-singleton truth scores pairwise P = R = 0.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from resolver.errors import InputError

__all__ = [
    "bcubed_metrics",
    "check_coverage",
    "cluster_metrics",
    "link_metrics",
    "pairwise_metrics",
    "read_assignment",
    "threshold_metrics",
]

Assignment = Mapping[str, Any] | pd.Series


def _ratio(num: float, den: float) -> float:
    """Return num / den, or 0.0 when den is zero (the module's zero-division convention)."""
    return float(num) / float(den) if den else 0.0


def _f1(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall, 0.0 when both are zero."""
    return _ratio(2.0 * precision * recall, precision + recall)


def _prf(tp: int, n_predicted: int, n_true: int) -> dict[str, float]:
    """Precision, recall and F1 from true positives and the predicted / true totals."""
    precision = _ratio(tp, n_predicted)
    recall = _ratio(tp, n_true)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}


def _as_series(assignment: Assignment, label: str) -> pd.Series:
    """Turn a mapping / Series of id -> cluster into a Series with a unique string index."""
    if isinstance(assignment, pd.Series):
        s = assignment.copy()
    elif isinstance(assignment, Mapping):
        s = pd.Series(list(assignment.values()), index=list(assignment.keys()), dtype=object)
    else:
        raise TypeError(f"{label} must be a Mapping or pd.Series, got {type(assignment).__name__}")
    if not pd.api.types.is_string_dtype(s.index) or s.index.inferred_type != "string":
        s.index = s.index.astype(str)
    if not s.index.is_unique:
        dupes = s.index[s.index.duplicated()].unique()[:5].tolist()
        raise ValueError(f"{label} has duplicated record ids, e.g. {dupes}")
    return s


def _codes(values: pd.Series) -> np.ndarray:
    """Integer cluster codes; each null value becomes its own singleton code."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = codes.astype(np.int64, copy=False)
    missing = codes < 0
    if missing.any():
        codes[missing] = len(uniques) + np.arange(int(missing.sum()), dtype=np.int64)
    return codes


def _contingency(
    predicted: Assignment, truth: Assignment
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Aligned (pred, true) codes plus cell / cluster sizes over the shared record ids.

    Returns (cell_pred, cell_true, cell_count, pred_sizes, true_sizes, counts) where cell_* list
    the non-empty contingency cells and *_sizes are the cluster sizes indexed by code.
    """
    p = _as_series(predicted, "predicted")
    t = _as_series(truth, "truth")
    common = p.index.intersection(t.index, sort=False)
    counts = {
        "n_records": int(len(common)),
        "n_only_predicted": int(len(p) - len(common)),
        "n_only_truth": int(len(t) - len(common)),
    }
    counts["n_missing"] = counts["n_only_predicted"] + counts["n_only_truth"]
    pc = _codes(p.iloc[p.index.get_indexer(common)])
    tc = _codes(t.iloc[t.index.get_indexer(common)])
    n_p = int(pc.max()) + 1 if len(pc) else 0
    n_t = int(tc.max()) + 1 if len(tc) else 0
    pred_sizes = np.bincount(pc, minlength=n_p).astype(np.int64)
    true_sizes = np.bincount(tc, minlength=n_t).astype(np.int64)
    cell_keys, cell_count = np.unique(pc * max(n_t, 1) + tc, return_counts=True)
    cell_pred = cell_keys // max(n_t, 1)
    cell_true = cell_keys % max(n_t, 1)
    return cell_pred, cell_true, cell_count.astype(np.int64), pred_sizes, true_sizes, counts


def _pairs(sizes: np.ndarray) -> int:
    """Number of unordered pairs inside groups of the given sizes: sum of n*(n-1)/2."""
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_metrics(predicted: Assignment, truth: Assignment) -> dict:
    """Pairwise precision/recall/F1 over unordered same-cluster record pairs."""
    _, _, cells, pred_sizes, true_sizes, counts = _contingency(predicted, truth)
    tp = _pairs(cells)
    n_pred = _pairs(pred_sizes)
    n_true = _pairs(true_sizes)
    out: dict[str, Any] = _prf(tp, n_pred, n_true)
    out.update(
        tp=tp,
        fp=n_pred - tp,
        fn=n_true - tp,
        n_predicted_pairs=n_pred,
        n_true_pairs=n_true,
        **counts,
    )
    return out


def bcubed_metrics(predicted: Assignment, truth: Assignment) -> dict:
    """B-cubed precision/recall/F1, averaged over records (F1 of the averages)."""
    cell_pred, cell_true, cells, pred_sizes, true_sizes, counts = _contingency(predicted, truth)
    n = counts["n_records"]
    if n == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, **counts}
    # Each of the `c` records of a cell has precision c/|P| and recall c/|T|.
    cf = cells.astype(np.float64)
    precision = float((cf * cf / pred_sizes[cell_pred]).sum() / n)
    recall = float((cf * cf / true_sizes[cell_true]).sum() / n)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall), **counts}


def cluster_metrics(predicted: Assignment, truth: Assignment) -> dict:
    """Exact-cluster precision/recall/F1: a predicted cluster counts if it equals a true one."""
    cell_pred, cell_true, cells, pred_sizes, true_sizes, counts = _contingency(predicted, truth)
    exact = int(((cells == pred_sizes[cell_pred]) & (cells == true_sizes[cell_true])).sum())
    n_pred = int((pred_sizes > 0).sum())
    n_true = int((true_sizes > 0).sum())
    out: dict[str, Any] = _prf(exact, n_pred, n_true)
    out.update(n_exact=exact, n_predicted_clusters=n_pred, n_true_clusters=n_true, **counts)
    return out


def _pair_set(pairs: Iterable[tuple[Any, Any]] | pd.DataFrame, label: str) -> set[tuple[str, str]]:
    """Normalise pairs to a set of (min, max) string tuples, dropping self-pairs."""
    if isinstance(pairs, pd.DataFrame):
        if pairs.shape[1] < 2:
            raise ValueError(f"{label} DataFrame needs two id columns")
        pairs = zip(pairs.iloc[:, 0], pairs.iloc[:, 1], strict=True)
    out: set[tuple[str, str]] = set()
    for pair in pairs:
        a, b = str(pair[0]), str(pair[1])
        if a == b:
            continue
        out.add((a, b) if a < b else (b, a))
    return out


def link_metrics(
    predicted_pairs: Iterable[tuple[Any, Any]] | pd.DataFrame,
    true_pairs: Iterable[tuple[Any, Any]] | pd.DataFrame,
) -> dict:
    """Precision/recall/F1 of a list of unordered pairs (a DataFrame uses its first 2 columns)."""
    pred = _pair_set(predicted_pairs, "predicted_pairs")
    true = _pair_set(true_pairs, "true_pairs")
    tp = len(pred & true)
    out: dict[str, Any] = _prf(tp, len(pred), len(true))
    out.update(
        tp=tp,
        fp=len(pred) - tp,
        fn=len(true) - tp,
        n_predicted_pairs=len(pred),
        n_true_pairs=len(true),
    )
    return out


def threshold_metrics(
    scores: Sequence[float] | np.ndarray | pd.Series,
    labels: Sequence[bool] | np.ndarray | pd.Series,
    threshold: float,
) -> dict:
    """Precision/recall/F1 of labelled scored pairs, predicting a match when score >= threshold."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError(f"scores and labels must be 1-d of equal length: {s.shape} vs {y.shape}")
    if math.isnan(threshold):
        raise ValueError("threshold is NaN")
    pred = s >= threshold  # NaN scores compare False: never predicted a match
    tp = int((pred & y).sum())
    fp = int((pred & ~y).sum())
    fn = int((~pred & y).sum())
    tn = int((~pred & ~y).sum())
    out: dict[str, Any] = _prf(tp, tp + fp, tp + fn)
    out.update(
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        accuracy=_ratio(tp + tn, len(s)),
        threshold=float(threshold),
        n_pairs=int(len(s)),
    )
    return out


def read_assignment(path: str | os.PathLike, what: str) -> dict[str, Any]:
    """record id -> entity id from a clusters or truth file (columns id, entity_id), checked:
    ids non-blank, and an id given twice must have the same entity id. Errors name the file."""
    from resolver.io.readers import read_table

    table = read_table(path)
    for col in ("id", "entity_id"):
        if col not in table.column_names:
            raise InputError(
                f"{path}: {what} file has no column '{col}' "
                f"(columns: {', '.join(table.column_names[:20])})"
            )
    ids = table.column("id").cast(pa.string()).to_pylist()
    entities = table.column("entity_id").cast(pa.string()).to_pylist()
    assignment: dict[str, Any] = {}
    first_row: dict[str, int] = {}
    for row, (record, entity) in enumerate(zip(ids, entities, strict=True), start=1):
        if record is None or not record.strip():
            raise InputError(f"{path}: row {row}: blank id")
        if record in assignment:
            if assignment[record] != entity:
                raise InputError(
                    f"{path}: id '{record}' is given two entity ids: '{assignment[record]}' "
                    f"(row {first_row[record]}) and '{entity}' (row {row})"
                )
            continue
        assignment[record] = entity
        first_row[record] = row
    return assignment


def check_coverage(
    predicted: Mapping[str, Any],
    truth: Mapping[str, Any],
    predicted_source: str,
    truth_source: str,
    min_coverage: float,
) -> float:
    """The share of ids the two files have in common (of the larger side's ids); an InputError
    when it is below ``min_coverage``: scores over a small overlap are not the run's scores."""
    common = len(predicted.keys() & truth.keys())
    for source, ids, other in (
        (truth_source, predicted, predicted_source),
        (predicted_source, truth, truth_source),
    ):
        share = common / len(ids) if ids else 0.0
        if share < min_coverage:
            raise InputError(
                f"{source}: has only {common:,} of the {len(ids):,} ids in {other} "
                f"({share:.1%}, below --min-coverage {min_coverage:g}); pass --min-coverage "
                f"{math.floor(share * 100) / 100:g} to score the ids both files have"
            )
    return common / max(len(predicted), len(truth), 1)
