"""Model files: keyed by level id, checked against the spec on load, old files migrated."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from resolver.cli import main
from resolver.errors import ModelError
from resolver.model.migrate import V1_LABELS, migrate_v1
from resolver.model.migrate import main as migrate_main
from resolver.model.params import FORMAT_VERSION, ModelParams, default_model_path
from resolver.model.spec import COMPARISONS


@pytest.fixture(scope="module")
def shipped() -> dict:
    path = default_model_path()
    if not path.exists():
        pytest.skip(f"default model not found: {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def test_shipped_model_holds_every_level_of_the_spec(shipped) -> None:
    assert shipped["format_version"] == FORMAT_VERSION
    params = ModelParams.from_dict(shipped)
    for spec in COMPARISONS:
        assert [lv["id"] for lv in params.comparisons[spec.name]] == [
            lv.id for lv in spec.scored_levels
        ]


def _edited(shipped: dict, edit) -> dict:
    data = copy.deepcopy(shipped)
    edit(data)
    return data


EDITS = {
    "name comparison deleted": (lambda d: d["comparisons"].pop("name"), "no name comparison"),
    "threshold 5": (lambda d: d.update(threshold=5), "threshold must be between 0 and 1"),
    "threshold -1": (lambda d: d.update(threshold=-1), "threshold must be between 0 and 1"),
    "negative matches per profile": (
        lambda d: d.update(expected_matches_per_profile=-3),
        "expected_matches_per_profile must be > 0",
    ),
    "prior 0": (
        lambda d: d.update(probability_two_random_records_match=0),
        "probability_two_random_records_match must be between 0 and 1",
    ),
    "m = 0": (lambda d: d["comparisons"]["name"][0].update(m=0), "m must be a probability"),
    "u = 0": (lambda d: d["comparisons"]["tax_id"][2].update(u=0.0), "u must be a probability"),
    "m = 1": (lambda d: d["comparisons"]["country"][0].update(m=1.0), "m must be a probability"),
    "u text": (lambda d: d["comparisons"]["country"][0].update(u="0.1"), "u must be a probability"),
    "level deleted": (
        lambda d: d["comparisons"]["legal_form"].pop(2),
        "missing levels legal_form.one_missing",
    ),
    "unknown level": (
        lambda d: d["comparisons"]["country"][0].update(id="country.similar"),
        "unknown levels country.similar",
    ),
    "levels swapped": (
        lambda d: d["comparisons"]["country"].reverse(),
        "levels out of order",
    ),
    "label field": (
        lambda d: d["comparisons"]["country"][0].update(label="country: same"),
        "unexpected fields label",
    ),
    "unknown comparison": (
        lambda d: d["comparisons"].update(colour=[]),
        "unknown comparisons colour",
    ),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_edited_model_is_refused_with_exit_2_naming_the_file(shipped, tmp_path, capsys, case):
    edit, message = EDITS[case]
    model = tmp_path / "edited.json"
    model.write_text(json.dumps(_edited(shipped, edit)), encoding="utf-8")
    records = tmp_path / "r.csv"
    records.write_text("id,name\n1,Acme\n", encoding="utf-8")
    code = main(["dedupe", str(records), "--out", str(tmp_path / "o"), "--model", str(model)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and str(model) in err and "Traceback" not in err


def _as_v1(shipped: dict) -> dict:
    """The shipped model as a version-1 file wrote it (levels keyed by their old labels)."""
    data = copy.deepcopy(shipped)
    data["format_version"] = 1
    for name, levels in data["comparisons"].items():
        label_of = {i: label for label, i in V1_LABELS[name].items()}
        for level in levels:
            level_id = level.pop("id")
            level["label"] = label_of.get(level_id, level_id)  # a level v1 never had: any label
    return data


def test_version_1_file_is_refused_with_the_migration_command(shipped, tmp_path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps(_as_v1(shipped)), encoding="utf-8")
    with pytest.raises(ModelError, match="python -m resolver.model.migrate"):
        ModelParams.load(old)


@pytest.fixture(scope="module")
def version_1_levels(shipped) -> dict:
    """A format-2 model of the level set version-1 files had (feature version 8): what
    migrating such a file must give."""
    data = copy.deepcopy(shipped)
    data["feature_version"] = "8"
    data["comparisons"] = {
        name: [{"id": i, "m": 0.5, "u": 0.25 + k / 1000} for k, i in enumerate(ids.values())]
        for name, ids in V1_LABELS.items()
    }
    return data


def test_migration_gives_the_same_parameters(version_1_levels, tmp_path: Path, capsys) -> None:
    v1 = _as_v1(version_1_levels)
    assert migrate_v1(v1) == version_1_levels
    # every version-1 file has the old features: migrated, it still asks for a retrain
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(v1), encoding="utf-8")
    assert migrate_main([str(old), str(new)]) == 2
    assert "retrain the model" in capsys.readouterr().err and not new.exists()


def test_migration_replaces_only_a_model_file(version_1_levels, tmp_path: Path, capsys) -> None:
    """In place, or over another model file; never over other data, a link or a folder."""
    old = tmp_path / "old.json"
    old.write_text(json.dumps(_as_v1(version_1_levels)), encoding="utf-8")
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": true}', encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(old)
    for target, message in ((notes, "is not a resolver model file"), (link, "symbolic link")):
        assert migrate_main([str(old), str(target)]) == 2
        assert message in capsys.readouterr().err
    assert json.loads(notes.read_text(encoding="utf-8")) == {"mine": True} and link.is_symlink()
    before = old.read_text(encoding="utf-8")
    assert migrate_main([str(old)]) == 2  # old features: refused, the file left as it was
    assert old.read_text(encoding="utf-8") == before


def test_unknown_version_1_label_is_refused(shipped) -> None:
    v1 = _as_v1(shipped)
    v1["comparisons"]["name"][0]["label"] = "name: something else"
    with pytest.raises(ModelError, match="unknown version-1 level"):
        migrate_v1(v1)
