"""resolver screen for a reviewer: readable columns, alerts only, decisions fed back, explain."""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.csv  # noqa: F401 (pa.csv)
import pytest

from resolver.cli import main
from resolver.report.browser import rendered_dom, screenshot
from resolver.review.explain import explain_pair
from resolver.screening import Screener
from tests.report_checks import assert_self_contained, needs_chromium, png_size, text_of


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def screen(*argv) -> None:
    assert main(["-q", "screen", *map(str, argv)]) == 0


@pytest.fixture(scope="module")
def runs(tmp_path_factory, synth_dir):
    """The same records screened: alerts only, every candidate, and from a dedupe folder."""
    base = tmp_path_factory.mktemp("screen")
    parties, lst = synth_dir / "parties.csv", synth_dir / "list.csv"
    screen(parties, "--list", lst, "--out", base / "alerts")
    screen(parties, "--list", lst, "--out", base / "all", "--all-candidates")
    assert main(["-q", "dedupe", str(parties), "--out", str(base / "dedupe")]) == 0
    screen(base / "dedupe", "--list", lst, "--out", base / "entities")
    return base


def test_matches_name_the_record_and_hold_alerts_only(runs, synth_dir):
    inputs = {r["id"]: r for r in rows_of(synth_dir / "parties.csv")}
    alerts = rows_of(runs / "alerts" / "matches.csv")
    assert {"name", "country", "status"} <= set(alerts[0])  # the order: test_dedupe's CLI test
    summary = json.loads((runs / "alerts" / "summary.json").read_text())
    assert len(alerts) == summary["matches"] == summary["alerts"] > 0
    for row in alerts:
        assert row["name"] == inputs[row["id"]]["name"]
        assert row["country"] == inputs[row["id"]]["country"]
        assert row["status"] == "alert" and row["match"] == "true"
    every = rows_of(runs / "all" / "matches.csv")
    assert {r["status"] for r in every} == {"alert", "candidate"}
    key = lambda r: (r["id"], r["list_id"])  # noqa: E731
    assert {key(r) for r in every if r["status"] == "alert"} == {key(r) for r in alerts}
    assert sum(r["status"] == "candidate" for r in every) == summary["candidates_below_threshold"]


def test_with_entities_rows_name_the_entity_as_dedupe_does(runs):
    names = {e["entity_id"]: e["name"] for e in rows_of(runs / "dedupe" / "entities.csv")}
    countries = {e["entity_id"]: e["countries"] for e in rows_of(runs / "dedupe" / "entities.csv")}
    entity_of = {r["id"]: r["entity_id"] for r in rows_of(runs / "dedupe" / "clusters.csv")}
    matches = rows_of(runs / "entities" / "matches.csv")
    assert list(matches[0])[3:5] == ["entity_id", "entity_name"]
    for row in matches:
        assert row["entity_id"] == entity_of[row["id"]]
        assert row["entity_name"] == names[row["entity_id"]]
    rolled = rows_of(runs / "entities" / "entity_matches.csv")
    assert list(rolled[0])[:3] == ["entity_id", "entity_name", "entity_countries"]
    for row in rolled:
        assert row["entity_name"] == names[row["entity_id"]]
        assert row["entity_countries"] == countries[row["entity_id"]]
        assert row["status"] == "alert"


@pytest.fixture(scope="module")
def decided(runs, synth_dir, tmp_path_factory):
    """A second run with decisions: the top alert judged no match, a candidate a match."""
    every = rows_of(runs / "all" / "matches.csv")
    alert = max((r for r in every if r["status"] == "alert"), key=lambda r: float(r["score"]))
    candidate = next(r for r in every if r["status"] == "candidate")
    path = tmp_path_factory.mktemp("decisions") / "decisions.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["id", "list_id", "decision", "note", "reviewer", "date"])
        w.writerow(
            [
                alert["id"],
                alert["list_id"],
                "no_match",
                "namesake, other city",
                "anna",
                "2025-01-10",
            ]
        )
        w.writerow([candidate["id"], candidate["list_id"], "match", "same tax id", "bo", ""])
    out = runs / "decided"
    screen(
        synth_dir / "parties.csv",
        "--list",
        synth_dir / "list.csv",
        "--out",
        out,
        "--decisions",
        path,
    )
    return out, alert, candidate, path


def test_decisions_suppress_and_confirm(decided, runs):
    out, alert, candidate, _path = decided
    rows = {(r["id"], r["list_id"]): r for r in rows_of(out / "matches.csv")}
    gone = rows[(alert["id"], alert["list_id"])]
    assert gone["status"] == "suppressed"
    assert gone["decision_note"] == "no_match by anna on 2025-01-10: namesake, other city"
    kept = rows[(candidate["id"], candidate["list_id"])]
    assert kept["status"] == "confirmed" and kept["match"] == "false"
    before = json.loads((runs / "alerts" / "summary.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["alerts"] == before["alerts"] - 1
    assert summary["decisions"]["suppressed"] == 1 and summary["decisions"]["confirmed"] == 1
    assert sum(r["status"] == "alert" for r in rows.values()) == summary["alerts"]


def test_the_python_api_gives_the_command_lines_tables(decided, synth_dir, tmp_path):
    """``Screener.screen`` itself applies the decisions and keeps alerts only (or every
    candidate): its saved files are the command line's."""
    out, _alert, _candidate, decisions = decided
    screener = Screener.load(synth_dir / "list.csv")
    result = screener.screen(synth_dir / "parties.csv", decisions=decisions)
    saved = result.save(tmp_path / "api")
    assert (saved / "matches.csv").read_bytes() == (out / "matches.csv").read_bytes()
    every = screener.screen(synth_dir / "parties.csv", all_candidates=True).matches
    statuses = set(every.column("status").to_pylist())
    assert statuses == {"alert", "candidate"} and every.num_rows > result.matches.num_rows


def test_waterfalls_are_the_screens_own_levels_and_weights(synth_dir):
    """Each alert's waterfall names a level of each comparison (its id) with that level's exact
    weight (0 where the record lacks the field, as screening scores it) and ends at the
    alert's score; its weights are ``screen_one``'s."""
    screener = Screener.load(synth_dir / "list.csv")
    records = pa.csv.read_csv(
        synth_dir / "parties.csv",
        convert_options=pa.csv.ConvertOptions(
            column_types={c: pa.string() for c in ("id", "tax_id", "postcode")}
        ),
    )
    result = screener.screen(records)
    comparisons = {c.name: c for c in screener.comparisons}
    by_id = {r["id"]: r for r in records.to_pylist()}
    rows = result.matches.to_pylist()
    assert len(rows) >= 20
    lacking = 0
    for row in rows:
        steps = result.waterfall(row["id"], row["list_id"])
        assert [s.comparison for s in steps] == ["prior", *comparisons]
        for step in steps[1:]:
            level = next(
                lv for lv in comparisons[step.comparison].levels if lv.level.id == step.level_id
            )
            assert step.level == level.level.text
            if step.weight != level.weight:  # the record lacks the field: no weight
                assert step.weight == 0.0 and level.level.absent_on_one_side is not None
                lacking += 1
        assert round(steps[-1].probability, 4) == row["score"]
        one = {m.list_id: m for m in screener.screen_one(by_id[row["id"]])}[row["list_id"]]
        assert {s.comparison: round(s.weight, 4) for s in steps[1:]} == one.weights
    assert lacking, "some alert should have a field its record lacks"
    assert result.waterfall(rows[0]["id"], "no-such-party") is None


def test_a_bad_decisions_file_stops_before_the_run(tmp_path, synth_dir, capsys):
    bad = tmp_path / "d.csv"
    bad.write_text("id,list_id,decision\np0000001,L1,maybe\n", encoding="utf-8")
    argv = ["screen", str(synth_dir / "parties.csv"), "--list", str(synth_dir / "list.csv")]
    assert main([*argv, "--out", str(tmp_path / "o"), "--decisions", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: line 2, column decision: 'maybe'" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_explain_a_screening_pair_gives_the_runs_score(runs, capsys):
    alerts = rows_of(runs / "alerts" / "matches.csv")
    for row in alerts[:3]:
        ex = explain_pair(runs / "alerts", row["id"], row["list_id"])
        assert ex.kind == "screen" and ex.steps[0].comparison == "prior"
        assert round(ex.probability, 4) == pytest.approx(float(row["score"]))
        assert ex.notes == ["in the run's matches.csv: alert"]
    row = alerts[0]
    assert main(["explain", str(runs / "alerts"), row["id"], row["list_id"]]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "running total" in text and row["list_id"] in text
    assert main(["explain", str(runs / "alerts"), row["id"], "no-such-party"]) == 2
    assert "no listed party 'no-such-party'" in capsys.readouterr().err


@needs_chromium
def test_screen_report_shows_alerts_evidence_and_suppressed(decided, tmp_path):
    out, alert, _candidate, _path = decided
    html = (out / "report.html").read_text(encoding="utf-8")
    assert_self_contained(html)
    summary = json.loads((out / "summary.json").read_text())
    text = text_of(rendered_dom(out / "report.html"))
    assert f"{summary['records']:,} records screened" in text
    assert f"{summary['alerts']:,} alerts" in text
    assert "1 suppressed (decisions)" in text and "1 confirmed (decisions)" in text
    assert "Suppressed: judged no match" in text
    assert "no_match by anna on 2025-01-10: namesake, other city" in text
    assert "evidence step by step" in text and "running total" in text
    shot = screenshot(out / "report.html", tmp_path / "screen.png", width=1200, height=1600)
    assert png_size(shot) == (1200, 1600) and shot.stat().st_size > 50_000
