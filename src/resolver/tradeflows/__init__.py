"""Trade flows: resolve the parties of shipment records into a trade network and flag routes
of goods to listed parties (``resolver flows``)."""

from __future__ import annotations

from resolver.tradeflows.run import FlowsResult, flows

__all__ = ["FlowsResult", "flows"]
