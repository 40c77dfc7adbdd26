"""Cluster a region of the profiles again and reconcile it with the stored entities.

A *region* is a set of profiles closed under pairs at the threshold and under stored
entities: clustering (``cluster.cluster_pairs``) works component by component, so a region's
clusters depend only on the pairs inside it. A batch re-clusters, exactly as a full run
clusters them, the regions it touched and the regions whose *margin* the prior's fall since
they were clustered has used up; the others keep their entities.

The margin: the prior (the data set's match rate) falls as the data grows, lowering every
pair's weight by the same number of bits. A region's clusters cannot change until a pair at
the threshold falls below it, or, in a component without weak pairs, a pair falls below the
average-linkage bar, or, in a contested component, a merge's mean probability falls below the
bar (a probability falls by at most ln(2)/4 per bit of weight); rejected merges stay rejected
as probabilities fall. The margin is the smallest of these distances, in bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from resolver.cluster import LINK_FACTOR, cluster_pairs, component_labels
from resolver.incremental.lineage import reconcile
from resolver.model.scoring import logit2

MAX_SLOPE = math.log(2) / 4  # the largest change of a probability per bit of weight


@dataclass
class Reclustered:
    """Per profile of the region (``pid`` order): its entity, region and the region's margin;
    the lineage rows and the profiles of entities kept whole with their part."""

    nodes: pa.Table  # pid, entity_id, region, margin
    lineage: pa.Table
    split_parts: pa.Table  # pid, part
    new_entities: int
    merges: int
    split_proposals: int


def recluster(
    con: duckdb.DuckDBPyConnection,
    nodes: pa.Table,
    pairs: pa.Table,
    threshold: float,
    *,
    date: str,
    batch: int,
) -> Reclustered:
    """Entities of the region's profiles ``nodes`` (pid, unique_id, n_before, n_records,
    entity_id: the stored entity or null) from the pairs inside it (pid_a, pid_b,
    match_probability at or above the pairs floor, match_weight)."""
    nodes = nodes.sort_by("unique_id")  # node order: smallest record id, as in a full run
    pids = nodes.column("pid").to_numpy()
    lo, hi = _node_pairs(pids, pairs)
    prob = pairs.column("match_probability").to_numpy()
    slack = np.full(len(pids), np.inf)
    reps = cluster_pairs(len(pids), lo, hi, prob, threshold, merge_slack=slack)
    done = reconcile(
        con,
        reps,
        nodes.column("entity_id").combine_chunks(),
        nodes.column("n_before").to_numpy(),
        nodes.column("n_records").to_numpy(),
        nodes.column("unique_id").combine_chunks(),
        date=date,
        batch=batch,
    )
    regions = _regions(lo, hi, prob >= threshold, _first_of_each(done.entity_ids))
    margin = region_margins(
        lo, hi, prob, pairs.column("match_weight").to_numpy(), threshold, slack, regions
    )
    out = pa.table(
        {"pid": pids, "entity_id": done.entity_ids, "region": pids[regions], "margin": margin}
    ).sort_by("pid")
    parts = done.split_parts
    split_parts = pa.table(
        {"pid": pa.array(pids[parts.column("node").to_numpy()]), "part": parts.column("part")}
    )
    return Reclustered(
        out, done.lineage, split_parts, done.new_entities, done.merges, done.split_proposals
    )


def first_margins(
    pids: np.ndarray, pairs: pa.Table, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """(region, margin) per profile of a first run (``pids`` in order of smallest record id;
    ``pairs``: pid_a, pid_b, match_probability, match_weight), its entities being its clusters."""
    lo, hi = _node_pairs(pids, pairs)
    prob = pairs.column("match_probability").to_numpy()
    slack = np.full(len(pids), np.inf)
    cluster_pairs(len(pids), lo, hi, prob, threshold, merge_slack=slack)
    strong = prob >= threshold
    regions = _regions(lo, hi, strong, np.arange(len(pids)))
    weight = pairs.column("match_weight").to_numpy()
    return pids[regions], region_margins(lo, hi, prob, weight, threshold, slack, regions)


def region_margins(
    lo: np.ndarray,
    hi: np.ndarray,
    prob: np.ndarray,
    weight: np.ndarray,
    threshold: float,
    slack: np.ndarray,
    regions: np.ndarray,
) -> np.ndarray:
    """Per node, the bits by which every pair weight of its region may fall before the
    region's clusters could change (see the module docstring)."""
    n = len(regions)
    bar = LINK_FACTOR * threshold
    strong = prob >= threshold
    comp = component_labels(n, lo[strong], hi[strong])
    inside = comp[lo] == comp[hi]
    margin = np.full(n, np.inf)  # per component, at its label
    np.minimum.at(margin, comp[lo[strong]], weight[strong] - logit2(threshold))
    weak = inside & (prob < bar)
    contested = np.zeros(n, dtype=bool)
    contested[comp[lo[weak]]] = True
    calm = inside & ~contested[comp[lo]]
    np.minimum.at(margin, comp[lo[calm]], weight[calm] - logit2(bar))
    np.minimum.at(margin, comp, np.where(contested[comp], slack / MAX_SLOPE, np.inf))
    per_region = np.full(n, np.inf)
    np.minimum.at(per_region, regions, margin[comp])
    return np.maximum(per_region[regions], 0.0)


def _node_pairs(pids: np.ndarray, pairs: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """The pairs as (smaller, larger) node positions of ``pids``."""
    position = np.full(int(pids.max()) + 1 if len(pids) else 1, -1, dtype=np.int64)
    position[pids] = np.arange(len(pids))
    left = position[pairs.column("pid_a").to_numpy()]
    right = position[pairs.column("pid_b").to_numpy()]
    return np.minimum(left, right), np.maximum(left, right)


def _regions(lo: np.ndarray, hi: np.ndarray, strong: np.ndarray, entity_first: np.ndarray):
    """Per node, the first node of its region: pairs at the threshold and entities link."""
    n = len(entity_first)
    return component_labels(
        n, np.concatenate([lo[strong], np.arange(n)]), np.concatenate([hi[strong], entity_first])
    )


def _first_of_each(values: pa.Array) -> np.ndarray:
    """Per position, the first position holding the same value."""
    first: dict[object, int] = {}
    return np.fromiter(
        (first.setdefault(v, i) for i, v in enumerate(values.to_pylist())), np.int64, len(values)
    )
