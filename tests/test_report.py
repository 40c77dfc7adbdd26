"""report.html of each run: self-contained, and its key numbers show in headless Chromium."""

from __future__ import annotations

import json

import pytest

from resolver.cli import main
from resolver.report.browser import rendered_dom, screenshot
from tests.report_checks import assert_self_contained, needs_chromium, png_size, text_of


@pytest.fixture(scope="module")
def dedupe_out(tmp_path_factory, synth_dir):
    out = tmp_path_factory.mktemp("report") / "dedupe"
    assert main(["-q", "dedupe", str(synth_dir / "parties.csv"), "--out", str(out)]) == 0
    return out


def test_dedupe_report_is_written_and_self_contained(dedupe_out):
    marker = json.loads((dedupe_out / ".resolver-output.json").read_text())
    assert "report.html" in marker["files"]
    assert_self_contained((dedupe_out / "report.html").read_text(encoding="utf-8"))


@needs_chromium
def test_dedupe_report_in_chromium(dedupe_out, tmp_path):
    summary = json.loads((dedupe_out / "summary.json").read_text())
    page = dedupe_out / "report.html"
    text = text_of(rendered_dom(page))
    for label, value in (
        ("records", summary["records"]),
        ("entities", summary["entities"]),
        ("largest entity (records)", summary["largest_entity"]),
        ("pairs at/above threshold", summary["pairs_at_or_above_threshold"]),
    ):
        assert f"{value:,} {label}" in text, label
    assert f"threshold {summary['threshold']:g}" in text
    assert "Largest entities" in text and "Most mixed entities" in text
    shot = screenshot(page, tmp_path / "dedupe.png", width=1200, height=1600)
    assert png_size(shot) == (1200, 1600)
    assert shot.stat().st_size > 50_000  # a blank page compresses to a few kilobytes


@pytest.fixture(scope="module")
def flows_out(tmp_path_factory):
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures"
    out = tmp_path_factory.mktemp("report") / "flows"
    argv = ["-q", "flows", str(fixtures / "flows_seed_shipments.csv")]
    assert main([*argv, "--list", str(fixtures / "flows_seed_list.csv"), "--out", str(out)]) == 0
    return out


def test_flows_report_is_written_and_self_contained(flows_out):
    marker = json.loads((flows_out / ".resolver-output.json").read_text())
    assert "report.html" in marker["files"]
    assert_self_contained((flows_out / "report.html").read_text(encoding="utf-8"))


@needs_chromium
def test_flows_report_in_chromium_shows_each_alert_with_its_chain(flows_out, tmp_path):
    import csv

    summary = json.loads((flows_out / "summary.json").read_text())
    with open(flows_out / "alerts.csv", newline="", encoding="utf-8") as handle:
        alerts = list(csv.DictReader(handle))
    page = flows_out / "report.html"
    text = text_of(rendered_dom(page))
    assert f"{summary['shipments']:,} shipments" in text
    assert f"{len(alerts)} alerts, highest score first" in text
    for kind, n in summary["alerts"].items():
        assert f"{n:,} alerts: {kind}" in text
    via = next(a for a in alerts if a["kind"] == "via_intermediary")
    start = text.index(f"{via['alert_id']} · via_intermediary")  # its block, after the table
    block = text[start : start + 400]
    boxes = [block.index(name[:27]) for name in via["path_names"].split("; ")]
    assert boxes == sorted(boxes)  # the chain's boxes, supplier to listed party
    first = alerts[0]
    for shipment in first["shipment_ids"].split(";")[:5]:  # its shipments are listed
        assert shipment in text
    shot = screenshot(page, tmp_path / "flows.png", width=1200, height=1600)
    assert png_size(shot) == (1200, 1600) and shot.stat().st_size > 50_000


def test_record_text_cannot_inject_markup(tmp_path):
    """Names reach the report escaped: a hostile name is text, not a script or a link."""
    hostile = '<script>alert(1)</script><img src="http://x/y.png"> & "Co"'
    path = tmp_path / "in.csv"
    path.write_text(
        "id,name,country,tax_id\n"
        + "".join(
            f'{i},"{hostile.replace(chr(34), chr(34) * 2)}",RU,7701234567\n' for i in range(3)
        )
        + "9,Other Trading LLC,AE,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["-q", "dedupe", str(path), "--out", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert_self_contained(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=&quot;http://x/y.png&quot;&gt;" in html
