"""The flows report: counts, and each alert with its chain of parties and its shipments."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from resolver.report import charts, write_page
from resolver.report.html import Raw, cards, esc, page, section, shown, table

if TYPE_CHECKING:  # pragma: no cover
    from resolver.tradeflows.run import FlowsResult

TOP_ALERTS = 25
SHIPMENTS_PER_ALERT = 30
OPEN_ALERTS = 1  # the first alert shows its shipments, the others on a click
KIND_TEXT = {
    "direct_listed": "shipped directly to a listed party",
    "via_intermediary": "through an intermediary to a listed party",
    "controlled_goods": "goods of concern to a listed party or restricted destination",
}


def flows_report(result: FlowsResult) -> str:
    """The report page of a flows run."""
    s = result.summary
    entities = {
        e["entity_id"]: e
        for e in result.entities.select(["entity_id", "name", "countries", "list_id"]).to_pylist()
    }
    facts = {}
    if result.facts is not None:
        cols = ["shipment_id", "date", "hs_code", "value_usd", "shipper", "consignee"]
        facts = {f["shipment_id"]: f for f in result.facts.select(cols).to_pylist()}
    alerts = result.alerts.to_pylist()

    overview = cards(
        [
            ("shipments", s["shipments"]),
            ("party mentions", s["party_mentions"]),
            ("entities", s["entities"]),
            ("listed entities", s["listed_entities"]),
            ("flows (shipper → consignee)", s["flows"]),
            ("shipments of goods of concern", s["shipments_of_goods_of_concern"]),
            *((f"alerts: {kind}", n) for kind, n in s["alerts"].items()),
        ]
    )
    kinds = list(s["alerts"])
    by_kind = charts.bars(kinds, [s["alerts"][k] for k in kinds], "alerts by kind", "alerts")

    def name(entity_id: str | None) -> str:
        return (entities.get(entity_id) or {}).get("name") or "(party not named)"

    blocks = []
    for k, a in enumerate(alerts[:TOP_ALERTS]):
        path = [p or None for p in a["path_entity_ids"].split(";")]
        ids = [i for i in (a["shipment_ids"] or "").split(";") if i]
        legs = Counter((facts[i]["shipper"], facts[i]["consignee"]) for i in ids if i in facts)
        nodes = [
            (
                name(p),
                (entities.get(p) or {}).get("countries") or "",
                bool((entities.get(p) or {}).get("list_id")),
            )
            for p in path
        ]
        leg_text = [
            f"{legs.get((x, y), 0):,} shipments" for x, y in zip(path, path[1:], strict=False)
        ]
        rows = [
            [
                i,
                facts[i]["date"],
                facts[i]["hs_code"],
                None if facts[i]["value_usd"] is None else f"{facts[i]['value_usd']:,.2f}",
                name(facts[i]["shipper"]),
                name(facts[i]["consignee"]),
            ]
            for i in ids[:SHIPMENTS_PER_ALERT]
            if i in facts
        ]
        more = (
            f'<p class="muted">and {len(ids) - SHIPMENTS_PER_ALERT:,} more shipments '
            "(alerts.csv lists them all).</p>"
            if len(ids) > SHIPMENTS_PER_ALERT
            else ""
        )
        blocks.append(
            f"<h3>{esc(a['alert_id'])} · <span class='tag match'>{esc(a['kind'])}</span> · "
            f"score {a['score']:.2f} · {esc(KIND_TEXT.get(a['kind'], ''))}</h3>"
            + charts.chain(nodes, leg_text, f"shipment chain of {a['alert_id']}")
            + f"<p>{esc(a['explanation'])}</p>"
            + f"<details{' open' if k < OPEN_ALERTS else ''}><summary>shipments</summary>"
            + table(
                ["shipment", "date", "HS code", "value USD", "shipper", "consignee"],
                rows,
                numeric=(1, 3),
            )
            + more
            + "</details>"
        )
    overview_rows = [
        [
            a["alert_id"],
            a["kind"],
            a["score"],
            a["path_names"],
            len([i for i in (a["shipment_ids"] or "").split(";") if i]),
            a["first_date"],
            a["last_date"],
        ]
        for a in alerts[:TOP_ALERTS]
    ]
    alerts_body = (
        shown(len(blocks), len(alerts), "alerts, highest score first")
        + table(
            ["alert", "kind", "score", "path (listed party last)", "shipments", "first", "last"],
            overview_rows,
            numeric=(2, 4, 5, 6),
        )
        + "".join(blocks)
    )
    listed = [e for e in entities.values() if e["list_id"]]
    listed_table = table(
        ["entity", "name", "countries", "list_id"],
        [[e["entity_id"], e["name"], e["countries"], e["list_id"]] for e in listed],
    )
    sections = [
        section("Summary", overview + by_kind, "summary"),
        section("Alerts", alerts_body or Raw("").html, "alerts"),
        section("Listed entities in the network", listed_table, "listed"),
    ]
    return page(
        "resolver flows",
        f"{s['shipments']:,} shipments · window {s.get('window_days')} days · model {s.get('model', '')}",
        sections,
    )


def write_flows_report(result: FlowsResult, target: Path) -> Path:
    """Write the flows report to ``target`` atomically."""
    return write_page(flows_report(result), target)
