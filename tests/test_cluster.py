"""Greedy average-linkage clustering: hand-computed examples."""

from __future__ import annotations

import numpy as np

from resolver.cluster import LINK_FACTOR, cluster_pairs, component_labels, greedy_merge


def run(pairs, threshold=0.9):
    """Cluster string-named nodes; return node -> representative for nodes in a pair."""
    left, right, prob = zip(*pairs, strict=True)
    names = sorted(set(left) | set(right))
    index = {name: i for i, name in enumerate(names)}
    reps = cluster_pairs(
        len(names),
        np.array([index[x] for x in left]),
        np.array([index[x] for x in right]),
        np.array(prob),
        threshold,
    )
    return {name: names[reps[i]] for i, name in enumerate(names)}


def test_chain_through_a_hub_is_cut():
    # a-b and c-d (0.99) merge first; then the candidate edge b-c (0.95) would join
    # {a,b} and {c,d}, but their four cross pairs average (0.95 + 0 + 0 + 0) / 4 = 0.24,
    # below LINK_FACTOR * threshold (0.45): connected components would have chained them.
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


def test_sibling_companies_of_one_brand_stay_apart():
    # seed 1153's "Tang Fei" companies: each spelling of a sibling meets the big entity's
    # spellings at 0.98 when both name only the brand and the city, and near 0 when their trade
    # words and addresses differ; a cross mean of 0.42 once merged them (bar 0.27)
    logistics = ["TANG FEI LOGISTICS (HK) LIMITED", "Tangfei Log. Co., Ltd", "TANG FEI LOGISTICS"]
    semi = ["Tang Fei Semiconductor Ltd.", "TANG FEI SEMICONDUCTOR LIMITED"]
    pairs = [(a, b, 0.99) for i, a in enumerate(logistics) for b in logistics[i + 1 :]]
    pairs += [(semi[0], semi[1], 0.99)]
    cross = [0.982, 0.81, 0.02, 0.03, 0.5, 0.05]  # mean 0.40: above 0.27, below 0.45
    pairs += [
        (a, b, p)
        for (a, b), p in zip([(a, b) for a in logistics for b in semi], cross, strict=True)
    ]
    mapping = run(pairs)
    assert 0.3 * 0.9 < sum(cross) / len(cross) < LINK_FACTOR * 0.9
    assert len({mapping[n] for n in logistics}) == 1 and len({mapping[n] for n in semi}) == 1
    assert mapping[logistics[0]] != mapping[semi[0]]


def test_components_without_negative_evidence_merge():
    mapping = run([("x", "y", 0.95), ("y", "z", 0.92)])
    assert mapping == {"x": "x", "y": "x", "z": "x"}


def test_below_threshold_edges_never_merge_and_order_does_not_matter():
    pairs = [("p", "q", 0.5), ("q", "r", 0.97), ("p", "r", 0.4)]
    assert run(pairs) == run(list(reversed(pairs))) == {"p": "p", "q": "q", "r": "q"}


def _root(parent, x):
    while parent[x] != x:
        x = parent[x]
    return x


def test_component_labels_match_union_find():
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 60))
        m = int(rng.integers(0, 80))
        left, right = rng.integers(0, n, m), rng.integers(0, n, m)
        parent = list(range(n))
        for a, b in zip(left, right, strict=True):
            ra, rb = _root(parent, a), _root(parent, b)
            parent[max(ra, rb)] = min(ra, rb)
        expected = [_root(parent, i) for i in range(n)]
        assert component_labels(n, left, right).tolist() == expected


def test_shortcuts_give_the_plain_greedy_result():
    # cluster_pairs skips uncontested components and splits the rest; running the greedy
    # merge over all pairs at once must give the same clusters
    rng = np.random.default_rng(11)
    for _ in range(100):
        n = int(rng.integers(2, 40))
        m = int(rng.integers(1, 120))
        left, right = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = left != right
        left, right = np.minimum(left, right)[keep], np.maximum(left, right)[keep]
        left, right = np.unique(np.stack([left, right]), axis=1)
        if len(left) == 0:
            continue
        prob = rng.choice([0.02, 0.1, 0.5, 0.91, 0.95, 0.99], len(left))
        fast = cluster_pairs(n, left, right, prob, 0.9)
        plain = greedy_merge(left, right, prob, 0.9)
        assert {i: int(fast[i]) for i in plain} == plain
