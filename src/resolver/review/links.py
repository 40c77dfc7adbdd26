"""``links.csv``: for each record, the neighbour that holds it in its entity and why.

The neighbour is the record of another profile in the same entity with which the record's
profile scored highest (clustering merged the profile into its entity through such a pair),
with the pair's score and its evidence in words. A record whose entity has no other profile
is linked to a record identical to it after normalization, if there is one.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from resolver.engine import registered
from resolver.memory import release_memory
from resolver.model.scoring import ScoredComparison
from resolver.review.evidence import describe, gammas_from_weights

LINK_COLUMNS = ("id", "name", "entity_id", "linked_id", "linked_name", "score", "evidence")
SAME_PROFILE = "identical on every compared field after normalization"
ALONE = "no other record in its entity"
BLANK_NAME = "name blank after normalization: not matched"


def record_links(
    con: duckdb.DuckDBPyConnection,
    records: pa.Table,
    names: pa.Array | pa.ChunkedArray,
    entity_ids: pa.Array | pa.ChunkedArray,
    pairs: pa.Table,
    comparisons: Sequence[ScoredComparison],
) -> pa.Table:
    """One row per record, in input order (``records``: row, id, profile_id, unmatchable;
    ``names`` and ``entity_ids`` aligned with it; ``pairs``: the dedupe's scored pairs)."""
    weight_columns = [f"mw_{c.name}" for c in comparisons if f"mw_{c.name}" in pairs.column_names]
    tables = {
        "_lk_rec": records.select(["row", "id", "profile_id", "unmatchable"])
        .append_column("name", names)
        .append_column("entity_id", entity_ids),
        "_lk_pairs": pairs.select(
            ["id_l", "id_r", "match_probability", "match_weight", *weight_columns]
        ),
    }
    mw = ", ".join(f'"{c}"' for c in weight_columns)
    with registered(con, tables):
        rows = con.sql(
            f"""
            WITH pe AS (SELECT DISTINCT profile_id, entity_id FROM _lk_rec),
            inside AS (  -- only pairs within one entity can link a record (the fewest pairs)
                SELECT d.* FROM _lk_pairs d
                JOIN pe a ON a.profile_id = d.id_l
                JOIN pe b ON b.profile_id = d.id_r AND b.entity_id = a.entity_id
            ),
            directed AS (
                SELECT id_l AS p, id_r AS q, match_probability, match_weight, {mw} FROM inside
                UNION ALL
                SELECT id_r AS p, id_l AS q, match_probability, match_weight, {mw} FROM inside
            ),
            best AS (
                SELECT * FROM directed
                QUALIFY row_number() OVER (PARTITION BY p ORDER BY match_weight DESC, q) = 1
            ),
            twins AS (
                SELECT profile_id, list(id ORDER BY id)[1:2] AS first_two
                FROM _lk_rec GROUP BY profile_id HAVING count(*) > 1
            ),
            linked AS (
                SELECT r.row, r.id, r.name, r.entity_id, r.unmatchable,
                       coalesce(b.q, CASE WHEN t.first_two[1] = r.id THEN t.first_two[2]
                                          ELSE t.first_two[1] END) AS linked_id,
                       b.match_probability AS score, b.q IS NOT NULL AS scored, {mw}
                FROM _lk_rec r
                LEFT JOIN best b ON b.p = r.profile_id
                LEFT JOIN twins t ON t.profile_id = r.profile_id
            )
            SELECT l.*, n.name AS linked_name
            FROM linked l LEFT JOIN _lk_rec n ON n.id = l.linked_id
            ORDER BY l.row
            """
        ).to_arrow_table()
    release_memory()  # DuckDB's join and window buffers, before the words are put together
    return pa.table(
        {
            "id": rows.column("id"),
            "name": rows.column("name"),
            "entity_id": rows.column("entity_id"),
            "linked_id": rows.column("linked_id"),
            "linked_name": rows.column("linked_name"),
            "score": pa.array(
                [None if s is None else round(s, 4) for s in rows.column("score").to_pylist()],
                pa.float64(),
            ),
            "evidence": pa.array(_evidence(rows, comparisons, weight_columns), pa.string()),
        }
    )


def _evidence(
    rows: pa.Table, comparisons: Sequence[ScoredComparison], weight_columns: list[str]
) -> np.ndarray:
    """The words for each row; each distinct scored pair's weights are put in words once.

    The rows' weights stay in NumPy (one Python tuple per record held ~0.3 GB at 1M rows):
    the distinct weight rows of the scored records are described, then spread back.
    """
    names = [c.removeprefix("mw_") for c in weight_columns]
    scored = rows.column("scored").to_numpy(zero_copy_only=False).astype(bool)
    linked = pc.fill_null(pc.not_equal(rows.column("linked_id"), ""), False)
    blank = rows.column("unmatchable").to_numpy(zero_copy_only=False).astype(bool)
    out = np.full(len(blank), ALONE, dtype=object)
    out[blank] = BLANK_NAME
    out[linked.to_numpy(zero_copy_only=False).astype(bool)] = SAME_PROFILE
    where = np.flatnonzero(scored)
    if not len(where):
        return out
    if not names:
        out[where] = describe(comparisons, gammas_from_weights(comparisons, {}), {})
        return out
    weights = np.column_stack(
        [rows.column(c).to_numpy(zero_copy_only=False).astype(np.float64) for c in weight_columns]
    )[where]
    if np.isnan(weights).any():  # a scored pair without a weight: the words per row's values
        for i in where:
            by_name = {n: rows.column(f"mw_{n}")[int(i)].as_py() for n in names}
            out[i] = describe(comparisons, gammas_from_weights(comparisons, by_name), by_name)
        return out
    distinct, inverse = np.unique(weights, axis=0, return_inverse=True)
    said = np.empty(len(distinct), dtype=object)
    for k, key in enumerate(distinct.tolist()):
        by_name = dict(zip(names, key, strict=True))
        said[k] = describe(comparisons, gammas_from_weights(comparisons, by_name), by_name)
    out[where] = said[inverse.reshape(-1)]
    return out
