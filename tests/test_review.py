"""Outputs for a reviewer: entity names, links.csv, the model in use, explain, progress."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from resolver import Resolver
from resolver.cli import main
from resolver.model.params import ModelParams
from resolver.review.evidence import comparisons_of, gammas_from_weights
from resolver.review.explain import explain_pair
from resolver.review.links import ALONE, BLANK_NAME, LINK_COLUMNS, SAME_PROFILE
from resolver.review.spelling import (
    is_cut_from,
    representative,
    representative_names,
    truncated,
)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def run(tmp_path_factory, synth_dir):
    out = tmp_path_factory.mktemp("review") / "out"
    assert main(["-q", "dedupe", str(synth_dir / "parties.csv"), "--out", str(out)]) == 0
    return out


# ---- entity names ----


def test_a_cut_spelling_is_recognised():
    full = '"TORGOVYI DOM VOSTOK" LIMITED LIABILITY COMPANY'
    assert is_cut_from('"TORGOVYI DOM VOSTOK" LIMITED LIABI', full)
    assert is_cut_from('"Torgovyi Dom Vostok"  Limited Liabi', full)  # case and spacing
    assert is_cut_from(full[:35].rstrip(), full)  # cut at the field width on a space
    assert not is_cut_from('"TORGOVYI DOM VOSTOK"', full)  # a short form, not a cut
    assert not is_cut_from(full, full)
    assert not is_cut_from("ACME", "ACME TRADING")
    assert truncated(["ACME TRADING LI", "ACME TRADING LIMITED", "ACME"]) == {"ACME TRADING LI"}


def test_entity_name_is_the_most_common_complete_spelling():
    cut = '"TORGOVYI DOM VOSTOK" LIMITED LIABI'
    full = '"TORGOVYI DOM VOSTOK" LIMITED LIABILITY COMPANY'
    assert representative([(cut, 5), (full, 1), ("TD VOSTOK LLC", 2)]) == "TD VOSTOK LLC"
    assert representative([(cut, 5), (full, 1)]) == full
    assert representative([(cut, 3)]) == cut  # nothing better: the cut spelling stays
    assert representative([("B", 2), ("A", 2)]) == "A"  # ties: code-point order


def test_representative_names_name_every_entity_once_in_id_order():
    cut = '"TORGOVYI DOM VOSTOK" LIMITED LIABI'
    rows = [
        ("E2", cut, 5),
        ("Ä1", "Ölwerk", 1),  # one spelling, a non-ASCII id: after every ASCII id
        ("E1", "", 3),  # a blank spelling names nothing
        ("E2", cut + "LITY COMPANY", 1),
        ("E3", "B", 2),
        ("E3", "A", 2),
        ("E1", "ACME", 1),
        ("E4", "", 1),
    ]
    spellings = pa.table(
        {
            "entity_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "n": pa.array([r[2] for r in rows], pa.int64()),
        }
    )
    names = representative_names(spellings).to_pydict()
    assert names == {
        "entity_id": ["E1", "E2", "E3", "E4", "Ä1"],
        "name": ["ACME", cut + "LITY COMPANY", "A", None, "Ölwerk"],
    }


def test_dedupe_names_an_entity_by_a_complete_spelling(tmp_path):
    cut = '"TORGOVYI DOM VOSTOK" LIMITED LIABI'
    rows = [("1", cut), ("2", cut), ("3", cut + "LITY COMPANY"), ("4", "ACME TRADING")]
    path = tmp_path / "in.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["id", "name", "city", "country", "tax_id"])
        for i, name in rows:
            w.writerow([i, name, "Moscow", "RU", "7701234567" if i != "4" else ""])
    result = Resolver.load().dedupe(path)
    entity_of = dict(
        zip(*result.clusters.select(["id", "entity_id"]).to_pydict().values(), strict=True)
    )
    assert len({entity_of[i] for i in "123"}) == 1
    names = dict(
        zip(*result.entities.select(["entity_id", "name"]).to_pydict().values(), strict=True)
    )
    assert names[entity_of["1"]] == cut + "LITY COMPANY"


# ---- links.csv ----


def test_links_give_every_record_its_neighbour_in_its_entity(run, synth_dir):
    links = read_rows(run / "links.csv")
    clusters = read_rows(run / "clusters.csv")
    assert list(links[0]) == list(LINK_COLUMNS)
    assert [r["id"] for r in links] == [r["id"] for r in clusters]  # every record, input order
    entity_of = {r["id"]: r["entity_id"] for r in clusters}
    name_of = {r["id"]: r["name"] for r in clusters}
    size_of = {r["id"]: int(r["cluster_size"]) for r in clusters}
    blank_of = {r["id"]: r["unmatchable"] for r in clusters}
    kinds = {"scored": 0, "same": 0, "alone": 0}
    for link in links:
        assert link["entity_id"] == entity_of[link["id"]] and link["name"] == name_of[link["id"]]
        if size_of[link["id"]] == 1:
            blank = blank_of[link["id"]] == "true"
            assert link["linked_id"] == "" and link["evidence"] == (BLANK_NAME if blank else ALONE)
            kinds["alone"] += 1
            continue
        assert link["linked_id"] and link["linked_id"] != link["id"]
        assert entity_of[link["linked_id"]] == link["entity_id"]  # holds it in its entity
        assert link["linked_name"] == name_of[link["linked_id"]]
        if link["score"]:
            kinds["scored"] += 1
            assert float(link["score"]) >= 0.0 and "name:" in link["evidence"]
        else:
            kinds["same"] += 1
            assert link["evidence"] == SAME_PROFILE
    assert kinds["scored"] and kinds["same"] and kinds["alone"]


def test_a_link_is_the_pair_the_run_scored(run):
    """The link's score and words are those of the pair in pairs.parquet (through explain,
    which rebuilds the records' profiles from clusters.csv)."""
    links = [r for r in read_rows(run / "links.csv") if r["score"]][:8]
    for link in links:
        ex = explain_pair(run, link["id"], link["linked_id"])
        assert ex.source.startswith("as scored by the run")
        assert round(ex.probability, 4) == pytest.approx(float(link["score"]))
        for step in ex.steps[1:]:
            if abs(step.weight) >= 0.05 and step.level != "missing":
                assert f"{step.level} {step.weight:+.1f}" in link["evidence"]


# ---- the model in use ----


def test_every_scored_weight_is_a_level_of_the_model_in_use(run):
    summary = json.loads((run / "summary.json").read_text())
    assert summary["m_measured_on_pairs"], "the data should re-measure the tax id's m"
    model = ModelParams.load(run / "model.json")
    comparisons = comparisons_of(model)
    pairs = pq.read_table(run / "pairs.parquet").to_pylist()
    prior = summary["prior"]
    from resolver.model.scoring import logit2

    for row in pairs:
        weights = {c.name: row[f"mw_{c.name}"] for c in comparisons}
        gammas = gammas_from_weights(comparisons, weights)  # raises for a weight of no level
        assert set(gammas) == set(weights)
        assert logit2(prior) + sum(weights.values()) == pytest.approx(row["match_weight"])


# ---- explain ----


def test_scoring_a_pair_now_gives_the_runs_weights(run):
    """The path for pairs the run did not score, run on pairs it did: same numbers."""
    from resolver.engine import Engine
    from resolver.features import build_features
    from resolver.io.readers import read_records, read_table
    from resolver.io.schema import RESERVED_OUTPUT_COLUMNS
    from resolver.review.explain import _score_now

    summary = json.loads((run / "summary.json").read_text())
    model = ModelParams.load(run / "model.json")
    raw = read_table(run / "clusters.csv")
    table = read_records(
        raw.drop_columns([c for c in RESERVED_OUTPUT_COLUMNS if c in raw.column_names])
    )
    engine = Engine()
    try:
        profiles = build_features(table, engine.con).profiles
        pairs = pq.read_table(run / "pairs.parquet").slice(0, 400).to_pylist()[::40]
        for row in pairs:
            now = _score_now(engine, model, profiles, (row["id_l"], row["id_r"]), summary["prior"])
            for name, weight in now.items():
                assert weight == pytest.approx(row[f"mw_{name}"], abs=1e-9), name
    finally:
        engine.close()


def test_explain_cli_prints_the_waterfall(run, capsys):
    link = next(r for r in read_rows(run / "links.csv") if r["score"])
    assert main(["explain", str(run), link["id"], link["linked_id"]]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "running total" in text and "probability" in text and "prior" in text
    assert "as scored by the run" in text and f"same entity {link['entity_id']}" in text


def test_explain_a_pair_the_run_did_not_score(run):
    clusters = read_rows(run / "clusters.csv")
    pairs = pq.read_table(run / "pairs.parquet", columns=["id_l", "id_r"]).to_pylist()
    scored = {(p["id_l"], p["id_r"]) for p in pairs}
    a = clusters[0]
    b = next(
        r
        for r in clusters[1:]
        if r["entity_id"] != a["entity_id"] and tuple(sorted((a["id"], r["id"]))) not in scored
    )
    ex = explain_pair(run, a["id"], b["id"])
    assert ex.source.startswith("scored now")
    assert ex.probability < ex.threshold
    assert [s.comparison for s in ex.steps][0] == "prior"
    assert ex.steps[-1].total == pytest.approx(sum(s.weight for s in ex.steps))
    assert "different entities" in ex.notes[0]


def test_explain_refuses_bad_input_in_one_line(run, tmp_path, capsys):
    assert main(["explain", str(run), "p0000001", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no record with id 'nope'" in err and err.count("\n") == 1
    assert main(["explain", str(tmp_path), "a", "b"]) == 2
    assert "not a resolver output folder" in capsys.readouterr().err
    assert main(["explain", str(run), "p0000001", "p0000001"]) == 2


# ---- progress ----


def test_progress_shows_steps_on_a_terminal_only():
    from resolver.progress import step_progress

    for terminal, quiet, shown in ((True, False, True), (True, True, False), (False, False, False)):
        buffer = io.StringIO()
        console = Console(file=buffer, force_terminal=terminal, width=100)
        with step_progress("dedupe", ["reading", "features"], console, quiet=quiet) as step:
            step("reading")
            step("features")
            step("outputs")  # a step not announced is counted too
        text = buffer.getvalue()
        assert ("dedupe" in text) is shown, (terminal, quiet)


def test_cli_quiet_silences_the_progress_bar(tmp_path, small_csv, monkeypatch):
    from resolver import commands

    for quiet in (False, True):
        buffer = io.StringIO()
        monkeypatch.setattr(commands, "err", Console(file=buffer, force_terminal=True, width=100))
        argv = ["dedupe", str(small_csv), "--out", str(tmp_path / f"o{quiet}")]
        assert main((["--quiet"] if quiet else []) + argv) == 0
        assert ("normalizing" in buffer.getvalue()) is not quiet


def test_links_are_written_as_parquet_too(tmp_path, small_csv):
    assert (
        main(["-q", "dedupe", str(small_csv), "--out", str(tmp_path / "o"), "--format", "parquet"])
        == 0
    )
    links = pq.read_table(tmp_path / "o" / "links.parquet")
    assert (
        links.column_names == list(LINK_COLUMNS)
        and links.schema.field("score").type == pa.float64()
    )
