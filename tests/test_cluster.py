"""Greedy average-linkage clustering: hand-computed examples."""

from __future__ import annotations

import numpy as np

from resolver.cluster import LINK_FACTOR, cluster_pairs


def run(pairs, threshold=0.9):
    left, right, prob = zip(*pairs, strict=True)
    return cluster_pairs(
        np.array(left, dtype=object), np.array(right, dtype=object), np.array(prob), threshold
    )


def test_chain_through_a_hub_is_cut():
    # a-b and c-d (0.99) merge first; then the candidate edge b-c (0.95) would join
    # {a,b} and {c,d}, but their four cross pairs average (0.95 + 0 + 0 + 0) / 4 = 0.24,
    # below LINK_FACTOR * threshold = 0.27: connected components would have chained them.
    mapping = run(
        [
            ("a", "b", 0.99),
            ("b", "c", 0.95),
            ("a", "c", 0.0),
            ("c", "d", 0.99),
            ("b", "d", 0.0),
            ("a", "d", 0.0),
        ]
    )
    assert LINK_FACTOR * 0.9 > 0.24
    assert mapping == {"a": "a", "b": "a", "c": "c", "d": "c"}


def test_components_without_negative_evidence_merge():
    mapping = run([("x", "y", 0.95), ("y", "z", 0.92)])
    assert mapping == {"x": "x", "y": "x", "z": "x"}


def test_below_threshold_edges_never_merge_and_order_does_not_matter():
    pairs = [("p", "q", 0.5), ("q", "r", 0.97), ("p", "r", 0.4)]
    assert run(pairs) == run(list(reversed(pairs))) == {"q": "q", "r": "q"}
