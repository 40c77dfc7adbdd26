"""Explode shipments into party mentions (one record per shipment and role) and back.

A role is mentioned on a shipment when any of its party fields is filled; its record id is
``<shipment_id>#<role>``. All roles go into one table so that one dedupe resolves a company
whether it ships, receives or is notified.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from resolver.tradeflows.shipments import PARTY_FIELDS, SHIPMENT_ID, Shipments, party_columns

MENTION_COLUMNS = ("id", *PARTY_FIELDS, SHIPMENT_ID, "role")


def party_mentions(shipments: Shipments) -> pa.Table:
    """Canonical party records of every filled role, in shipment order then role order."""
    ids = shipments.parsed.column(SHIPMENT_ID)
    parts = []
    for role in shipments.roles:
        cols = party_columns(shipments, role)
        present = pc.is_valid(cols[PARTY_FIELDS[0]])
        for f in PARTY_FIELDS[1:]:
            present = pc.or_(present, pc.is_valid(cols[f]))
        role_col = pa.chunked_array([pa.array([role] * len(ids), pa.string())])
        mention_id = pc.binary_join_element_wise(ids, pa.scalar(f"#{role}"), "")
        table = pa.table(
            {"id": mention_id, **cols, SHIPMENT_ID: ids, "role": role_col, "_row": range(len(ids))}
        )
        parts.append(table.filter(present))
    mentions = pa.concat_tables(parts).sort_by([("_row", "ascending")])
    return mentions.drop_columns(["_row"]).select(list(MENTION_COLUMNS))
