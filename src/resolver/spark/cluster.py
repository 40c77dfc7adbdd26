"""Greedy average linkage at scale: connected components of the strong edges in Spark, then the
greedy merge of ``resolver.cluster`` inside each contested component, one component per task.

This is exact, not an approximation: merges happen only along strong edges (probability >=
threshold), so no cluster crosses a component of strong edges, and the merge inside one
component reads only that component's pairs. As on DuckDB (``cluster.cluster_pairs``), a
component with no pair below ``LINK_FACTOR * threshold`` merges whole; only contested ones run
the Python merge, on the executors, each collected into one task (``largest_contested`` in the
summary is that step's memory bound).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from resolver.cluster import LINK_FACTOR
from resolver.spark.sql import SparkSql

log = logging.getLogger(__name__)

MAX_ITERATIONS = 100  # label propagation halves path lengths each round; ids are not adversarial


def strong_components(sql: SparkSql, strong: Any, prefix: str) -> Any:
    """(node, label) for every node of the edges ``strong`` (a, b), label = smallest node of
    its component; kept as table ``{prefix}_labels`` (the caller drops it)."""
    labels, rounds = _components(sql, strong, prefix)
    kept = sql.put(f"{prefix}_labels", labels)
    sql.drop(f"{prefix}_labels_{rounds}")
    return kept


def _components(sql: SparkSql, strong: Any, prefix: str = "_cl") -> tuple[Any, int]:
    """(node, label) for every node with a strong edge, label = smallest node of its component.

    Min-label propagation with pointer jumping, as ``cluster.component_labels``: each round a
    node takes the smallest label among itself and its neighbours, then its label's label.
    """
    from pyspark.sql import functions as F

    both = strong.union(strong.select(F.col("b").alias("a"), F.col("a").alias("b")))
    edges = sql.put(f"{prefix}_edges", both)
    labels = sql.put(
        f"{prefix}_labels_0",
        edges.groupBy(F.col("a").alias("node")).agg(
            F.least(F.col("node"), F.min("b")).alias("label")
        ),
    )
    for round_ in range(1, MAX_ITERATIONS + 1):
        nbr = (
            edges.join(labels, edges.b == labels.node)
            .groupBy(edges.a.alias("node"))
            .agg(F.min("label").alias("low"))
        )
        low = labels.join(nbr, "node", "left").select(
            "node", F.least("label", F.coalesce("low", "label")).alias("label")
        )
        jumped = (
            low.alias("x")
            .join(low.alias("y"), F.col("x.label") == F.col("y.node"))
            .select(F.col("x.node").alias("node"), F.col("y.label").alias("label"))
        )
        new = sql.put(f"{prefix}_labels_{round_}", jumped)
        changed = (
            new.join(labels.withColumnRenamed("label", "old"), "node")
            .filter(F.col("label") != F.col("old"))
            .limit(1)
            .count()
        )
        sql.drop(f"{prefix}_labels_{round_ - 1}")
        labels = new
        if not changed:
            sql.drop(f"{prefix}_edges")
            return labels, round_
    raise RuntimeError(f"connected components did not converge in {MAX_ITERATIONS} rounds")


def _merge_component(threshold: float):
    """applyInPandas function: one contested component's pairs -> (node, rep) per node."""

    def run(pairs: pd.DataFrame) -> pd.DataFrame:
        from resolver.cluster import greedy_merge

        reps = greedy_merge(
            pairs["pid_l"].to_numpy(np.int64),
            pairs["pid_r"].to_numpy(np.int64),
            pairs["match_probability"].to_numpy(np.float64),
            threshold,
        )
        return pd.DataFrame({"node": list(reps), "rep": list(reps.values())}, dtype="int64")

    return run


def cluster_pairs_spark(sql: SparkSql, pairs: Any, threshold: float) -> tuple[Any, dict[str, int]]:
    """(pid, cluster_pid) for every profile in a component of strong edges, from scored pairs
    (pid_l, pid_r, match_probability); profiles not listed are clusters of their own."""
    from pyspark.sql import functions as F

    strong = pairs.filter(F.col("match_probability") >= threshold).select(
        F.col("pid_l").alias("a"), F.col("pid_r").alias("b")
    )
    labels, rounds = _components(sql, strong)
    inside = (
        pairs.join(
            labels.select(F.col("node").alias("pid_l"), F.col("label").alias("comp")), "pid_l"
        )
        .join(labels.select(F.col("node").alias("pid_r"), F.col("label").alias("comp_r")), "pid_r")
        .filter(F.col("comp") == F.col("comp_r"))
        .select("comp", "pid_l", "pid_r", "match_probability")
    )
    inside = sql.put("_cl_inside", inside)
    contested = (
        inside.filter(F.col("match_probability") < LINK_FACTOR * threshold)
        .select("comp")
        .distinct()
    )
    contested_pairs = inside.join(contested, "comp")
    sizes = (
        contested_pairs.select("comp", F.explode(F.array("pid_l", "pid_r")).alias("node"))
        .distinct()
        .groupBy("comp")
        .count()
        .agg(F.count(F.lit(1)).alias("n"), F.max("count").alias("largest"))
        .collect()[0]
    )
    merged = contested_pairs.groupBy("comp").applyInPandas(
        _merge_component(threshold), schema="node long, rep long"
    )
    result = labels.join(merged, "node", "left").select(
        F.col("node").alias("pid"), F.coalesce("rep", "label").alias("cluster_pid")
    )
    result = sql.put("_cl_result", result)
    stats = {
        "label_propagation_rounds": rounds,
        "contested_components": int(sizes["n"]),
        "largest_contested_component": int(sizes["largest"] or 0),
    }
    sql.drop(f"_cl_labels_{rounds}", "_cl_inside")
    log.info("clusters: %s", stats)
    return result, stats
