"""Bad input never gives a traceback: exit code 2 and one line naming the file and the problem."""

from __future__ import annotations

import json

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
    ("latin.csv", "id,name\n1,Café Müller ©\n".encode("latin-1"), "not valid UTF-8"),
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
