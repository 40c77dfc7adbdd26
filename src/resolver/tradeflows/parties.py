"""Explode shipments into party mentions (one record per shipment and role).

A role is mentioned on a shipment when any of its party fields is filled; its record id is
``<shipment_id>#<role>``. All roles go into one table so that one dedupe resolves a company
whether it ships, receives or is notified.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from resolver.tradeflows.shipments import PARTY_FIELDS, SHIPMENT_ID, Shipments, party_columns

MENTION_COLUMNS = ("id", *PARTY_FIELDS, SHIPMENT_ID, "role")


def party_mentions(shipments: Shipments) -> pa.Table:
    """Canonical party records of every filled role, in shipment order then role order."""
    ids = shipments.parsed.column(SHIPMENT_ID)
    n = len(ids)
    tables, filled = [], []
    for role in shipments.roles:
        cols = party_columns(shipments, role)
        present = pc.is_valid(cols[PARTY_FIELDS[0]])
        for f in PARTY_FIELDS[1:]:
            present = pc.or_(present, pc.is_valid(cols[f]))
        filled.append(present.to_numpy(zero_copy_only=False))
        mention_id = pc.binary_join_element_wise(ids, pa.scalar(f"#{role}"), "")
        role_col = pa.chunked_array([pa.array([role] * n, pa.string())])
        tables.append(pa.table({"id": mention_id, **cols, SHIPMENT_ID: ids, "role": role_col}))
    # one take of the roles side by side (row i of role k is k * n + i): a single copy
    position = np.arange(n)[:, None] + n * np.arange(len(tables))[None, :]
    order = position[np.stack(filled, axis=1)]
    return pa.concat_tables(tables).take(order).select(list(MENTION_COLUMNS))
