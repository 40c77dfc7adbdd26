"""Alert rules over the resolved trade network, as SQL on the shipment facts.

Each rule returns one row per finding with its path of entities, the evidence shipments and
the measurements that ``scoring`` turns into a score. ``listed`` holds one row per listed
entity (its best list match at or above the screening threshold).

* ``direct_listed``: shipments from an entity to a listed entity (any goods).
* ``via_intermediary``: X received goods of concern of heading h from S and shipped heading h to
  a listed L within ``window_days`` after a receipt (S -> X -> L). An X that sells L only other
  headings, or sells h only to unlisted parties, does not match.
* ``controlled_goods``: goods of concern to a listed entity or to a restricted destination.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from resolver.engine import registered

_FACT_TABLE, _LISTED_TABLE = "_rl_facts", "_rl_listed"


def _run(
    con: duckdb.DuckDBPyConnection,
    facts: pa.Table,
    listed: pa.Table,
    sql: str,
    params: list | None = None,
) -> pa.Table:
    with registered(con, {_FACT_TABLE: facts, _LISTED_TABLE: listed}):
        return con.sql(sql, params=params).to_arrow_table()


# shared aggregates of an evidence group of shipments ``f``
_EVIDENCE = """
    list(f.shipment_id ORDER BY f.date NULLS LAST, f.shipment_id) AS shipment_ids,
    count(*) AS n_shipments,
    count(*) FILTER (WHERE f.concern) AS n_concern,
    count(f.value_usd) AS n_valued,
    sum(f.value_usd) AS value_usd,
    coalesce(sum(f.value_usd) FILTER (WHERE f.concern), 0) AS value_concern,
    min(f.date) AS first_date, max(f.date) AS last_date,
    list_sort(list_distinct(list(f.heading))) AS headings
"""


def direct_listed(con: duckdb.DuckDBPyConnection, facts: pa.Table, listed: pa.Table) -> pa.Table:
    """One row per (shipper, listed consignee): every shipment between them."""
    sql = f"""
        SELECT f.shipper AS shipper, f.consignee AS listed, {_EVIDENCE}
        FROM {_FACT_TABLE} f JOIN {_LISTED_TABLE} l ON l.entity_id = f.consignee
        WHERE f.shipper IS DISTINCT FROM f.consignee
        GROUP BY f.shipper, f.consignee
        ORDER BY f.consignee, f.shipper NULLS LAST
    """
    return _run(con, facts, listed, sql)


def via_intermediary(
    con: duckdb.DuckDBPyConnection, facts: pa.Table, listed: pa.Table, window_days: int
) -> pa.Table:
    """One row per (supplier, intermediary, listed party) with the matched receipts and
    onward shipments, the intermediary's share of inbound goods of those headings that went
    to the listed party, the median days from receipt to onward shipment and the supplier's
    own direct shipments to the listed party."""
    sql = f"""
        WITH onward AS (
            SELECT f.shipper AS x, f.consignee AS l, f.heading, f.date, f.shipment_id
            FROM {_FACT_TABLE} f JOIN {_LISTED_TABLE} ls ON ls.entity_id = f.consignee
            WHERE f.concern AND f.date IS NOT NULL AND f.heading IS NOT NULL
              AND f.shipper IS NOT NULL AND f.shipper <> f.consignee
        ), inbound AS (
            SELECT f.shipper AS s, f.consignee AS x, f.heading, f.date, f.shipment_id
            FROM {_FACT_TABLE} f
            WHERE f.concern AND f.date IS NOT NULL AND f.heading IS NOT NULL
              AND f.shipper IS NOT NULL AND f.shipper <> f.consignee
              AND f.consignee IN (SELECT x FROM onward)
        ), links AS (
            SELECT i.s, o.x, o.l, o.heading, i.shipment_id AS in_id, i.date AS in_date,
                   o.shipment_id AS out_id, o.date AS out_date
            FROM inbound i JOIN onward o
              ON o.x = i.x AND o.heading = i.heading
             AND o.date >= i.date AND o.date <= i.date + CAST(? AS INTEGER)
            WHERE i.s <> o.l
        ), lags AS (  -- per onward shipment: days since the latest matching receipt
            SELECT s, x, l, out_id, min(out_date - in_date) AS lag_days
            FROM links GROUP BY s, x, l, out_id
        ), paths AS (
            SELECT s, x, l,
                   list_sort(list_distinct(list(heading))) AS headings,
                   list_sort(list_distinct(list(in_id))) AS in_ids,
                   list_sort(list_distinct(list(out_id))) AS out_ids,
                   min(in_date) AS first_in, max(in_date) AS last_in,
                   min(out_date) AS first_out, max(out_date) AS last_out
            FROM links GROUP BY s, x, l
        ), timing AS (
            SELECT s, x, l, median(lag_days) AS median_lag_days FROM lags GROUP BY s, x, l
        ), heads AS (  -- (x, l, heading) of every path, to measure the intermediary's share
            SELECT DISTINCT p.x, p.l, unnest(p.headings) AS heading FROM paths p
        ), into_x AS (
            SELECT h.x, h.l, count(*) AS n_in, count(f.value_usd) AS n_in_valued,
                   sum(f.value_usd) AS value_in
            FROM heads h JOIN {_FACT_TABLE} f
              ON f.consignee = h.x AND f.heading = h.heading AND f.concern
             AND f.shipper IS DISTINCT FROM f.consignee
            GROUP BY h.x, h.l
        ), out_to_l AS (
            SELECT h.x, h.l, count(*) AS n_out, count(f.value_usd) AS n_out_valued,
                   sum(f.value_usd) AS value_out
            FROM heads h JOIN {_FACT_TABLE} f
              ON f.shipper = h.x AND f.consignee = h.l AND f.heading = h.heading AND f.concern
            GROUP BY h.x, h.l
        ), direct AS (
            SELECT shipper AS s, consignee AS l, count(*) AS n_direct, max(date) AS direct_last_date,
                   list_sort(list_distinct(list(heading))) AS direct_headings
            FROM {_FACT_TABLE} WHERE shipper IS NOT NULL AND consignee IN (SELECT l FROM paths)
            GROUP BY shipper, consignee
        )
        SELECT p.s AS supplier, p.x AS intermediary, p.l AS listed, p.headings,
               p.in_ids, p.out_ids, p.first_in, p.last_in, p.first_out, p.last_out,
               t.median_lag_days,
               i.n_in, i.n_in_valued, i.value_in, o.n_out, o.n_out_valued, o.value_out,
               coalesce(d.n_direct, 0) AS n_direct, d.direct_last_date, d.direct_headings
        FROM paths p
        JOIN timing t USING (s, x, l)
        JOIN into_x i ON i.x = p.x AND i.l = p.l
        JOIN out_to_l o ON o.x = p.x AND o.l = p.l
        LEFT JOIN direct d ON d.s = p.s AND d.l = p.l
        ORDER BY p.l, p.x, p.s
    """
    return _run(con, facts, listed, sql, [int(window_days)])


def controlled_goods(
    con: duckdb.DuckDBPyConnection,
    facts: pa.Table,
    listed: pa.Table,
    restricted: Iterable[str],
) -> pa.Table:
    """One row per (shipper, consignee) of goods of concern to a listed consignee or to a
    restricted destination (ISO2)."""
    sql = f"""
        SELECT f.shipper AS shipper, f.consignee AS consignee,
               bool_or(l.entity_id IS NOT NULL) AS to_listed,
               list_sort(list_distinct(list(f.destination) FILTER (
                   WHERE list_contains(CAST(? AS VARCHAR[]), f.destination)
               ))) AS restricted_destinations,
               {_EVIDENCE}
        FROM {_FACT_TABLE} f LEFT JOIN {_LISTED_TABLE} l ON l.entity_id = f.consignee
        WHERE f.concern AND f.shipper IS DISTINCT FROM f.consignee
          AND (l.entity_id IS NOT NULL OR list_contains(CAST(? AS VARCHAR[]), f.destination))
        GROUP BY f.shipper, f.consignee
        ORDER BY f.consignee NULLS LAST, f.shipper NULLS LAST
    """
    codes = sorted(restricted)
    return _run(con, facts, listed, sql, [codes, codes])
