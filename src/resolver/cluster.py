"""Connected-components clustering of scored profile pairs, and stable entity ids per record."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def cluster_profiles(linker, pairs_sdf, threshold: float) -> pa.Table:
    """(unique_id, cluster_id) for every profile, via splink's connected components on the backend."""
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pairs_sdf, threshold_match_probability=threshold
    )
    table = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    return pa.Table.from_pandas(table, preserve_index=False).cast(
        pa.schema([("unique_id", pa.string()), ("cluster_id", pa.string())])
    )


def assign_entities(
    con: duckdb.DuckDBPyConnection, records: pa.Table, clusters: pa.Table
) -> pa.Table:
    """Per input row: entity_id and cluster_size, in input order.

    The entity id is a hash of the smallest record id in the entity, so it does not depend on
    row order or on how the backend numbered its clusters.
    """
    con.register("_cl_records", records)
    con.register("_cl_clusters", clusters)
    try:
        return con.sql(
            """
            WITH rc AS (
                SELECT r.row, r.id, r.unmatchable,
                       coalesce(c.cluster_id, r.profile_id) AS cid
                FROM _cl_records r LEFT JOIN _cl_clusters c ON c.unique_id = r.profile_id
            )
            SELECT row,
                   'E' || substr(sha256(min(id) OVER (PARTITION BY cid)), 1, 16) AS entity_id,
                   count(*) OVER (PARTITION BY cid) AS cluster_size,
                   unmatchable
            FROM rc ORDER BY row
            """
        ).to_arrow_table()
    finally:
        con.unregister("_cl_records")
        con.unregister("_cl_clusters")
