"""Stable entity ids across batches, and ``lineage.csv``, the record of how ids changed.

After a batch, profiles are clustered again as in a full run; the clusters are then
reconciled with the entities the state already had:

* an existing entity is never split: its profiles stay together. Where the clustering would
  split it, the entity keeps all its records and ``lineage.csv`` gets a ``split_proposed`` row
  (the parts, by record count and smallest record id); ``proposed_splits.csv`` lists the
  records of every entity kept whole with the cluster a full re-run would put them in;
* an entity that gains records keeps its id;
* when clusters join existing entities, they become one: the survivor is the entity with the
  most records before the batch (ties: the smaller id), which keeps its id; every other one
  gets a ``merged`` row ``old_id -> new_id``;
* an entity made only of new records gets the id a full run gives: a hash of its smallest
  record id (``cluster.entity_id_sql``). Such a record id was never in the state, so the id is
  new, and it does not depend on the order of the batch's rows.

Groups: profiles in one cluster, or in one existing entity, are one entity (the transitive
closure of both relations).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from resolver.cluster import component_labels, entity_id_sql
from resolver.engine import registered

LINEAGE_COLUMNS = ("date", "batch", "reason", "old_id", "new_id", "records", "detail")
MERGED, SPLIT_PROPOSED = "merged", "split_proposed"


@dataclass
class Reconciled:
    """Entity ids per profile after a batch, and the lineage rows the batch adds."""

    entity_ids: pa.Array  # per node (profile in rank order)
    lineage: pa.Table  # LINEAGE_COLUMNS
    # node, part (smallest record id of its cluster) for the nodes of entities whose records
    # the clustering puts in several clusters (kept whole): what a full run would make of them
    split_parts: pa.Table
    new_entities: int
    merges: int
    split_proposals: int


def reconcile(
    con: duckdb.DuckDBPyConnection,
    cluster_reps: np.ndarray,
    old_entity: pa.Array,
    records_before: np.ndarray,
    records_now: np.ndarray,
    smallest_id: pa.Array,
    *,
    date: str,
    batch: int,
) -> Reconciled:
    """Entity ids of nodes ``0..n-1`` (profiles in order of their smallest record id).

    ``cluster_reps``: each node's cluster (its smallest node, from ``cluster.cluster_pairs``);
    ``old_entity``: each node's entity before the batch (null for a new profile);
    ``records_before`` / ``records_now``: the node's record count before and after the batch;
    ``smallest_id``: the node's smallest record id.
    """
    n = len(cluster_reps)
    nodes = np.arange(n, dtype=np.int64)
    old = pa.table({"node": nodes, "entity": old_entity})
    with registered(con, {"_il_old": old}):
        first = con.sql(
            "SELECT node, min(node) OVER (PARTITION BY entity) AS first FROM _il_old "
            "WHERE entity IS NOT NULL ORDER BY node"
        ).to_arrow_table()
    entity_node = first.column("node").to_numpy()
    entity_first = first.column("first").to_numpy()
    group = component_labels(
        n,
        np.concatenate([nodes, entity_node]),
        np.concatenate([np.asarray(cluster_reps, dtype=np.int64), entity_first]),
    )
    table = pa.table(
        {
            "node": nodes,
            "grp": group,
            "cluster": np.asarray(cluster_reps, dtype=np.int64),
            "entity": old_entity,
            "before": np.asarray(records_before, dtype=np.int64),
            "now": np.asarray(records_now, dtype=np.int64),
            "smallest_id": smallest_id,
        }
    )
    with registered(con, {"_il_nodes": table}):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _il_entities AS
            WITH olds AS (
                SELECT grp, entity, sum(before) AS size FROM _il_nodes
                WHERE entity IS NOT NULL GROUP BY grp, entity
            ), survivor AS (
                SELECT grp, arg_min(entity, (-size, entity)) AS entity FROM olds GROUP BY grp
            ), fresh AS (
                SELECT grp, {entity_id_sql("min(smallest_id)")} AS entity FROM _il_nodes
                GROUP BY grp
            )
            SELECT f.grp, coalesce(s.entity, f.entity) AS entity_id
            FROM fresh f LEFT JOIN survivor s USING (grp)
            """
        )
        ids = con.sql(
            "SELECT e.entity_id FROM _il_nodes n JOIN _il_entities e USING (grp) ORDER BY n.node"
        ).to_arrow_table()
        merged = con.sql(
            f"""
            WITH olds AS (
                SELECT grp, entity, sum(before) AS size FROM _il_nodes
                WHERE entity IS NOT NULL GROUP BY grp, entity
            )
            SELECT $date AS date, $batch AS batch, '{MERGED}' AS reason, o.entity AS old_id,
                   e.entity_id AS new_id, o.size AS records,
                   'had ' || o.size || ' records; merged into an entity of '
                       || (SELECT sum(before) FROM _il_nodes x WHERE x.entity = e.entity_id)
                       || ' records' AS detail
            FROM olds o JOIN _il_entities e USING (grp)
            WHERE o.entity <> e.entity_id
            ORDER BY old_id
            """,
            params={"date": date, "batch": batch},
        ).to_arrow_table()
        split = con.sql(
            f"""
            WITH parts AS (
                SELECT entity, cluster, sum(now) AS size, min(smallest_id) AS smallest
                FROM _il_nodes WHERE entity IS NOT NULL GROUP BY entity, cluster
            ), split AS (
                SELECT entity, count(*) AS n_parts, sum(size) AS size,
                       string_agg(size || ' records (smallest id ' || smallest || ')', ' + '
                                  ORDER BY size DESC, smallest) AS parts
                FROM parts GROUP BY entity HAVING count(*) > 1
            )
            SELECT $date AS date, $batch AS batch, '{SPLIT_PROPOSED}' AS reason,
                   s.entity AS old_id, e.entity_id AS new_id, s.size AS records,
                   'kept whole; the clustering of all records splits it in ' || s.n_parts
                       || ' parts: ' || s.parts AS detail
            FROM split s
            JOIN (SELECT DISTINCT n.entity, e.entity_id FROM _il_nodes n
                  JOIN _il_entities e USING (grp) WHERE n.entity IS NOT NULL) e USING (entity)
            ORDER BY old_id
            """,
            params={"date": date, "batch": batch},
        ).to_arrow_table()
        parts = con.sql(
            """
            WITH parts AS (
                SELECT node, min(smallest_id) OVER (PARTITION BY grp, cluster) AS part,
                       count(DISTINCT cluster) OVER (PARTITION BY grp) AS n_parts
                FROM _il_nodes
            )
            SELECT node, part FROM parts WHERE n_parts > 1 ORDER BY node
            """
        ).to_arrow_table()
        new_entities = con.execute(
            "SELECT count(*) FROM _il_entities e WHERE NOT EXISTS "
            "(SELECT 1 FROM _il_nodes n WHERE n.grp = e.grp AND n.entity IS NOT NULL)"
        ).fetchall()[0][0]
    con.execute("DROP TABLE IF EXISTS _il_entities")
    lineage = pa.concat_tables([_lineage_table(merged), _lineage_table(split)])
    return Reconciled(
        ids.column("entity_id").combine_chunks(),
        lineage,
        parts,
        int(new_entities),
        merged.num_rows,
        split.num_rows,
    )


def _lineage_table(table: pa.Table) -> pa.Table:
    schema = lineage_schema()
    return pa.table([table.column(c).cast(schema.field(c).type) for c in LINEAGE_COLUMNS], schema)


def lineage_schema() -> pa.Schema:
    return pa.schema(
        [
            ("date", pa.string()),
            ("batch", pa.int64()),
            ("reason", pa.string()),
            ("old_id", pa.string()),
            ("new_id", pa.string()),
            ("records", pa.int64()),
            ("detail", pa.string()),
        ]
    )
