"""Cluster a region of the profiles again and reconcile it with the stored entities.

A *region* is a set of profiles closed under pairs at the threshold and under stored
entities: clustering (``cluster.cluster_pairs``) works component by component, so a region's
clusters depend only on the pairs inside it. A batch re-clusters the regions it touched (or
every region, when the scoring prior moved) exactly as a full run clusters them; the others
keep their entities.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from resolver.cluster import cluster_pairs, component_labels
from resolver.incremental.lineage import reconcile


@dataclass
class Reclustered:
    """Per profile of the region (``pid`` order of ``nodes``): its entity and region; the
    lineage rows and the profiles of entities kept whole with their part."""

    nodes: pa.Table  # pid, entity_id, region
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
    match_probability at or above the pairs floor)."""
    nodes = nodes.sort_by("unique_id")  # node order: smallest record id, as in a full run
    pids = nodes.column("pid").to_numpy()
    position = {int(p): i for i, p in enumerate(pids.tolist())}
    left = np.fromiter((position[p] for p in pairs.column("pid_a").to_pylist()), np.int64)
    right = np.fromiter((position[p] for p in pairs.column("pid_b").to_pylist()), np.int64)
    prob = pairs.column("match_probability").to_numpy()
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    reps = cluster_pairs(len(pids), lo, hi, prob, threshold)
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
    # regions after the batch: pairs at the threshold, and entities
    strong = prob >= threshold
    entity_first = _first_of_each(done.entity_ids)
    labels = component_labels(
        len(pids),
        np.concatenate([lo[strong], np.arange(len(pids))]),
        np.concatenate([hi[strong], entity_first]),
    )
    region = pids[labels]  # a region is named by the pid of its first profile in node order
    out = pa.table({"pid": pids, "entity_id": done.entity_ids, "region": region}).sort_by("pid")
    parts = done.split_parts
    split_parts = pa.table(
        {"pid": pa.array(pids[parts.column("node").to_numpy()]), "part": parts.column("part")}
    )
    return Reclustered(
        out, done.lineage, split_parts, done.new_entities, done.merges, done.split_proposals
    )


def _first_of_each(values: pa.Array) -> np.ndarray:
    """Per position, the first position holding the same value."""
    first: dict[object, int] = {}
    return np.fromiter(
        (first.setdefault(v, i) for i, v in enumerate(values.to_pylist())), np.int64, len(values)
    )
