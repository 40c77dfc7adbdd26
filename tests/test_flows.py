"""Trade flows (resolver.tradeflows): the seed story, decoys, outputs and bad input."""

from __future__ import annotations

import csv
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

import resolver
from resolver.cli import main
from resolver.errors import InputError
from resolver.screening import Screener
from resolver.tradeflows import scoring
from resolver.tradeflows.controlled import load_controlled

FIXTURES = Path(__file__).parent / "fixtures"
SEED_SHIPMENTS = FIXTURES / "flows_seed_shipments.csv"
SEED_LIST = FIXTURES / "flows_seed_list.csv"
# Every spelling of each party of the seed story, as written in the fixture.
PARTIES = {
    "maker": "I Machine Tools",
    "listed": "I Machine Technology",
    "conduit_cn": "Shenzhen Hengda",
    "conduit_kz": "Kaspi Industrial",
    "decoy_goods": "Ararat Home",
    "decoy_buyer": "Turon Machine",
}
SPELLINGS = {
    "maker": {"I Machine Tools Co., Ltd.", "I MACHINE TOOLS CO LTD", "I-Machine Tools Co. Ltd"},
    "listed": {
        "I Machine Technology LLC",
        "ООО «Ай Машин Технолоджи»",
        "AI MASHIN TEKHNOLODZHI OOO",
    },
    "conduit_cn": {"Shenzhen Hengda Trading Co., Ltd.", "深圳市恒达贸易有限公司"},
    "conduit_kz": {"Kaspi Industrial Supply LLP", "ТОО «Каспи Индастриал Сапплай»"},
    "decoy_goods": {"Ararat Home Furnishings LLC", "Ararat Home Furnishings"},
    "decoy_buyer": {"Turon Machine Supply LLC", "OOO Turon Machine Supply"},
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.load(SEED_LIST)


@pytest.fixture(scope="module")
def seed(screener, tmp_path_factory) -> dict:
    """The seed story run once through the public API and saved."""
    result = resolver.flows(SEED_SHIPMENTS, screener)
    out = tmp_path_factory.mktemp("flows") / "out"
    result.save(out)
    clusters = result.clusters.to_pylist()
    entity = {}
    for key, names in SPELLINGS.items():
        ids = {r["entity_id"] for r in clusters if r["name"] in names}
        assert len(ids) == 1, (key, ids)  # every spelling of a party resolves to one entity
        entity[key] = ids.pop()
    return {"result": result, "out": out, "entity": entity, "alerts": result.alerts.to_pylist()}


def _of_kind(seed: dict, kind: str) -> list[dict]:
    return [a for a in seed["alerts"] if a["kind"] == kind]


def test_seed_direct_listed_for_every_shipper_of_the_listed_party(seed: dict) -> None:
    e = seed["entity"]
    direct = _of_kind(seed, "direct_listed")
    paths = {tuple(a["path_entity_ids"].split(";")) for a in direct}
    expected = {(e[k], e["listed"]) for k in ("maker", "conduit_cn", "conduit_kz", "decoy_goods")}
    assert paths == expected
    assert {a["list_id"] for a in direct} == {"flows_seed_list:SEED-1"}
    by_shipper = {a["path_entity_ids"].split(";")[0]: a for a in direct}
    maker = by_shipper[e["maker"]]
    assert len(maker["shipment_ids"].split(";")) == 63  # the 63 direct batches
    assert maker["hs_headings"] == "8457;8458"
    assert (
        "I Machine Technology" in maker["explanation"]
        or "I MACHINE TECHNOLOGY" in (maker["explanation"])
    )
    assert "matches listed party flows_seed_list:SEED-1" in maker["explanation"]
    # furniture only: the decoy's alert ranks below every shipper of goods of concern
    assert by_shipper[e["decoy_goods"]]["score"] < min(
        by_shipper[e[k]]["score"] for k in ("maker", "conduit_cn", "conduit_kz")
    )


def test_seed_via_intermediary_routes_after_the_ban(seed: dict) -> None:
    e = seed["entity"]
    via = _of_kind(seed, "via_intermediary")
    by_path = {tuple(a["path_entity_ids"].split(";")): a for a in via}
    assert set(by_path) == {
        (e["maker"], e["conduit_cn"], e["listed"]),
        (e["maker"], e["conduit_kz"], e["listed"]),
    }
    cn = by_path[(e["maker"], e["conduit_cn"], e["listed"])]
    kz = by_path[(e["maker"], e["conduit_kz"], e["listed"])]
    assert (cn["hs_headings"], kz["hs_headings"]) == ("8457", "8458")
    assert len(cn["shipment_ids"].split(";")) == 12  # 6 receipts + 6 onward shipments
    assert str(cn["first_date"]) >= "2022-02-24" and str(kz["first_date"]) >= "2022-02-24"
    for alert in (cn, kz):
        text = alert["explanation"]
        names = alert["path_names"].split("; ")
        assert all(n in text for n in names)
        assert "within 90 days of a receipt" in text and "median" in text
        assert "directly to" in text  # the maker's own earlier shipments to the listed party
        assert "matches listed party flows_seed_list:SEED-1" in text
        assert 0.0 < alert["score"] <= 1.0


def test_seed_decoys_are_not_intermediaries(seed: dict) -> None:
    e = seed["entity"]
    involved = {
        kind: {p for a in _of_kind(seed, kind) for p in a["path_entity_ids"].split(";")}
        for kind in ("direct_listed", "via_intermediary", "controlled_goods")
    }
    assert e["decoy_goods"] not in involved["via_intermediary"]
    assert e["decoy_buyer"] not in set().union(*involved.values())  # no alert at all
    controlled = {
        tuple(a["path_entity_ids"].split(";")) for a in _of_kind(seed, "controlled_goods")
    }
    assert controlled == {(e[k], e["listed"]) for k in ("maker", "conduit_cn", "conduit_kz")}


def test_seed_outputs_keep_every_row(seed: dict) -> None:
    out = seed["out"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [
            *(
                f"{n}.csv"
                for n in ("shipments", "entities", "clusters", "matches", "flows", "alerts")
            ),
            "report.html",
            "summary.json",
        ]
    )
    source = _rows(SEED_SHIPMENTS)
    shipments = _rows(out / "shipments.csv")
    assert [r["shipment_id"] for r in shipments] == [r["shipment_id"] for r in source]
    for got, want in zip(shipments, source, strict=True):
        assert {k: got[k] for k in want} == want
        assert got["shipper_entity_id"] and got["consignee_entity_id"]
    clusters = _rows(out / "clusters.csv")
    filled = sum(
        1 for r in source for role in ("shipper", "consignee", "notify") if r[f"{role}_name"]
    )
    assert len(clusters) == filled
    assert {r["role"] for r in clusters} == {"shipper", "consignee", "notify"}
    assert all(r["id"] == f"{r['shipment_id']}#{r['role']}" for r in clusters)
    flows = _rows(out / "flows.csv")
    assert sum(int(f["shipments"]) for f in flows) == len(source)
    alerts = _rows(out / "alerts.csv")
    assert list(alerts[0]) == [
        "alert_id", "kind", "path_entity_ids", "path_names", "list_id", "score",
        "shipment_ids", "first_date", "last_date", "hs_headings", "explanation",
    ]  # fmt: skip
    assert [float(a["score"]) for a in alerts] == sorted(
        (float(a["score"]) for a in alerts), reverse=True
    )
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["alerts"] == {"direct_listed": 4, "via_intermediary": 2, "controlled_goods": 3}
    assert summary["shipments"] == len(source)
    matches = _rows(out / "matches.csv")
    listed = seed["entity"]["listed"]
    assert {r["entity_id"] for r in matches if r["match"] == "true"} == {listed}


def test_window_and_goods_of_concern_change_the_routes(screener: Screener, tmp_path) -> None:
    short = resolver.flows(SEED_SHIPMENTS, screener, window_days=10)
    assert "via_intermediary" not in short.alerts.column("kind").to_pylist()  # lags are >= 12
    codes = tmp_path / "codes.txt"
    codes.write_text("# only furniture\n94.03  # chapter 94 heading 03\n", encoding="utf-8")
    furniture = resolver.flows(SEED_SHIPMENTS, screener, controlled_hs=codes)
    kinds = furniture.alerts.column("kind").to_pylist()
    assert "via_intermediary" not in kinds and kinds.count("controlled_goods") == 1
    everything = resolver.flows(SEED_SHIPMENTS, screener, all_goods=True)
    assert everything.alerts.column("kind").to_pylist().count("controlled_goods") == 4


def test_same_alerts_whatever_the_row_order(seed: dict, screener: Screener) -> None:
    from resolver.io.readers import read_table

    table = read_table(SEED_SHIPMENTS)
    reordered = table.take(list(range(table.num_rows - 1, -1, -1)))
    again = resolver.flows(reordered, screener)
    assert again.alerts.equals(seed["result"].alerts)
    assert again.flows.equals(seed["result"].flows)


def test_typed_columns_from_parquet(tmp_path) -> None:
    import pyarrow.parquet as pq

    from resolver.tradeflows.shipments import read_shipments

    table = pa.table(
        {
            "shipment_id": ["a", "b"],
            "date": pa.array([18000, None], pa.date32()),
            "hs_code": [845710, 84581100],
            "value_usd": [1250.5, None],
            "shipper_name": ["I Machine Tools", "I Machine Tools"],
            "consignee_name": ["I Machine Technology", None],
        }
    )
    pq.write_table(table, tmp_path / "s.parquet")
    parsed = read_shipments(tmp_path / "s.parquet").parsed.to_pylist()
    assert [p["hs_code"] for p in parsed] == ["845710", "84581100"]
    assert str(parsed[0]["date"]) == "2019-04-14" and parsed[1]["date"] is None
    assert [p["value_usd"] for p in parsed] == [1250.5, None]


def test_controlled_prefixes() -> None:
    goods = load_controlled(["8457", "8542.31", "85.41"])
    codes = pa.chunked_array([["845710", "84581100", "854231", "854239", "854110", None]])
    assert goods.flags(codes).to_pylist() == [True, False, True, False, True, False]
    default = load_controlled()
    assert default.flags(pa.chunked_array([["845710", "940360"]])).to_pylist() == [True, False]


def test_scores() -> None:
    assert scoring.share(1, 4, 30.0, 40.0, True) == 0.75
    assert scoring.share(1, 4, 30.0, None, False) == 0.25
    assert scoring.timing_factor(0, 90) == 1.0 and scoring.timing_factor(90, 90) == 0.5
    assert scoring.direct_score(0.9, 0.0) == pytest.approx(0.45)
    assert scoring.via_score(1.0, 0.5, 45, 90) == pytest.approx(0.375)
    assert scoring.controlled_score(None) == scoring.RESTRICTED_DESTINATION_SCORE


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("date", "2023-02-30", "row 5, column 'date': '2023-02-30' is not an ISO date"),
        ("date", "17/04/2023", "row 5, column 'date': '17/04/2023' is not an ISO date"),
        ("hs_code", "8457", "row 5, column 'hs_code': '8457' is not an HS code of 6 to 10"),
        ("hs_code", "84A710", "row 5, column 'hs_code': '84A710' is not an HS code"),
        ("value_usd", "1,200.50", "row 5, column 'value_usd': '1,200.50' is not a non-negative"),
        ("value_usd", "-5", "row 5, column 'value_usd': '-5' is not a non-negative"),
        ("shipment_id", "SH0001", "duplicate shipment_id 'SH0001' (rows 1, 5)"),
        ("shipment_id", " ", "row 5: blank or missing 'shipment_id'"),
    ],
)
def test_bad_cells_exit_2_naming_file_row_and_column(
    tmp_path, capsys, column: str, value: str, expected: str
) -> None:
    rows = _rows(SEED_SHIPMENTS)[:8]
    rows[4][column] = value
    path = _write(tmp_path / "bad.csv", rows)
    code = main(["flows", str(path), "--list", str(SEED_LIST), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}: " in err and expected in err
    assert not (tmp_path / "o").exists()


def test_blank_cells_are_allowed_and_kept(tmp_path) -> None:
    rows = _rows(SEED_SHIPMENTS)[:8]
    rows[2].update(date="", hs_code="", value_usd="")
    path = _write(tmp_path / "blanks.csv", rows)
    from resolver.tradeflows.shipments import read_shipments

    ships = read_shipments(path)
    assert ships.raw.num_rows == 8
    parsed = ships.parsed.to_pylist()[2]
    assert (parsed["date"], parsed["hs_code"], parsed["value_usd"]) == (None, None, None)


def test_map_renames_and_errors_name_the_users_column(tmp_path) -> None:
    rows = _rows(SEED_SHIPMENTS)[:6]
    renamed = [{("bl_date" if k == "date" else k): v for k, v in r.items()} for r in rows]
    renamed[3]["bl_date"] = "yesterday"
    path = _write(tmp_path / "mapped.csv", renamed)
    from resolver.tradeflows.shipments import read_shipments

    with pytest.raises(InputError, match=r"row 4, column 'bl_date': 'yesterday'"):
        read_shipments(path, mapping="date=bl_date")
    with pytest.raises(InputError, match="missing required column.*date"):
        read_shipments(path)
    with pytest.raises(InputError, match="unknown canonical column 'when'"):
        read_shipments(path, mapping="when=bl_date")


def test_bad_controlled_hs_file_exit_2_naming_file_and_line(tmp_path, capsys) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text("8457\n# comment\n8458.1x\n", encoding="utf-8")
    args = ["flows", str(SEED_SHIPMENTS), "--list", str(SEED_LIST), "--out", str(tmp_path / "o")]
    assert main([*args, "--controlled-hs", str(codes)]) == 2
    assert f"{codes}: line 3: '8458.1x' is not an HS code" in capsys.readouterr().err
    assert main([*args, "--controlled-hs", str(tmp_path / "missing.txt")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main([*args, "--restricted-countries", "RU,Atlantis"]) == 2
    assert "unknown country 'Atlantis'" in capsys.readouterr().err


def test_synth_shipments_truth_is_consistent(tmp_path) -> None:
    from resolver.synth import generate_shipments
    from resolver.synth.shipments import FLOWS, ROLES

    summary = generate_shipments(tmp_path / "a", 3000, seed=5)
    generate_shipments(tmp_path / "b", 3000, seed=5)
    for name in ("trade_shipments.csv", "trade_truth.csv", "trade_entities.csv", "trade_list.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    ships = _rows(tmp_path / "a" / "trade_shipments.csv")
    truth = _rows(tmp_path / "a" / "trade_truth.csv")
    roles = {r["entity_id"]: r["role"] for r in _rows(tmp_path / "a" / "trade_entities.csv")}
    assert len(ships) == len(truth) == summary["shipments"] >= 3000
    assert [s["shipment_id"] for s in ships] == [t["shipment_id"] for t in truth]
    flows = {t["flow"] for t in truth}
    assert {"direct", "to_conduit", "onward", "decoy_consumer", "decoy_out"} <= flows
    assert flows <= set(FLOWS) and set(roles.values()) == set(ROLES)
    for t in truth:
        to_listed = roles[t["consignee_entity_id"]] == "listed"
        assert to_listed == (t["flow"] in ("direct", "onward", "decoy_consumer")), t
        if t["flow"] == "onward":
            assert roles[t["shipper_entity_id"]] == "conduit"
    consumer = [s for s, t in zip(ships, truth, strict=True) if t["flow"] == "decoy_consumer"]
    assert consumer and not any(load_controlled().flags(
        pa.chunked_array([[s["hs_code"].replace(".", "") for s in consumer]])
    ).to_pylist())  # fmt: skip
    listed = [r for r in _rows(tmp_path / "a" / "trade_entities.csv") if r["role"] == "listed"]
    assert listed and all(r["list_id"] for r in listed)


def test_synth_shipments_do_not_use_the_alert_rules() -> None:
    code = (
        "import sys, resolver.synth.shipments; "
        "sys.exit(any(m.startswith('resolver.tradeflows') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_flows_benchmark_smoke(tmp_path) -> None:
    bench = importlib.import_module("benchmarks.flows")
    assert bench.main(["--sizes", "1000", "--results-dir", str(tmp_path)]) == 0
    payload = json.loads((tmp_path / "flows.json").read_text())
    ours, naive = payload["rows"]
    assert ours["status"] == naive["status"] == "ok"
    assert ours["seconds"] > 0 and ours["peak_mb"] > 0 and ours["load_avg_1m"] >= 0
    for row in (ours, naive):
        for key in ("conduit_precision", "conduit_recall", "direct_precision", "direct_recall"):
            assert row[key] is None or 0.0 <= row[key] <= 1.0
    assert ours["direct_recall"] > 0.5 and ours["conduit_recall"] > 0.0  # it finds routes
