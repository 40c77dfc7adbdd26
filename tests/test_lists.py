"""Tests for the watch-list loaders (OFAC SDN, UN consolidated, generic CSV, FollowTheMoney)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from resolver.errors import InputError
from resolver.screening.lists import LIST_COLUMNS, detect_format, load_list, load_lists

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OFAC_DIR = SHARED / "ofac_sdn_2023-12-28_even"
UN_XML = SHARED / "un_consolidated_2026-02-27" / "UN_consolidated.xml"


def _rows(table: pa.Table, list_id: str) -> list[dict]:
    return [r for r in table.to_pylist() if r["list_id"] == list_id]


def _names(table: pa.Table, list_id: str) -> dict[str, str]:
    return {r["name"]: r["name_type"] for r in _rows(table, list_id)}


def _parties(table: pa.Table) -> dict[str, dict]:
    return {r["list_id"]: r for r in table.to_pylist() if r["name_type"] == "primary"}


def _check_canonical(table: pa.Table) -> None:
    assert tuple(table.column_names) == LIST_COLUMNS
    assert all(t == pa.string() for t in table.schema.types)
    rows = table.to_pylist()
    keys = [(r["list_id"], r["name_type"], r["name"]) for r in rows]
    assert keys == sorted(keys)
    assert len({(r["list_id"], r["name"]) for r in rows}) == len(rows)
    primaries = [r["list_id"] for r in rows if r["name_type"] == "primary"]
    assert len(primaries) == len(set(primaries)) == len({r["list_id"] for r in rows})
    assert all(r["name"] == r["list_name"] for r in rows if r["name_type"] == "primary")


def _error(path: Path, *fragments: str) -> str:
    with pytest.raises(InputError) as info:
        load_list(path)
    message = info.value.message
    assert "\n" not in message
    for fragment in (path.name, *fragments):
        assert fragment in message, message
    return message


# ---------------------------------------------------------------- real shared files


@pytest.fixture(scope="module")
def ofac() -> pa.Table:
    if not (OFAC_DIR / "sdn.csv").exists():
        pytest.skip(f"shared OFAC SDN copy not found at {OFAC_DIR}")
    return load_list(OFAC_DIR)


@pytest.fixture(scope="module")
def un() -> pa.Table:
    if not UN_XML.exists():
        pytest.skip(f"shared UN consolidated list not found at {UN_XML}")
    return load_list(UN_XML)


def test_ofac_counts(ofac: pa.Table) -> None:
    _check_canonical(ofac)
    parties = _parties(ofac)
    assert len(parties) == 6963
    types = [p["entity_type"] for p in parties.values()]
    assert types.count("organization") == 3034
    assert types.count("person") == 3361
    assert types.count("vessel") == 382
    assert types.count("aircraft") == 186
    name_types = set(ofac.column("name_type").to_pylist())
    assert name_types == {"primary", "aka", "fka", "nka", "weak_aka"}
    assert set(ofac.column("list_source").to_pylist()) == {"ofac_sdn"}


def test_ofac_banco_nacional_de_cuba(ofac: pa.Table) -> None:
    names = _names(ofac, "ofac:306")
    assert names == {
        "BANCO NACIONAL DE CUBA": "primary",
        "NATIONAL BANK OF CUBA": "aka",
        "BNC": "weak_aka",
    }
    party = _parties(ofac)["ofac:306"]
    assert party["entity_type"] == "organization"
    assert (party["address"], party["city"], party["postcode"]) == (
        "Zweierstrasse 35",
        "Zurich",
        "CH-8022",
    )
    assert party["country"] == "Switzerland"
    assert party["countries"].split(";")[:3] == ["Switzerland", "Spain", "Japan"]
    assert party["programs"] == "CUBA"


def test_ofac_russian_tax_ids(ofac: pa.Table) -> None:
    parties = _parties(ofac)
    volga = parties["ofac:16806"]
    assert volga["list_name"] == "OOO VOLGA GROUP"
    assert volga["tax_id"] == "7718989383"
    assert volga["programs"] == "UKRAINE-EO13661;RUSSIA-EO14024"
    assert (volga["city"], volga["country"]) == ("Moscow", "Russia")
    # Tax ID No. wins over a Registration ID written before it.
    assert parties["ofac:17260"]["tax_id"] == "7704274402"
    # A registration number is used when there is no tax id.
    assert parties["ofac:906"]["tax_id"] == "01074897"
    assert parties["ofac:906"]["postcode"] == "E14 9SH"


def test_ofac_individual_as_written(ofac: pa.Table) -> None:
    party = _parties(ofac)["ofac:10000"]
    assert party["list_name"] == "CANO CORREA, Jhon Eidelber"
    assert party["entity_type"] == "person"
    assert _names(ofac, "ofac:10000")["CANO, Jhonny"] == "aka"


def test_ofac_no_null_markers(ofac: pa.Table) -> None:
    for column in ofac.columns:
        for value in column.to_pylist():
            if value is not None:
                assert value.strip() and not value.startswith("-0-"), value
                assert "\x1a" not in value


def test_ofac_from_sdn_csv_path(ofac: pa.Table) -> None:
    assert load_list(OFAC_DIR / "sdn.csv").equals(ofac)


def test_un_counts(un: pa.Table) -> None:
    _check_canonical(un)
    types = [p["entity_type"] for p in _parties(un).values()]
    assert types.count("person") == 730
    assert types.count("organization") == 273
    assert len(types) == 1003
    assert un.column("name_type").to_pylist().count("weak_aka") == 615
    assert set(un.column("list_source").to_pylist()) == {"un_sc"}


def test_un_entity_and_original_script(un: pa.Table) -> None:
    assert _names(un, "un:QDe.001") == {
        "ABU SAYYAF GROUP": "primary",
        "Al Harakat Al Islamiyya": "aka",
    }
    party = _parties(un)["un:QDe.001"]
    assert (party["entity_type"], party["country"], party["programs"]) == (
        "organization",
        "Philippines",
        "Al-Qaida",
    )
    saddam = _names(un, "un:IQi.001")
    assert saddam["SADDAM HUSSEIN AL-TIKRITI"] == "primary"
    assert saddam["صدام حسين التكريتي"] == "original_script"
    shanghai = _parties(un)["un:KPe.072"]
    assert (shanghai["city"], shanghai["postcode"], shanghai["country"]) == (
        "Shanghai",
        "200083",
        "China",
    )


def test_load_lists_real(ofac: pa.Table, un: pa.Table) -> None:
    both = load_lists([OFAC_DIR, UN_XML])
    assert both.num_rows == ofac.num_rows + un.num_rows
    _check_canonical(both)


# ---------------------------------------------------------------- synthetic OFAC


def _ofac_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "sdn_small"
    folder.mkdir()
    sdn = [
        b'10,"CAF\xc9 TRADING LLC",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        b"\"Registration ID 1027700 (Russia); Tax ID No. 7712345678 (Russia); a.k.a. 'CT'.\"",
        b'11,"PETROV, Ivan",individual,"UKRAINE-EO13660] [RUSSIA-EO14024",-0-,-0-,-0-,-0-,'
        b'-0-,-0-,-0-,"DOB 1 Jan 1970; nationality Russia."',
        b'12,"SEA STAR",vessel,"IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,"Panama",-0- ,-0- ',
    ]
    alt = [b'10,1,"fka","OLD CAFE LLC",-0- ', b'11,2,"aka","PETROV, Ivan Ivanovich",-0- ']
    add = [
        b'10,1,"Ulitsa Lenina 1","Moscow 125009","Russia",-0- ',
        b'10,2,-0- ,"Minsk","Belarus",-0- ',
    ]
    for name, lines in (("sdn.csv", sdn), ("alt.csv", alt), ("add.csv", add)):
        (folder / name).write_bytes(b"\r\n".join(lines) + b"\r\n\x1a\r\n")
    return folder


def test_ofac_synthetic(tmp_path: Path) -> None:
    folder = _ofac_folder(tmp_path)
    assert detect_format(folder) == "ofac"
    table = load_list(folder)
    _check_canonical(table)
    parties = _parties(table)
    cafe = parties["ofac:10"]
    assert cafe["list_name"] == "CAFÉ TRADING LLC"
    assert cafe["tax_id"] == "7712345678"
    assert (cafe["address"], cafe["city"], cafe["postcode"]) == (
        "Ulitsa Lenina 1",
        "Moscow",
        "125009",
    )
    assert cafe["countries"] == "Russia;Belarus"
    assert _names(table, "ofac:10") == {
        "CAFÉ TRADING LLC": "primary",
        "OLD CAFE LLC": "fka",
        "CT": "weak_aka",
    }
    petrov = parties["ofac:11"]
    assert (petrov["entity_type"], petrov["country"]) == ("person", "Russia")
    assert petrov["programs"] == "UKRAINE-EO13660;RUSSIA-EO14024"
    assert petrov["remarks"] == "DOB 1 Jan 1970; nationality Russia."
    assert (parties["ofac:12"]["entity_type"], parties["ofac:12"]["country"]) == (
        "vessel",
        "Panama",
    )


def test_ofac_short_row(tmp_path: Path) -> None:
    folder = _ofac_folder(tmp_path)
    with open(folder / "sdn.csv", "ab") as fh:
        fh.write(b'13,"BROKEN"\r\n')
    _error(folder / "sdn.csv", "line 5", "fields")


# ---------------------------------------------------------------- generic CSV


def test_generic_csv_bom_aliases_and_merge(tmp_path: Path) -> None:
    path = tmp_path / "my_watchlist.csv"
    path.write_text(
        "list_id,name,aliases,country,address,tax_id,city,postcode,notes\n"
        'W1,Acme Trading GmbH,"Acme Handel; ACME TRADING GMBH; Акме",Germany;Austria,'
        "Hauptstr. 1,DE123,Berlin,10115,ignored\n"
        "W2,Jane Roe,,United States,,,,,\n"
        "W1,Acme Trading Ltd,Acme Handel,Austria; Germany,,,,,\n",
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert detect_format(path) == "generic_csv"
    table = load_list(path)
    _check_canonical(table)
    assert _names(table, "my_watchlist:W1") == {
        "Acme Trading GmbH": "primary",
        "Acme Handel": "aka",
        "ACME TRADING GMBH": "aka",
        "Акме": "original_script",
        "Acme Trading Ltd": "aka",
    }
    acme = _parties(table)["my_watchlist:W1"]
    assert acme["list_source"] == "my_watchlist"
    assert (acme["country"], acme["countries"]) == ("Germany", "Germany;Austria")
    assert (acme["address"], acme["city"], acme["postcode"], acme["tax_id"]) == (
        "Hauptstr. 1",
        "Berlin",
        "10115",
        "DE123",
    )
    assert acme["entity_type"] == "unknown"
    assert _parties(table)["my_watchlist:W2"]["address"] is None


def test_generic_csv_missing_name_column(tmp_path: Path) -> None:
    path = tmp_path / "no_name.csv"
    path.write_text("list_id,aliases,country,address\nW1,x,DE,y\n", encoding="utf-8")
    _error(path, "lacks column(s) name")


def test_generic_csv_empty_name(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("list_id,name,aliases,country,address\nW1,A,,,\nW2,,,,\n", encoding="utf-8")
    _error(path, "line 3", "column name")


def test_load_lists_duplicate_ids(tmp_path: Path) -> None:
    first = tmp_path / "a" / "watch.csv"
    second = tmp_path / "b" / "watch.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text("list_id,name,aliases,country,address\nW1,A,,,\n", encoding="utf-8")
    shutil.copy(first, second)
    with pytest.raises(InputError) as info:
        load_lists([first, second])
    assert str(first) in info.value.message and str(second) in info.value.message


# ---------------------------------------------------------------- FollowTheMoney


FTM_ENTITIES = [
    {
        "id": "NK-acme",
        "schema": "Company",
        "caption": "Acme Oil JSC",
        "datasets": ["ru_watch"],
        "properties": {
            "name": ["АО Акме Ойл", "Acme Oil JSC"],
            "alias": ["Acme Oil"],
            "previousName": ["Acme Petroleum"],
            "weakAlias": ["AO"],
            "jurisdiction": ["ru"],
            "country": ["cy"],
            "innCode": ["7701234567"],
            "registrationNumber": ["1027700000000"],
            "addressEntity": ["addr-1"],
            "topics": ["sanction"],
        },
    },
    {
        "id": "addr-1",
        "schema": "Address",
        "properties": {"full": ["Tverskaya 1, Moscow"], "city": ["Moscow"], "postalCode": ["1"]},
    },
    {"id": "s-1", "schema": "Sanction", "properties": {"entity": ["NK-acme"], "program": ["EO"]}},
    {"id": "o-1", "schema": "Ownership", "properties": {"owner": ["P-1"], "asset": ["NK-acme"]}},
    {
        "id": "P-1",
        "schema": "Person",
        "properties": {"firstName": ["Ivan"], "lastName": ["Petrov"], "nationality": ["ru"]},
    },
    {"id": "V-1", "schema": "Vessel", "properties": {"name": ["SEA STAR"], "flag": ["pa"]}},
]


def test_ftm_jsonl_and_array(tmp_path: Path) -> None:
    path = tmp_path / "entities.jsonl"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in FTM_ENTITIES) + "\n")
    assert detect_format(path) == "ftm"
    table = load_list(path)
    _check_canonical(table)
    parties = _parties(table)
    assert set(parties) == {"ru_watch:NK-acme", "entities:P-1", "entities:V-1"}
    acme = parties["ru_watch:NK-acme"]
    assert acme["list_source"] == "ru_watch"
    assert (acme["entity_type"], acme["country"], acme["countries"]) == (
        "organization",
        "cy",
        "cy;ru",
    )
    assert (acme["tax_id"], acme["programs"]) == ("7701234567", "EO")
    assert (acme["address"], acme["city"], acme["postcode"]) == (
        "Tverskaya 1, Moscow",
        "Moscow",
        "1",
    )
    assert _names(table, "ru_watch:NK-acme") == {
        "Acme Oil JSC": "primary",
        "АО Акме Ойл": "original_script",
        "Acme Oil": "aka",
        "Acme Petroleum": "fka",
        "AO": "weak_aka",
    }
    assert parties["entities:P-1"]["list_name"] == "Ivan Petrov"
    assert parties["entities:P-1"]["entity_type"] == "person"
    assert parties["entities:V-1"]["entity_type"] == "vessel"

    array = tmp_path / "entities.json"
    array.write_text(json.dumps(FTM_ENTITIES, indent=1))
    assert load_list(array).equals(table)


def test_ftm_bad_json_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    lines = [json.dumps(e) for e in FTM_ENTITIES[:2]] + ['{"id": "x", "schema": ']
    path.write_text("\n".join(lines) + "\n")
    _error(path, "line 3", "invalid JSON")


# ---------------------------------------------------------------- bad inputs


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("hello\n")
    _error(path, "unknown list format", "expected an OFAC SDN folder")
    other = tmp_path / "other.xml"
    other.write_text("<root><a/></root>")
    _error(other, "unknown list format", "<root>")
    _error(tmp_path, "unknown list format")


def test_malformed_xml(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(
        "<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL></INDIVIDUALS>\n</CONSOLIDATED_LIST>\n"
    )
    _error(path, "malformed XML", "line 3")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    for name in ("empty.csv", "empty.xml", "empty.jsonl"):
        path = tmp_path / name
        path.write_bytes(b"")
        _error(path, "empty")
    _error(tmp_path / "nope.csv", "not found")


# ---------------------------------------------------------------- fail closed (issue 17, item 4)

GENERIC_HEADER = "list_id,name,aliases,country,address\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("header_only.csv", GENERIC_HEADER),
        ("blank_rows.csv", GENERIC_HEADER + ",,,,\n\n"),
        ("no_entries.xml", "<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>\n"),
        ("no_parties.jsonl", json.dumps(FTM_ENTITIES[1]) + "\n" + json.dumps(FTM_ENTITIES[2])),
    ],
)
def test_a_list_without_listed_parties_is_an_error(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    _error(path, "holds no listed party")


def test_an_empty_ofac_sdn_is_an_error(tmp_path: Path) -> None:
    folder = _ofac_folder(tmp_path)
    (folder / "sdn.csv").write_bytes(b"\r\n\x1a\r\n")
    _error(folder, "holds no listed party")


@pytest.mark.parametrize("missing", ["alt.csv", "add.csv"])
def test_an_ofac_folder_without_alt_or_add_needs_allow_partial(tmp_path: Path, missing) -> None:
    folder = _ofac_folder(tmp_path)
    (folder / missing).unlink()
    _error(folder, f"no {missing}", "--allow-partial-list")
    table = load_list(folder, allow_partial=True)
    assert "ofac:10" in set(table.column("list_id").to_pylist())


def test_screen_cli_fails_closed(tmp_path: Path, capsys) -> None:
    from resolver.cli import main

    records = tmp_path / "r.csv"
    records.write_text("id,name\n1,Acme Trading LLC\n", encoding="utf-8")
    empty = tmp_path / "empty_list.csv"
    empty.write_text(GENERIC_HEADER, encoding="utf-8")
    args = ["screen", str(records), "--out", str(tmp_path / "o")]
    assert main([*args, "--list", str(empty)]) == 2
    assert "holds no listed party" in capsys.readouterr().err
    folder = _ofac_folder(tmp_path)
    (folder / "alt.csv").unlink()
    assert main([*args, "--list", str(folder)]) == 2
    assert "--allow-partial-list" in capsys.readouterr().err
    assert main([*args, "--list", str(folder), "--allow-partial-list"]) == 0
    assert (tmp_path / "o" / "matches.csv").exists()


@pytest.mark.parametrize(
    ("rows", "fragments"),
    [
        ("W1,Acme, Inc,,US,\n", ("line 2", "6 fields, the header has 5", "Acme, Inc")),
        ("W1,Acme\n", ("line 2", "2 fields, the header has 5")),
        ('W1,"Acme,Inc\n', ("line 2", "malformed CSV")),
        (
            "W1,Acme Inc,,US,1 Main St\nW1,Bolt GmbH,,DE,\n",
            ("line 3", "column country", "list_id W1 repeats line 2"),
        ),
        (
            "W1,Acme Inc,,US,1 Main St\nW1,Acme Incorporated,,,2 Side St\n",
            ("line 3", "column address"),
        ),
    ],
    ids=["unquoted-comma", "short-row", "open-quote", "same-id-other-country", "other-address"],
)
def test_generic_list_rows_are_checked_strictly(tmp_path: Path, rows, fragments) -> None:
    path = tmp_path / "watch.csv"
    path.write_text(GENERIC_HEADER + rows, encoding="utf-8")
    _error(path, *fragments)


def test_generic_list_one_row_per_alias(tmp_path: Path) -> None:
    path = tmp_path / "watch.csv"
    path.write_text(
        GENERIC_HEADER
        + "W1,Acme Inc,,US,1 Main St\nW1,Acme Incorporated,,,\nW1,ACME,,US,1 Main St\n",
        encoding="utf-8",
    )
    table = load_list(path)
    assert _names(table, "watch:W1") == {
        "Acme Inc": "primary",
        "Acme Incorporated": "aka",
        "ACME": "aka",
    }
    assert _parties(table)["watch:W1"]["address"] == "1 Main St"


def test_generic_list_duplicate_columns(tmp_path: Path) -> None:
    path = tmp_path / "watch.csv"
    path.write_text("list_id,name,aliases,country,address,Name\nW1,A,,,,B\n", encoding="utf-8")
    _error(path, "duplicate column names: name")


def test_ftm_nested_arrays_do_not_become_bracketed_names(tmp_path: Path) -> None:
    entity = {
        "id": "C-1",
        "schema": "Company",
        "caption": ["Nested Oil"],
        "properties": {"name": [["Nested Oil"], ["Acme", ["Deep Name"]]], "alias": [{"x": 1}]},
    }
    path = tmp_path / "nested.jsonl"
    path.write_text(json.dumps(entity) + "\n", encoding="utf-8")
    names = set(load_list(path).column("name").to_pylist())
    assert names == {"Nested Oil", "Acme", "Deep Name"}
