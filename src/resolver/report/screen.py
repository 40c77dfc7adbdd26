"""The screening report: counts, scores against the threshold, each alert with the evidence
step by step, and the alerts a reviewer already judged no match (suppressed) with the note."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from resolver.report import charts, write_page
from resolver.report.html import Raw, cards, esc, page, section, shown, table
from resolver.review.screening import ALERT, CONFIRMED, SUPPRESSED

if TYPE_CHECKING:  # pragma: no cover
    from resolver.review.evidence import Step
    from resolver.screening import ScreenResult

TOP_WATERFALLS = 25  # the evidence of this many alerts (and confirmed matches), highest first
OPEN_WATERFALLS = 3  # the first alerts show their evidence, the others on a click
TOP_SUPPRESSED = 100
TOP_ALERTS = 500


def steps_block(steps: list[Step], title: str) -> str:
    """A waterfall chart and its table (level, weight, running total, probability)."""
    chart = charts.waterfall(
        [
            (
                f"{s.comparison}: {s.level}" if s.comparison != "prior" else "prior",
                s.weight,
                s.total,
            )
            for s in steps
        ],
        title,
    )
    rows = [
        [s.comparison, s.level, f"{s.weight:+.2f}", f"{s.total:+.2f}", f"{s.probability:.4f}"]
        for s in steps
    ]
    return chart + table(
        ["comparison", "level", "weight", "running total", "probability"], rows, numeric=(2, 3, 4)
    )


def screen_report(result: ScreenResult) -> str:
    """The report page of a screening run."""
    s = result.summary
    rows = result.matches.to_pylist()
    alerts = sorted(
        (r for r in rows if r["status"] in (ALERT, CONFIRMED)),
        key=lambda r: (-r["score"], r["id"], r["list_id"]),
    )
    suppressed = [r for r in rows if r["status"] == SUPPRESSED]
    decided = s.get("decisions")
    items = [
        ("records screened", s["records"]),
        ("listed parties", s["list_parties"]),
        ("list names", s["list_names"]),
        ("alerts", s["alerts"]),
        ("records with an alert", len({r["id"] for r in rows if r["status"] == ALERT})),
        ("candidates below threshold", s["candidates_below_threshold"]),
        ("threshold", f"{s['threshold']:g}"),
    ]
    if decided:
        items[4:4] = [
            ("confirmed (decisions)", decided["confirmed"]),
            ("suppressed (decisions)", decided["suppressed"]),
        ]
    overview = cards(items)
    lists = ", ".join(
        f"{name} ({v['parties']:,} parties, {v['names']:,} names)"
        for name, v in s["lists"]["sources"].items()
    )
    overview += f'<p class="muted">Lists: {esc(lists)}.</p>'
    if decided:
        overview += f'<p class="muted">Decisions: {esc(decided["file"])}.</p>'

    hist = charts.histogram(
        [100 * x for x in result.candidate_scores],
        [(100 * s["threshold"], f"threshold {s['threshold']:g}")],
        "candidates by score",
        bin_width=5.0,
        lowest=0.0,
        highest=100.0,
        axis="score (%)",
        counted="candidates",
    )

    has_entity = "entity_id" in result.matches.column_names
    listed = alerts[:TOP_ALERTS]
    alert_rows = [
        [
            r["id"],
            r["name"],
            r["country"],
            *([r["entity_name"]] if has_entity else []),
            r["list_id"],
            r["list_name"],
            r["score"],
            Raw(
                f"<span class='tag {'confirmed' if r['status'] == CONFIRMED else 'match'}'>"
                f"{esc(r['status'])}</span>"
            ),
        ]
        for r in listed
    ]
    alerts_table = shown(
        len(listed), len(alerts), "alerts and confirmed matches, highest score first"
    ) + table(
        [
            "id",
            "name",
            "country",
            *(["entity"] if has_entity else []),
            "list_id",
            "listed party",
            "score",
            "status",
        ],
        alert_rows,
        numeric=(6 if has_entity else 5,),
    )
    blocks = []
    for r in alerts[:TOP_WATERFALLS]:
        steps = result.waterfall(r["id"], r["list_id"])
        if steps is None:  # a result without its pairs' evidence
            continue
        who = f"{r['name']}" + (f" ({r['country']})" if r["country"] else "")
        head = (
            f"<h3>{esc(r['id'])} · {esc(who)} → {esc(r['list_id'])} {esc(r['list_name'])}"
            f" · score {r['score']:.4f} · {esc(r['status'])}</h3>"
        )
        if has_entity:
            head += f'<p class="muted">entity {esc(r["entity_id"])} {esc(r["entity_name"])}</p>'
        detail = f"<p>matched name: {esc(r['matched_name'])}; {esc(r['explanation'])}</p>"
        if r.get("decision_note"):
            detail += f"<p>{esc(r['decision_note'])}</p>"
        detail += (
            f"<details{' open' if len(blocks) < OPEN_WATERFALLS else ''}><summary>evidence step by step"
            "</summary>"
            + steps_block(steps, f"evidence for {r['id']} and {r['list_id']}")
            + "</details>"
        )
        blocks.append(head + detail)
    evidence = (
        f'<p class="muted">The {len(blocks):,} highest-scoring alerts; resolver explain OUT_DIR '
        "ID LIST_ID shows any pair.</p>" + "".join(blocks)
    )
    sections = [
        section("Summary", overview, "summary"),
        section("Candidates by score", hist, "scores"),
        section("Alerts", alerts_table, "alerts"),
        section("Evidence of the top alerts", evidence, "evidence"),
    ]
    if decided:
        sup_rows = [
            [
                r["id"],
                r["name"],
                r["list_id"],
                r["list_name"],
                r["score"],
                Raw(f"<span class='tag suppressed'>suppressed</span> {esc(r['decision_note'])}"),
            ]
            for r in suppressed[:TOP_SUPPRESSED]
        ]
        sections.append(
            section(
                "Suppressed: judged no match",
                shown(len(sup_rows), len(suppressed), "suppressed alerts")
                + table(
                    ["id", "name", "list_id", "listed party", "score", "decision"],
                    sup_rows,
                    numeric=(4,),
                ),
                "suppressed",
            )
        )
    return page(
        "resolver screen", f"{s['records']:,} records · model {s.get('model', '')}", sections
    )


def write_screen_report(result: ScreenResult, target: Path) -> Path:
    """Write the screen report to ``target`` atomically."""
    return write_page(screen_report(result), target)
