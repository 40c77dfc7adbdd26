"""Review decisions: the file is read strictly, and training learns from its match pairs."""

from __future__ import annotations

import csv
import json

import pytest

from resolver.cli import main
from resolver.errors import InputError
from resolver.review.decisions import is_decisions_file, read_decisions

HEADER = "id,list_id,other_id,decision,note,reviewer,date,score\n"


def write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return path


def test_a_decisions_file_is_read_by_pair(tmp_path):
    path = write(
        tmp_path / "d.csv",
        "\ufeff"
        + HEADER
        + 'r1,ofac:1,,no_match,"different company, same name",anna,2025-01-10,0.93\n'
        + "r2,ofac:1,,MATCH,,anna,,0.99\n"
        + "r3,,r1,match,same tax id,bo,2025-02-01,\n"
        + "r4,ofac:2,,,,,,0.7\n"  # not decided yet
        + "r1,ofac:1,,no_match,checked again,carl,2025-03-01,0.93\n",  # same verdict: later row
    )
    d = read_decisions(path)
    assert len(d) == 3 and is_decisions_file(path)
    first = d.on_list[("r1", "ofac:1")]
    assert not first.match and first.note == "checked again" and first.line == 6
    assert d.on_list[("r2", "ofac:1")].match
    pair = d.records[("r1", "r3")]  # smaller id first
    assert pair.match and pair.reviewer == "bo" and pair.date == "2025-02-01"
    assert ("r4", "ofac:2") not in d.on_list


@pytest.mark.parametrize(
    "text, expected",
    [
        ("id,list_id,note\nr1,L1,x\n", "line 1: missing column decision"),
        ("id,decision\nr1,match\n", "missing column list_id or other_id"),
        ("id,list_id,list_id,decision\nr1,L,L,match\n", "line 1: duplicate columns list_id"),
        (HEADER + "r1,L1,,yes,,,,\n", "line 2, column decision: 'yes' is not match or no_match"),
        (HEADER + ",L1,,match,,,,\n", "line 2, column id: blank"),
        (HEADER + "r1,L1,r2,match,,,,\n", "line 2: give either list_id (screening) or other_id"),
        (HEADER + "r1,,,match,,,,\n", "got neither list_id nor other_id"),
        (HEADER + "r1,,r1,match,,,,\n", "line 2, column other_id: the same id as column id"),
        (HEADER + "r1,L1,,match,,,10/01/2025,\n", "line 2, column date: '10/01/2025' is not"),
        (HEADER + "r1,L1,,match\n", "line 2: 4 fields, the header has 8"),
        (HEADER + "r1,L1,,match,,,,\nr1,L1,,no_match,,,,\n", "line 3: no_match contradicts line 2"),
        (HEADER + 'r1,L1,,match,"unclosed,,,\n', "malformed CSV"),
        (HEADER + "r1,L1,,,,,,\n", "no decisions"),
        ("", "file is empty"),
    ],
)
def test_bad_decisions_are_named_by_file_line_and_column(tmp_path, text, expected):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(InputError) as info:
        read_decisions(path)
    assert str(path) in info.value.message and expected in info.value.message


def _match_decisions(truth_csv, path, n_entities=60):
    """Decisions a reviewer could have made: records of one true entity are a match."""
    by_entity: dict[str, list[str]] = {}
    with open(truth_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_entity.setdefault(row["entity_id"], []).append(row["id"])
    rows = []
    for ids in list(by_entity.values())[:n_entities]:
        rows += [(a, b) for a, b in zip(ids, ids[1:], strict=False)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["id", "other_id", "decision", "note"])
        w.writerows((a, b, "match", "same company") for a, b in rows)
        w.writerow([rows[0][0], rows[-1][1], "no_match", "two companies"])
    return path, len(rows)


def test_train_learns_m_from_match_decisions(tmp_path, synth_dir, trained_model, capsys):
    """``trained_model``: the same data and seed without labels."""
    labels, n = _match_decisions(synth_dir / "truth.csv", tmp_path / "decisions.csv")
    model = tmp_path / "m.json"
    argv = ["train", str(synth_dir / "parties.csv"), "--seed", "1", "--out", str(model)]
    assert main([*argv, "--labels", str(labels)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    meta = json.loads(model.read_text())["metadata"]
    info = meta["labels"]
    assert info["shape"] == "decisions" and 0 < info["match_pairs"] <= n
    assert info["no_match_not_used"] == 1 and "1 no_match decisions not used" in printed
    assert meta["trained_on"]["labelled_pairs"] == info["match_pairs"]
    labelled = json.loads(model.read_text())["comparisons"]
    assert labelled != json.loads(trained_model.read_text())["comparisons"]  # labels changed m


def test_train_labels_with_an_unknown_id_is_one_line_exit_2(tmp_path, synth_dir, capsys):
    labels = write(tmp_path / "d.csv", "id,other_id,decision\np0000001,nope,match\n")
    argv = ["train", str(synth_dir / "parties.csv"), "--out", str(tmp_path / "m.json")]
    assert main([*argv, "--labels", str(labels)]) == 2
    err = capsys.readouterr().err
    assert f"{labels}: line 2: id 'nope' is not in the training data" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("id,entity_id\np0000001,E1\np0000002,\n", "line 3, column entity_id: blank"),
        ("id,entity_id\np0000001,E1\np0000001,E2\n", "line 3: id 'p0000001' is in entity 'E2'"),
        ("id,cluster\np0000001,E1\n", "missing column 'entity_id'"),
    ],
)
def test_entity_labels_are_checked_too(tmp_path, synth_dir, capsys, text, expected):
    labels = write(tmp_path / "labels.csv", text)
    argv = ["train", str(synth_dir / "parties.csv"), "--out", str(tmp_path / "m.json")]
    assert main([*argv, "--labels", str(labels)]) == 2
    err = capsys.readouterr().err
    assert str(labels) in err and expected in err
