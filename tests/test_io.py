"""Bad input never gives a traceback: exit code 2 and one line naming the file and the problem."""

from __future__ import annotations

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from resolver.cli import main
from resolver.errors import InputError
from resolver.io.readers import read_records


def run_cli(args, capsys):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path, name, data: bytes | str):
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


BAD_INPUTS = [
    ("missing.csv", None, "file not found"),
    ("empty.csv", b"", "file is empty"),
    ("header.csv", "id,name\n", "header only"),
    ("noname.csv", "id,title\n1,x\n", "missing required column 'name'"),
    ("noid.csv", "key,name\n1,x\n", "missing required column 'id'"),
    ("dupes.csv", "id,name\n1,a\n2,b\n1,c\n", "duplicate id '1' (rows 1, 3)"),
    ("blankid.csv", "id,name\n1,a\n ,b\n", "row 2: blank or missing 'id'"),
    ("semicolon.csv", "id;name\n1;a\n", "another delimiter"),
    ("quotes.csv", 'id,name\n1,"abc\n2,def\n', "unbalanced quotes"),
    ("fields.csv", "id,name\n1,a,b\n", "line 2: 3 fields, the header has 2"),
    ("nul.csv", b"id,name\n1,a\x00b\n", "line 2: contains a NUL byte"),
    (
        "mixed.csv",
        "id,name\n1,ООО Ромашка\n".encode() + "2,ООО Ромашка\n".encode("cp1251"),
        "line 3: invalid UTF-8",
    ),
    ("ambiguous.csv", b"id,name\n1,X \xe0 Y\n", "pass --encoding"),
    ("table.parquet", b"PAR1\x00\x00garbage", "not a readable Parquet file"),
    ("bad.jsonl", '{"id": "1", "name": "a"}\n{"id": 2,\n', "line 2: invalid JSON"),
    ("dupcols.csv", "id,name,name\n1,a,b\n", "duplicate column names: name"),
    ("reserved.csv", "id,name,entity_id\n1,a,x\n", "column 'entity_id' is reserved"),
]


@pytest.mark.parametrize(
    ("filename", "content", "expected"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_exit_2_one_line(tmp_path, capsys, filename, content, expected):
    path = tmp_path / filename if content is None else write(tmp_path, filename, content)
    code, _, err = run_cli(["dedupe", path, "--out", tmp_path / "out"], capsys)
    assert code == 2
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert str(path) in err
    assert expected in err
    assert not (tmp_path / "out").exists()


def test_unknown_map_column(tmp_path, capsys, small_csv):
    code, _, err = run_cli(
        ["dedupe", small_csv, "--out", tmp_path / "o", "--map", "name=consignee_name"], capsys
    )
    assert code == 2
    assert "column 'consignee_name' not found" in err and str(small_csv) in err


def test_map_unknown_canonical(tmp_path, capsys, small_csv):
    code, _, err = run_cli(
        ["dedupe", small_csv, "--out", tmp_path / "o", "--map", "nom=name"], capsys
    )
    assert code == 2 and "unknown canonical column 'nom'" in err


def test_truncated_parquet(tmp_path, capsys):
    table = pa.table({"id": [str(i) for i in range(1000)], "name": [f"n{i}" for i in range(1000)]})
    good = tmp_path / "good.parquet"
    pq.write_table(table, good)
    data = good.read_bytes()
    bad = write(tmp_path, "cut.parquet", data[: len(data) // 2])
    code, _, err = run_cli(["dedupe", bad, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "cut.parquet" in err and "Parquet" in err


def test_ids_keep_leading_zeros_and_columns_with_sql_names(tmp_path):
    path = write(
        tmp_path,
        "odd.csv",
        'id,name,"we""ird; DROP TABLE x;--",city\n007,Alfa,1,Kazan\n0007,Beta,2,Omsk\n',
    )
    table = read_records(path)
    assert table.column("id").to_pylist() == ["007", "0007"]
    assert 'we"ird; DROP TABLE x;--' in table.column_names


def test_utf8_bom_and_cp1251_detected(tmp_path):
    bom = write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + "id,name\n1,ООО Ромашка\n".encode())
    assert read_records(bom).column_names[:2] == ["id", "name"]
    cp = write(tmp_path, "cp.csv", "id,name\n1,ООО Ромашка\n2,АО Альфа\n".encode("cp1251"))
    assert read_records(cp).column("name").to_pylist() == ["ООО Ромашка", "АО Альфа"]
    explicit = read_records(cp, encoding="cp1251")
    assert explicit.column("name").to_pylist()[1] == "АО Альфа"


def test_unknown_encoding_name(tmp_path):
    path = write(tmp_path, "x.csv", "id,name\n1,a\n")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_records(path, encoding="klingon")


def test_map_renames_and_carries_columns(tmp_path):
    path = write(tmp_path, "m.csv", "key,consignee,dest\nA1,Alfa LLC,RU\n")
    table = read_records(path, mapping="id=key,name=consignee,country=dest")
    assert table.column_names == ["id", "name", "country"]
    assert table.to_pylist() == [{"id": "A1", "name": "Alfa LLC", "country": "RU"}]


def test_jsonl_and_dataframe_inputs(tmp_path):
    import pandas as pd

    path = write(tmp_path, "r.jsonl", json.dumps({"id": 1, "name": "Alfa", "n": 3}) + "\n")
    assert read_records(path).column("id").to_pylist() == ["1"]
    frame = pd.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    assert read_records(frame).column("id").to_pylist() == ["1", "2"]


def test_usage_errors_exit_2(tmp_path, capsys, small_csv):
    code, _, err = run_cli(["dedupe", small_csv], capsys)
    assert code == 2 and "--out" in err
    code, _, err = run_cli(
        ["dedupe", small_csv, "--out", tmp_path / "o", "--threshold", "1.5"], capsys
    )
    assert code == 2 and "threshold" in err


# ---------------------------------------------------------------- encodings (issue 17, item 3)

WESTERN = ["Société Générale", "Müller & Söhne GmbH", "Peña Hermanos S.A.", "Ørsted A/S"]
CYRILLIC = ["ООО Ромашка", "АО Альфа-Банк", "ЗАО «Ёлка»", "и"]


@pytest.mark.parametrize(
    ("names", "encoding"), [(WESTERN, "cp1252"), (CYRILLIC, "cp1251")], ids=["cp1252", "cp1251"]
)
def test_windows_code_pages_are_told_apart_by_their_letters(tmp_path, names, encoding):
    text = "id,name\n" + "".join(f'{i},"{n}"\n' for i, n in enumerate(names))
    path = write(tmp_path, "w.csv", text.encode(encoding))
    assert read_records(path).column("name").to_pylist() == names


def test_a_single_western_name_is_never_read_as_cyrillic(tmp_path):
    path = write(tmp_path, "one.csv", "id,name\n1,Société Générale\n".encode("cp1252"))
    assert read_records(path).column("name").to_pylist() == ["Société Générale"]


@pytest.mark.parametrize(
    "data",
    [
        b"id,name\n1,X \xe0 Y\n",  # one-letter words only: a (cp1251) or a-grave (cp1252)?
        "id,name\n1,Café Noir\n3,Hôtel Rouge\n".encode("cp1252")
        + "2,ООО Ромашка\n4,АО Альфа\n".encode("cp1251"),  # both kinds of word at once
    ],
    ids=["one-letter", "both"],
)
def test_ambiguous_single_byte_text_asks_for_encoding(tmp_path, capsys, data):
    path = write(tmp_path, "amb.csv", data)
    code, _, err = run_cli(["dedupe", path, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "--encoding" in err and str(path) in err
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- checked before the run (item 6)


def test_parquet_with_a_list_typed_name_is_bad_input(tmp_path, capsys):
    path = tmp_path / "list.parquet"
    pq.write_table(pa.table({"id": ["1", "2"], "name": [["a"], ["b"]]}), path)
    code, _, err = run_cli(["dedupe", path, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "column 'name' has type list" in err and err.count("\n") == 1


def test_a_carried_struct_column_fails_before_the_run_for_csv_output(tmp_path, capsys):
    path = tmp_path / "struct.parquet"
    table = pa.table({"id": ["1", "2"], "name": ["Alfa", "Beta"], "extra": [{"a": 1}, {"a": 2}]})
    pq.write_table(table, path)
    code, _, err = run_cli(["dedupe", path, "--out", tmp_path / "o"], capsys)
    assert code == 2 and str(path) in err and "column 'extra'" in err and "--format parquet" in err
    code, _, _ = run_cli(["dedupe", path, "--out", tmp_path / "p", "--format", "parquet"], capsys)
    assert code == 0
    assert pq.read_table(tmp_path / "p" / "clusters.parquet").column("extra").to_pylist()[0] == {
        "a": 1
    }


def test_model_threshold_out_of_range_is_bad_input(tmp_path, capsys, small_csv, trained_model):
    data = json.loads(trained_model.read_text(encoding="utf-8"))
    data["threshold"] = -1
    model = write(tmp_path, "neg.json", json.dumps(data))
    code, _, err = run_cli(["dedupe", small_csv, "--out", tmp_path / "o", "--model", model], capsys)
    assert code == 2 and str(model) in err and "threshold" in err and err.count("\n") == 1


def test_tiny_memory_limit_is_one_line_exit_2(tmp_path, capsys, synth_dir):
    code, _, err = run_cli(
        ["dedupe", synth_dir / "parties.csv", "--out", tmp_path / "o", "--memory-limit", "40MB"],
        capsys,
    )
    assert code == 2 and "--memory-limit" in err and "40MB" in err and err.count("\n") == 1


def test_out_that_cannot_be_created_fails_before_the_run(tmp_path, capsys, small_csv):
    blocker = write(tmp_path, "file", "not a folder")
    code, _, err = run_cli(["dedupe", small_csv, "--out", blocker / "out"], capsys)
    assert code == 2 and "is not a folder" in err and err.count("\n") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_out_in_a_read_only_folder_fails_before_the_run(tmp_path, capsys, small_csv):
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o555)
    code, _, err = run_cli(["dedupe", small_csv, "--out", locked / "out"], capsys)
    assert code == 2 and "permission denied" in err


def test_too_little_disk_space_fails_before_the_run(tmp_path, capsys, small_csv, monkeypatch):
    import shutil

    from resolver.io import outputs

    monkeypatch.setattr(
        outputs.shutil, "disk_usage", lambda _p: shutil._ntuple_diskusage(10**9, 10**9, 100)
    )
    code, _, err = run_cli(["dedupe", small_csv, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "not enough free disk space" in err
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- pipes and JSON (item 8)


def test_a_named_pipe_is_read(tmp_path, capsys, small_csv):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(small_csv.read_bytes()))
    writer.start()
    code, _, err = run_cli(["dedupe", fifo, "--out", tmp_path / "o"], capsys)
    if writer.is_alive():  # resolver never opened the pipe: read it so the writer can finish
        with open(fifo, "rb") as pipe:
            pipe.read()
    writer.join()
    assert code == 0, err
    rows = (tmp_path / "o" / "clusters.csv").read_text(encoding="utf-8").count("\n") - 1
    assert rows == small_csv.read_text(encoding="utf-8").count("\n") - 1


def test_dev_stdin_is_read(tmp_path, small_csv):
    import subprocess
    import sys

    out = tmp_path / "o"
    env = dict(os.environ, TMPDIR=str(tmp_path))
    code = """import sys; from resolver.cli import main; sys.exit(main(sys.argv[1:]))"""
    proc = subprocess.run(
        [sys.executable, "-c", code, "dedupe", "/dev/stdin", "--out", str(out)],
        input=small_csv.read_bytes(),
        capture_output=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "clusters.csv").exists()


def test_nested_json_is_refused_for_canonical_columns(tmp_path, capsys):
    path = write(tmp_path, "n.jsonl", '{"id": "1", "name": "A"}\n{"id": "2", "name": {"x": 1}}\n')
    code, _, err = run_cli(["dedupe", path, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "record 2" in err and "'name'" in err
    mapped = write(tmp_path, "m.jsonl", '{"id": "1", "company": ["A", "B"]}\n')
    with pytest.raises(InputError, match="column 'company' holds a JSON object or array"):
        read_records(mapped, mapping="name=company")
    carried = write(tmp_path, "c.jsonl", '{"id": "1", "name": "A", "tags": ["x"]}\n')
    assert read_records(carried).column("tags").to_pylist() == ['["x"]']


def test_a_folder_of_part_files_is_read_in_file_name_order(tmp_path):

    from resolver.io.readers import read_table

    folder = tmp_path / "clusters.parquet"
    folder.mkdir()
    pq.write_table(pa.table({"id": ["3", "4"]}), folder / "part-00001.parquet")
    pq.write_table(pa.table({"id": ["1", "2"]}), folder / "part-00000.parquet")
    (folder / "_SUCCESS").write_bytes(b"")
    assert read_table(folder).column("id").to_pylist() == ["1", "2", "3", "4"]
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="folder"):
        read_table(folder)
