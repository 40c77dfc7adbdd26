"""Output safety (docs/RELIABILITY.md): resolver replaces only files it wrote, refuses folders it
must not write to, follows the umask, guards spreadsheet formulas and locks its output folder.

Every test writes under pytest's tmp_path; HOME, the temp folder and the working folder are
pointed into it where a test proves they are refused.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver import Resolver
from resolver.cli import main
from resolver.errors import UsageError

MARKER = ".resolver-output.json"  # the file that names a folder's files as resolver's

PARTIES = "id,name,country\n1,Alfa Trade LLC,RU\n2,ALFA TRADE LLC,RU\n3,Beta Logistics GmbH,DE\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to prove nothing was deleted or changed)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    """resolver's temporary names in a folder: staging / old folders, lock files."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if any(k in p.name for k in (".staging-", ".old-", ".lock"))
    )


@pytest.fixture
def parties(tmp_path) -> Path:
    path = tmp_path / "in" / "parties.csv"
    path.parent.mkdir()
    path.write_text(PARTIES, encoding="utf-8")
    return path


def dedupe(*args) -> int:
    return main(["dedupe", *map(str, args)])


# ---------------------------------------------------------------- --overwrite (issue 17, item 1)


def test_overwrite_never_deletes_the_input_folder(tmp_path, parties, capsys):
    (parties.parent / "notes.txt").write_text("my work", encoding="utf-8")
    before = snapshot(tmp_path)
    assert dedupe(parties, "--out", parties.parent, "--overwrite") == 2
    assert "holds the input" in capsys.readouterr().err
    assert snapshot(tmp_path) == before and leftovers(tmp_path) == []


def test_overwrite_refuses_a_folder_with_files_resolver_did_not_write(tmp_path, parties, capsys):
    out = tmp_path / "out"
    assert dedupe(parties, "--out", out) == 0
    (out / "analysis.xlsx").write_bytes(b"someone's work")
    before = snapshot(out)
    assert dedupe(parties, "--out", out, "--overwrite") == 2
    err = capsys.readouterr().err
    assert "analysis.xlsx" in err and "did not write" in err and err.count("\n") == 1
    assert snapshot(out) == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("place", ["cwd", "home", "temp", "root"])
def test_protected_folders_are_refused(tmp_path, parties, monkeypatch, capsys, place):
    folder = tmp_path / place
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "cwd" if place == "cwd" else tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home" if place == "home" else tmp_path / "h"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / ("temp" if place == "temp" else "t")))
    before = snapshot(tmp_path)
    if place == "root":  # only the guard runs: nothing may ever be written to / by a test
        from resolver.io.outputs import check_output_dir

        with pytest.raises(UsageError, match="root folder"):
            check_output_dir("/", overwrite=True)
        return
    target = os.path.expanduser({"cwd": ".", "home": "~", "temp": str(folder)}[place])
    assert dedupe(parties, "--out", target, "--overwrite") == 2
    err = capsys.readouterr().err
    assert {"cwd": "working folder", "home": "home folder", "temp": "temp folder"}[place] in err
    assert snapshot(tmp_path) == before
    assert leftovers(tmp_path) == [] and leftovers(folder) == []


def test_an_ancestor_of_an_input_is_refused(tmp_path, capsys):
    deep = tmp_path / "a" / "b" / "parties.csv"
    deep.parent.mkdir(parents=True)
    deep.write_text(PARTIES, encoding="utf-8")
    before = snapshot(tmp_path)
    assert dedupe(deep, "--out", tmp_path / "a", "--overwrite") == 2
    assert "holds the input" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_symlinks_are_never_followed_out(tmp_path, parties, capsys):
    real = tmp_path / "real"
    assert dedupe(parties, "--out", real) == 0
    link = tmp_path / "link"
    link.symlink_to(real)
    before = snapshot(real)
    assert dedupe(parties, "--out", link, "--overwrite") == 2
    assert "symbolic link" in capsys.readouterr().err
    # a symlink inside an output folder is not resolver's file: its target is never touched
    victim = tmp_path / "victim.csv"
    victim.write_text("precious", encoding="utf-8")
    (real / "clusters.csv").unlink()
    (real / "clusters.csv").symlink_to(victim)
    assert dedupe(parties, "--out", real, "--overwrite") == 2
    assert "clusters.csv" in capsys.readouterr().err
    assert victim.read_text(encoding="utf-8") == "precious"
    assert snapshot(real).keys() == before.keys()


def test_overwrite_replaces_resolvers_own_output_and_leaves_nothing_behind(tmp_path, parties):
    out = tmp_path / "out"
    assert dedupe(parties, "--out", out) == 0
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert marker["written_by"] == "resolver"
    assert marker["files"] == sorted(p.name for p in out.iterdir() if p.name != MARKER)
    assert dedupe(parties, "--out", out, "--overwrite", "--format", "parquet") == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            MARKER,
            "clusters.parquet",
            "entities.parquet",
            "links.parquet",
            "model.json",
            "pairs.parquet",
            "report.html",
            "summary.json",
        ]
    )
    assert leftovers(tmp_path) == []


def test_an_empty_existing_folder_is_used(tmp_path, parties):
    out = tmp_path / "empty"
    out.mkdir()
    assert dedupe(parties, "--out", out) == 0
    assert (out / "clusters.csv").exists()


def test_python_api_names_overwrite_true_and_refuses_foreign_files(tmp_path, parties):
    result = Resolver.load().dedupe(parties)
    out = tmp_path / "out"
    result.save(out, fmt="csv")
    with pytest.raises(UsageError) as info:
        result.save(out, fmt="csv")
    assert "overwrite=True" in info.value.message and "--overwrite" not in info.value.message
    result.save(out, fmt="csv", overwrite=True)
    (out / "mine.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="did not write"):
        result.save(out, fmt="csv", overwrite=True)
    assert (out / "mine.txt").read_text(encoding="utf-8") == "x"


def test_model_save_replaces_only_a_model(tmp_path, trained_model):
    model = Resolver.load(trained_model)
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": true}', encoding="utf-8")
    with pytest.raises(UsageError, match="not a resolver model file"):
        model.save(notes, overwrite=True)
    assert notes.read_text(encoding="utf-8") == '{"mine": true}'
    target = tmp_path / "m.json"
    model.save(target)
    with pytest.raises(UsageError, match="overwrite=True"):
        model.save(target)
    model.save(target, overwrite=True)


def test_synth_refuses_a_non_empty_folder(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "keep.csv").write_text("x", encoding="utf-8")
    args = ["synth", "--entities", "20", "--seed", "1", "--out", str(folder)]
    assert main(args) == 2 and "did not write" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["keep.csv"]
    fresh = tmp_path / "fresh"
    assert main([*args[:-1], str(fresh)]) == 0
    first = snapshot(fresh)
    assert main([*args[:-1], str(fresh)]) == 2 and "--overwrite" in capsys.readouterr().err
    assert main([*args[:-1], str(fresh), "--overwrite"]) == 0
    assert snapshot(fresh) == first  # same seed, same files
    # synth data is input for resolver, not for people: its CSVs are not formula-guarded
    assert "csv_formula_prefix" not in json.loads((fresh / MARKER).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- modes (item 2)


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda value: os.umask(value)
    os.umask(previous)


@pytest.mark.parametrize(
    ("mask", "folder_mode", "file_mode"), [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)]
)
def test_outputs_follow_the_umask(tmp_path, parties, umask, mask, folder_mode, file_mode):
    umask(mask)
    out = tmp_path / "out"
    assert dedupe(parties, "--out", out) == 0
    assert stat.S_IMODE(out.stat().st_mode) == folder_mode
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {file_mode}
    model = tmp_path / "m.json"
    Resolver.load().save(model)
    assert stat.S_IMODE(model.stat().st_mode) == file_mode


def test_overwrite_keeps_the_folder_mode(tmp_path, parties, umask):
    out = tmp_path / "out"
    assert dedupe(parties, "--out", out) == 0
    out.chmod(0o751)
    assert dedupe(parties, "--out", out, "--overwrite") == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o751


# ---------------------------------------------------------------- formula guard (item 5)

RISKY = {
    "f1": '=HYPERLINK("http://x","click")',
    "f2": "+cmd|' /C calc'!A0",
    "f3": "-2+3+cmd|' /C calc'!A0",
    "f4": "@SUM(1+1)",
    "f5": "\tTab Start LLC",
    "f6": "'=already quoted",
}


def test_csv_outputs_guard_formulas_and_parquet_stays_raw(tmp_path, capsys):
    rows = [(k, v) for k, v in RISKY.items()] + [("-12", "Plain Minus Id Ltd"), ("=1+1", "Acme")]
    path = tmp_path / "risky.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "note"])
        writer.writerows((i, n, "-5") for i, n in rows)
    assert dedupe(path, "--out", tmp_path / "csv") == 0
    with open(tmp_path / "csv" / "clusters.csv", newline="", encoding="utf-8") as handle:
        got = {r["name"]: r for r in csv.DictReader(handle)}
    for value in RISKY.values():
        assert "'" + value in got, value  # guarded: a spreadsheet shows it as text
    assert got["Plain Minus Id Ltd"]["id"] == "-12"  # a plain number is not a formula
    assert got["Acme"]["id"] == "'=1+1" and got["Acme"]["note"] == "-5"
    with open(tmp_path / "csv" / "entities.csv", newline="", encoding="utf-8") as handle:
        names = {r["name"] for r in csv.DictReader(handle)}
    assert '\'=HYPERLINK("http://x","click")' in names
    assert dedupe(path, "--out", tmp_path / "pq", "--format", "parquet") == 0
    raw = pq.read_table(tmp_path / "pq" / "clusters.parquet").column("name").to_pylist()
    assert set(RISKY.values()) <= set(raw)


def test_evaluate_reads_its_own_guarded_csv_back_raw(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text("id,name\n-A1,Alfa LLC\n-A2,Alfa LLC\n=B,Beta GmbH\n", encoding="utf-8")
    truth = tmp_path / "truth.csv"
    truth.write_text("id,entity_id\n-A1,a\n-A2,a\n=B,b\n", encoding="utf-8")
    assert dedupe(path, "--out", tmp_path / "out") == 0
    assert "'-A1" in (tmp_path / "out" / "clusters.csv").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "out" / "clusters.csv"), "--truth", str(truth)]) == 0
    assert "3 ids in both files (100.0%)" in capsys.readouterr().out


def test_screen_matches_guard_a_formula_from_the_list(tmp_path):
    listed = tmp_path / "list.csv"
    listed.write_text(
        "list_id,name,aliases,country,address\n=EVIL(),=HYPERLINK(1) Trading LLC,,RU,\n",
        encoding="utf-8",
    )
    records = tmp_path / "r.csv"
    records.write_text("id,name,country\n1,=HYPERLINK(1) Trading LLC,RU\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["screen", str(records), "--list", str(listed), "--out", str(out)]) == 0
    with open(out / "matches.csv", newline="", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert row["id"] == "1"
    for col in ("list_name", "matched_name"):
        assert row[col] == "'=HYPERLINK(1) Trading LLC"
    assert row["list_id"] == "list:=EVIL()"  # starts with 'list:', so not a formula


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), min_size=1, max_size=20))
def test_formula_guard_is_exactly_undone(values):
    from resolver.io.csvsafe import neutralize_formulas, restore_formulas

    table = pa.table({"v": pa.array(values, pa.string())})
    guarded = neutralize_formulas(table).column("v").to_pylist()
    for before, after in zip(values, guarded, strict=True):
        if after is not None and after[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(after)  # only plain numbers keep a leading sign
        assert after == before or after == "'" + before
    assert restore_formulas(neutralize_formulas(table)).equals(table)


# ---------------------------------------------------------------- locking (item 7)


def test_a_stale_lock_of_a_dead_run_is_taken_over(tmp_path, parties):
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    out = tmp_path / "out"
    (tmp_path / ".out.lock").write_text(dead.stdout, encoding="utf-8")
    assert dedupe(parties, "--out", out) == 0
    assert leftovers(tmp_path) == []


def test_a_second_writer_in_another_thread_is_refused(tmp_path):
    import threading

    from resolver.io.outputs import claim_output_dir

    out = tmp_path / "out"
    outcome = []

    def second_writer():
        try:
            with claim_output_dir(out):
                outcome.append("claimed")
        except UsageError as exc:
            outcome.append(exc.message)

    with claim_output_dir(out):
        worker = threading.Thread(target=second_writer)
        worker.start()
        worker.join()
    assert len(outcome) == 1 and "another resolver run" in outcome[0]


# ---------------------------------------------------------------- temp files (item 7)


def test_duckdb_spills_to_a_private_folder_of_the_run_removed_on_close(tmp_path, monkeypatch):
    from resolver.engine import Engine

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    first, second = Engine(), Engine()
    spill = Path(first.con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
    assert spill.parent.parent == tmp_path and spill.parent.name.startswith("resolver-run-")
    assert stat.S_IMODE(spill.parent.stat().st_mode) == 0o700  # private: mkdtemp
    other = second.con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    assert Path(other) != spill
    first.close()
    second.close()
    assert not spill.exists() and not Path(other).exists()


def test_an_old_output_is_removed_file_by_file(tmp_path, caplog):
    from resolver.io.outputs import remove_output, write_marker

    old = tmp_path / ".out.old-1"
    old.mkdir()
    (old / "clusters.csv").write_text("x", encoding="utf-8")
    write_marker(old, ["clusters.csv"])
    (old / "arrived-later.txt").write_text("y", encoding="utf-8")
    remove_output(old)
    assert sorted(p.name for p in old.iterdir()) == ["arrived-later.txt"]
    assert "left in place" in caplog.text


def _stage_with_parts(out: Path, overwrite: bool = False) -> None:
    """An output holding a folder of part files, as Spark writes ``clusters.parquet/``."""
    from resolver.io.outputs import staged_output_dir

    with staged_output_dir(out, overwrite) as stage:
        (stage / "clusters.parquet").mkdir()
        for i in range(2):
            (stage / "clusters.parquet" / f"part-0000{i}.parquet").write_bytes(b"x")
        (stage / "summary.json").write_text("{}", encoding="utf-8")


def test_a_folder_of_part_files_is_listed_and_replaced_file_by_file(tmp_path):
    from resolver.io.outputs import read_marker

    out = tmp_path / "out"
    _stage_with_parts(out)
    assert read_marker(out)["files"] == [
        "clusters.parquet/part-00000.parquet",
        "clusters.parquet/part-00001.parquet",
        "summary.json",
    ]
    with pytest.raises(UsageError, match="--overwrite|overwrite=True"):
        _stage_with_parts(out)
    _stage_with_parts(out, overwrite=True)
    assert sorted(p.name for p in (out / "clusters.parquet").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    assert leftovers(tmp_path) == []


def test_a_foreign_file_inside_a_part_folder_is_never_replaced(tmp_path):
    out = tmp_path / "out"
    _stage_with_parts(out)
    (out / "clusters.parquet" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="did not write"):
        _stage_with_parts(out, overwrite=True)
    assert (out / "clusters.parquet" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_removing_an_old_output_keeps_a_part_folder_with_foreign_files(tmp_path):
    from resolver.io.outputs import remove_output, write_marker

    old = tmp_path / ".out.old-2"
    (old / "pairs.parquet").mkdir(parents=True)
    (old / "pairs.parquet" / "part-0.parquet").write_bytes(b"x")
    write_marker(old, ["pairs.parquet/part-0.parquet"])
    (old / "pairs.parquet" / "later.txt").write_bytes(b"y")
    remove_output(old)
    assert [p.name for p in (old / "pairs.parquet").iterdir()] == ["later.txt"]
