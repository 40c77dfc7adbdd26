"""Tests for resolver.evaluate with hand-computed examples."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from resolver.evaluate import (
    bcubed_metrics,
    cluster_metrics,
    link_metrics,
    pairwise_metrics,
    threshold_metrics,
)

# Shared example. Truth: {a,b,c} {d,e} {f}. Predicted: {a,b} {c,d,e} {f}.
TRUTH = {"a": "T1", "b": "T1", "c": "T1", "d": "T2", "e": "T2", "f": "T3"}
PRED = {"a": "P1", "b": "P1", "c": "P2", "d": "P2", "e": "P2", "f": "P3"}


def test_pairwise_hand_example() -> None:
    # true pairs: ab ac bc (T1) + de (T2) = 4; predicted pairs: ab (P1) + cd ce de (P2) = 4
    # tp = {ab, de} = 2 -> precision 2/4, recall 2/4, f1 0.5; fp = 2, fn = 2
    m = pairwise_metrics(PRED, TRUTH)
    assert m["tp"] == 2 and m["fp"] == 2 and m["fn"] == 2
    assert m["n_predicted_pairs"] == 4 and m["n_true_pairs"] == 4
    assert m["precision"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(0.5)
    assert m["n_records"] == 6 and m["n_missing"] == 0


def test_bcubed_hand_example() -> None:
    # record: |pred ∩ true| / |pred| , / |true|
    # a: 2/2, 2/3   b: 2/2, 2/3   c: 1/3, 1/3   d: 2/3, 2/2   e: 2/3, 2/2   f: 1/1, 1/1
    # precision = (1 + 1 + 1/3 + 2/3 + 2/3 + 1) / 6 = (3 + 5/3) / 6 = 14/18 = 7/9
    # recall    = (2/3 + 2/3 + 1/3 + 1 + 1 + 1) / 6 = (3 + 5/3) / 6 = 7/9
    # f1 = 2 * 7/9 * 7/9 / (14/9) = 7/9
    m = bcubed_metrics(PRED, TRUTH)
    assert m["precision"] == pytest.approx(7 / 9)
    assert m["recall"] == pytest.approx(7 / 9)
    assert m["f1"] == pytest.approx(7 / 9)
    # an asymmetric case: truth {a,b,c}, predicted {a,b} {c}
    # precision: a 2/2, b 2/2, c 1/1 -> 1; recall: a 2/3, b 2/3, c 1/3 -> (5/3)/3 = 5/9
    # f1 = 2 * 1 * 5/9 / (14/9) = 10/14
    m = bcubed_metrics({"a": 1, "b": 1, "c": 2}, {"a": 0, "b": 0, "c": 0})
    assert m["precision"] == 1.0
    assert m["recall"] == pytest.approx(5 / 9)
    assert m["f1"] == pytest.approx(10 / 14)


def test_cluster_hand_example() -> None:
    # predicted {a,b} {c,d,e} {f}; true {a,b,c} {d,e} {f}: only {f} is exact -> 1/3, 1/3
    m = cluster_metrics(PRED, TRUTH)
    assert m["n_exact"] == 1
    assert m["n_predicted_clusters"] == 3 and m["n_true_clusters"] == 3
    assert m["precision"] == pytest.approx(1 / 3)
    assert m["recall"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(1 / 3)


def test_perfect_prediction() -> None:
    for fn in (pairwise_metrics, bcubed_metrics, cluster_metrics):
        m = fn(TRUTH, TRUTH)
        assert (m["precision"], m["recall"], m["f1"]) == (1.0, 1.0, 1.0), fn.__name__


def test_all_singletons() -> None:
    # No pairs anywhere: pairwise has nothing predicted and nothing to find -> 0 by convention.
    single = {k: k for k in "abcd"}
    m = pairwise_metrics(single, single)
    assert (m["tp"], m["fp"], m["fn"]) == (0, 0, 0)
    assert (m["precision"], m["recall"], m["f1"]) == (0.0, 0.0, 0.0)
    # B-cubed and exact-cluster scores of a perfect singleton prediction are 1.
    assert bcubed_metrics(single, single)["f1"] == 1.0
    assert cluster_metrics(single, single)["f1"] == 1.0
    # Singletons against TRUTH: nothing predicted -> precision 0, recall 0.
    m = pairwise_metrics({k: k for k in TRUTH}, TRUTH)
    assert (m["precision"], m["recall"], m["fn"]) == (0.0, 0.0, 4)
    # B-cubed precision is 1 for every singleton; recall = (1/3*3 + 1/2*2 + 1) / 6 = 3/6
    b = bcubed_metrics({k: k for k in TRUTH}, TRUTH)
    assert b["precision"] == 1.0 and b["recall"] == pytest.approx(0.5)


def test_one_big_cluster() -> None:
    # truth {a,b} {c,d}; predicted one cluster {a,b,c,d}
    truth = {"a": 1, "b": 1, "c": 2, "d": 2}
    pred = dict.fromkeys(truth, "X")
    # pairwise: 6 predicted pairs, 2 true, tp 2 -> P = 2/6, R = 1, F1 = 2*(1/3)/(4/3) = 0.5
    m = pairwise_metrics(pred, truth)
    assert m["precision"] == pytest.approx(1 / 3) and m["recall"] == 1.0
    assert m["f1"] == pytest.approx(0.5) and m["fp"] == 4
    # B-cubed: every record has P = 2/4, R = 2/2
    b = bcubed_metrics(pred, truth)
    assert b["precision"] == pytest.approx(0.5) and b["recall"] == 1.0
    # exact clusters: none of the 1 predicted / 2 true clusters match
    c = cluster_metrics(pred, truth)
    assert (c["precision"], c["recall"], c["n_exact"]) == (0.0, 0.0, 0)


def test_ids_only_on_one_side_are_left_out() -> None:
    pred = {**PRED, "x": "P1"}  # x only predicted (and would add 2 FP pairs if scored)
    truth = {k: v for k, v in TRUTH.items() if k != "f"} | {"y": "T9"}  # f, y only one side
    m = pairwise_metrics(pred, truth)
    assert m["n_records"] == 5  # a b c d e
    assert (m["n_only_predicted"], m["n_only_truth"], m["n_missing"]) == (2, 1, 3)
    assert (m["tp"], m["fp"], m["fn"]) == (2, 2, 2)
    for fn in (bcubed_metrics, cluster_metrics):
        assert fn(pred, truth)["n_missing"] == 3


def test_series_mapping_and_id_types_agree() -> None:
    truth = pd.Series({1: "A", 2: "A", 3: "B"})  # integer ids are compared as strings
    pred = {"1": 10, "2": 10, "3": 11}
    m = pairwise_metrics(pred, truth)
    assert m["n_records"] == 3 and m["f1"] == 1.0
    assert pairwise_metrics(pd.Series(PRED), pd.Series(TRUTH)) == pairwise_metrics(PRED, TRUTH)


def test_null_cluster_is_singleton() -> None:
    pred = pd.Series({"a": "P", "b": "P", "c": None, "d": np.nan})
    truth = {"a": 1, "b": 1, "c": 2, "d": 2}
    m = pairwise_metrics(pred, truth)  # c and d are not together: tp 1 (ab), fn 1 (cd)
    assert (m["tp"], m["fp"], m["fn"]) == (1, 0, 1)


def test_duplicate_ids_rejected() -> None:
    with pytest.raises(ValueError, match="duplicated"):
        pairwise_metrics(pd.Series(["x", "y"], index=["a", "a"]), {"a": "x"})


def test_empty_input() -> None:
    for fn in (pairwise_metrics, bcubed_metrics, cluster_metrics):
        m = fn({}, {})
        assert m["n_records"] == 0 and m["f1"] == 0.0


def _brute_force_pairs(pred: dict, truth: dict) -> tuple[int, int, int]:
    """Pair-enumerating reference for (tp, fp, fn)."""
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(pred), 2):
        same_p, same_t = pred[a] == pred[b], truth[a] == truth[b]
        tp += same_p and same_t
        fp += same_p and not same_t
        fn += same_t and not same_p
    return tp, fp, fn


def test_pairwise_matches_brute_force_on_random_data() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(1, 60))
        pred = {f"r{i}": int(rng.integers(0, 8)) for i in range(n)}
        truth = {f"r{i}": int(rng.integers(0, 8)) for i in range(n)}
        m = pairwise_metrics(pred, truth)
        assert (m["tp"], m["fp"], m["fn"]) == _brute_force_pairs(pred, truth)
        # B-cubed reference, record by record
        bp = np.mean(
            [
                sum(pred[o] == pred[r] and truth[o] == truth[r] for o in pred)
                / sum(pred[o] == pred[r] for o in pred)
                for r in pred
            ]
        )
        assert bcubed_metrics(pred, truth)["precision"] == pytest.approx(bp)


def test_large_input_is_fast() -> None:
    n = 200_000
    rng = np.random.default_rng(0)
    ids = [f"id{i}" for i in range(n)]
    truth = pd.Series(rng.integers(0, n // 3, n), index=ids)
    pred = truth.copy()
    m = pairwise_metrics(pred, truth)
    assert m["f1"] == 1.0 and m["n_records"] == n


def test_link_metrics() -> None:
    # pairs are unordered; duplicates and self-pairs are ignored
    predicted = [("a", "b"), ("b", "a"), ("c", "d"), ("e", "e"), ("f", "g")]
    true = [("b", "a"), ("d", "c"), ("h", "i")]
    # predicted set {ab, cd, fg}; true set {ab, cd, hi}; tp 2 -> P 2/3, R 2/3
    m = link_metrics(predicted, true)
    assert (m["tp"], m["fp"], m["fn"]) == (2, 1, 1)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    frame = pd.DataFrame({"id_a": ["a", "c"], "id_b": ["b", "d"], "p": [0.9, 0.95]})
    assert link_metrics(frame, true)["precision"] == 1.0
    assert link_metrics([], true)["precision"] == 0.0  # nothing predicted -> 0 by convention
    assert link_metrics([], [])["f1"] == 0.0


def test_threshold_metrics() -> None:
    scores = [0.9, 0.8, 0.3, 0.6, math.nan, 0.7]
    labels = [True, False, True, False, True, True]
    # >= 0.7 predicts [T, T, F, F, F(NaN), T]: tp = 0.9, 0.7 -> 2; fp = 0.8 -> 1;
    # fn = 0.3, NaN -> 2; tn = 0.6 -> 1. P = 2/3, R = 2/4, F1 = 2*(2/3)(1/2)/(7/6) = 4/7
    m = threshold_metrics(scores, labels, 0.7)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 2, 1)
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(4 / 7)
    assert m["accuracy"] == pytest.approx(3 / 6)
    assert threshold_metrics(scores, labels, 2.0)["precision"] == 0.0  # nothing predicted
    with pytest.raises(ValueError):
        threshold_metrics([0.1, 0.2], [True], 0.5)


# ---------------------------------------------------------------- the evaluate command (issue 17)


def _csv(path, rows):
    path.write_text("id,entity_id\n" + "".join(f"{i},{e}\n" for i, e in rows), encoding="utf-8")
    return path


def test_evaluate_refuses_a_truth_covering_too_few_ids(tmp_path, capsys) -> None:
    from resolver.cli import main

    clusters = _csv(tmp_path / "clusters.csv", [(f"r{i}", f"E{i // 2}") for i in range(30)])
    truth = _csv(tmp_path / "truth.csv", [(f"r{i}", f"T{i // 2}") for i in range(10)])
    assert main(["evaluate", str(clusters), "--truth", str(truth)]) == 2
    err = capsys.readouterr().err
    assert str(truth) in err and "10 of the 30 ids" in err and "--min-coverage" in err
    assert main(["evaluate", str(clusters), "--truth", str(truth), "--min-coverage", "0.3"]) == 0
    assert "scored 10 ids in both files" in capsys.readouterr().out


def test_evaluate_refuses_conflicting_duplicate_ids_naming_the_file(tmp_path, capsys) -> None:
    from resolver.cli import main

    clusters = _csv(tmp_path / "clusters.csv", [("a", "E1"), ("b", "E1")])
    truth = _csv(tmp_path / "truth.csv", [("a", "T1"), ("b", "T1"), ("a", "T2")])
    assert main(["evaluate", str(clusters), "--truth", str(truth)]) == 2
    err = capsys.readouterr().err
    assert str(truth) in err and "id 'a'" in err and "row 1" in err and "row 3" in err
    repeated = _csv(tmp_path / "t2.csv", [("a", "T1"), ("b", "T1"), ("a", "T1")])
    assert main(["evaluate", str(clusters), "--truth", str(repeated)]) == 0
    no_column = tmp_path / "t3.csv"
    no_column.write_text("id,cluster\na,1\n", encoding="utf-8")
    assert main(["evaluate", str(clusters), "--truth", str(no_column)]) == 2
    assert str(no_column) in capsys.readouterr().err
