"""The resolved trade network: one fact row per shipment, flows per (shipper, consignee) entity.

Pure table building on a DuckDB connection; nothing here knows about lists or alert rules.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from resolver.engine import registered
from resolver.normalize import normalize_country
from resolver.tradeflows.controlled import ControlledGoods
from resolver.tradeflows.shipments import Shipments

FLOW_COLUMNS = (
    "shipper_entity_id",
    "shipper_name",
    "shipper_country",
    "consignee_entity_id",
    "consignee_name",
    "consignee_country",
    "shipments",
    "shipments_of_concern",
    "total_value_usd",
    "first_date",
    "last_date",
    "hs_headings",
)


def iso2_column(values: pa.ChunkedArray) -> pa.Array:
    """ISO2 code per value (null when blank or unknown), normalized once per distinct value."""
    distinct = pc.unique(values).drop_null()
    codes = pa.array([normalize_country(v) for v in distinct.to_pylist()], pa.string())
    return pc.take(codes, pc.index_in(values, value_set=distinct))


def shipment_facts(
    shipments: Shipments,
    entity_ids: dict[str, pa.Array],
    consignee_country: pa.Array,
    goods: ControlledGoods,
) -> pa.Table:
    """Per shipment: ids, date, HS code and heading, value, whether the goods are of concern,
    the resolved party entities and the destination country (ISO2; the consignee's when the
    destination column is blank)."""
    p = shipments.parsed
    destination = pc.coalesce(iso2_column(p.column("destination_country")), consignee_country)
    cols = {
        "row": p.column("row"),
        "shipment_id": p.column("shipment_id"),
        "date": p.column("date"),
        "hs_code": p.column("hs_code"),
        "heading": p.column("heading"),
        "value_usd": p.column("value_usd"),
        "concern": goods.flags(p.column("hs_code")),
        "origin": iso2_column(p.column("origin_country")),
        "destination": destination,
    }
    for role, ids in entity_ids.items():
        cols[role] = ids
    return pa.table(cols)


def build_flows(con: duckdb.DuckDBPyConnection, facts: pa.Table, entities: pa.Table) -> pa.Table:
    """One row per (shipper entity, consignee entity) with names, countries, counts, value,
    first and last date and the 4-digit HS headings, largest flows first."""
    tables = {"_fl_facts": facts, "_fl_ent": entities.select(["entity_id", "name", "countries"])}
    with registered(con, tables):
        return con.sql(
            """
            WITH f AS (
                SELECT shipper, consignee, count(*) AS shipments,
                       count(*) FILTER (WHERE concern) AS shipments_of_concern,
                       sum(value_usd) AS total_value_usd,
                       min(date) AS first_date, max(date) AS last_date,
                       string_agg(DISTINCT heading, ';' ORDER BY heading) AS hs_headings
                FROM _fl_facts
                WHERE shipper IS NOT NULL AND consignee IS NOT NULL
                GROUP BY shipper, consignee
            )
            SELECT f.shipper AS shipper_entity_id, s.name AS shipper_name,
                   s.countries AS shipper_country,
                   f.consignee AS consignee_entity_id, c.name AS consignee_name,
                   c.countries AS consignee_country,
                   f.shipments, f.shipments_of_concern, round(f.total_value_usd, 2) AS total_value_usd,
                   f.first_date, f.last_date, f.hs_headings
            FROM f
            JOIN _fl_ent s ON s.entity_id = f.shipper
            JOIN _fl_ent c ON c.entity_id = f.consignee
            ORDER BY f.shipments DESC, f.total_value_usd DESC NULLS LAST,
                     shipper_entity_id, consignee_entity_id
            """
        ).to_arrow_table()
