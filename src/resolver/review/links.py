"""``links.csv``: for each record, the neighbour that holds it in its entity and why.

The neighbour is the record of another profile in the same entity with which the record's
profile scored highest (clustering merged the profile into its entity through such a pair),
with the pair's score and its evidence in words. A record whose entity has no other profile
is linked to a record identical to it after normalization, if there is one.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

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
) -> list[str]:
    """The words for each row; each distinct scored pair's weights are put in words once."""
    names = [c.removeprefix("mw_") for c in weight_columns]
    weights = list(zip(*(rows.column(c).to_pylist() for c in weight_columns), strict=True))
    said: dict[tuple, str] = {}
    out = []
    for i, (scored, linked, blank) in enumerate(
        zip(
            rows.column("scored").to_pylist(),
            rows.column("linked_id").to_pylist(),
            rows.column("unmatchable").to_pylist(),
            strict=True,
        )
    ):
        if scored:
            key = weights[i] if weights else ()
            if key not in said:
                by_name = dict(zip(names, key, strict=True))
                said[key] = describe(
                    comparisons, gammas_from_weights(comparisons, by_name), by_name
                )
            out.append(said[key])
        elif linked:
            out.append(SAME_PROFILE)
        else:
            out.append(BLANK_NAME if blank else ALONE)
    return out
