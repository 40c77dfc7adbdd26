"""CI smoke tests of the benchmark scripts: a tiny quality run and the RESULTS.md writer."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

# `benchmarks` is a top-level folder of the repo, not part of the installed package.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
dedupe_quality = importlib.import_module("benchmarks.dedupe_quality")
run_all = importlib.import_module("benchmarks.run_all")
screening = importlib.import_module("benchmarks.screening")
speed = importlib.import_module("benchmarks.speed")

METRICS = ("precision", "recall", "f1", "bcubed_precision", "bcubed_recall", "bcubed_f1")


def test_dedupe_quality_quick_on_generated_data(tmp_path: Path) -> None:
    argv = ["--quick", "--no-shared", "--quick-rows", "600", "--results-dir", str(tmp_path)]
    assert dedupe_quality.main(argv) == 0
    payload = json.loads((tmp_path / "dedupe_quality.json").read_text())
    assert payload["quick"] is True
    assert payload["command"].startswith("python -m benchmarks.dedupe_quality --quick")
    assert {"machine", "written_at", "columns", "rows"} <= set(payload)
    rows = payload["rows"]
    assert [r["method"] for r in rows] == list(dedupe_quality.METHODS)
    for row in rows:
        assert row["status"] == "ok"
        assert row["records"] == 600
        assert set(dedupe_quality.COLUMNS) <= set(row)
        for key in METRICS:
            assert 0.0 <= row[key] <= 1.0, (row["method"], key, row[key])
        assert row["seconds"] > 0 and row["peak_mb"] > 0
    assert rows[1]["train_s"] > 0  # EM on this data: training time recorded (and in seconds)
    assert rows[4]["labelled_pairs"] > 0 and rows[4]["train_s"] > 0


def test_labelled_pairs_are_matching_pairs_of_distinct_entities() -> None:
    import pandas as pd

    truth = pd.Series(
        [f"e{i // 3}" for i in range(900)] + ["single"], index=[f"r{i}" for i in range(901)]
    )
    labels = dedupe_quality.labelled_pairs(truth, n_pairs=200, seed=1)
    assert len(labels) == 400 and labels["entity_id"].nunique() == 200
    assert (labels.groupby("entity_id").size() == 2).all()
    assert (truth[labels["id"]].to_numpy() == labels["entity_id"].to_numpy()).all()
    assert "single" not in set(labels["entity_id"])  # an entity of one record gives no pair
    assert labels.equals(dedupe_quality.labelled_pairs(truth, n_pairs=200, seed=1))
    few = dedupe_quality.labelled_pairs(truth.iloc[:9], n_pairs=200, seed=1)
    assert len(few) == 6  # fewer entities than asked: every one of them


def test_screening_quick_on_generated_data(tmp_path: Path) -> None:
    assert (
        screening.main(
            ["--quick", "--entities", "300", "--no-shared", "--results-dir", str(tmp_path)]
        )
        == 0
    )
    payload = json.loads((tmp_path / "screening.json").read_text())
    rows = payload["rows"]
    assert [r["method"].split(" ")[0] for r in rows] == ["resolver"] * 4 + ["rapidfuzz"]
    for row in rows:
        assert 0.0 <= row["recall"] <= 1.0 and 0.0 <= row["precision"] <= 1.0, row
    assert "max recall at P>=0.95" in rows[3]["method"]
    assert rows[3]["precision"] >= 0.95 or rows[3]["recall"] == 0.0
    assert payload["seed"] == 7
    table = payload["calibration"]
    assert {b["dataset"] for b in table} == {rows[0]["dataset"]}
    assert sum(b["candidates"] for b in table) > 0
    assert all(0.0 <= b["true_share"] <= 1.0 for b in table)
    assert rows[0]["recall"] >= 0.5 and rows[0]["records_per_s"] > 0  # it finds listed parties


def test_test_half_is_deterministic_and_splits_by_entity() -> None:
    records = pd.DataFrame({"id": [str(i) for i in range(400)], "name": ["x"] * 400})
    truth = pd.Series([f"e{i // 4}" for i in range(400)], index=records["id"].to_numpy())
    kept, kept_truth = dedupe_quality.test_half(records, truth)
    again, _ = dedupe_quality.test_half(records.iloc[::-1], truth)
    assert sorted(kept["id"]) == sorted(again["id"])
    assert 0 < len(kept) < len(records)
    assert len(kept) % 4 == 0  # whole entities only
    assert all(dedupe_quality.is_test_entity(e) for e in kept_truth)


def test_cross_pairs_for_link_scoring() -> None:
    clusters = pd.Series({"a:1": "c1", "b:1": "c1", "b:2": "c1", "a:2": "c2", "b:3": "c3"})
    assert dedupe_quality.cross_pairs(clusters) == {("a:1", "b:1"), ("a:1", "b:2")}


def _fake_results() -> dict:
    machine = {
        "cpu_model": "Fake CPU",
        "logical_cores": 2,
        "physical_cores": 1,
        "ram_gb": 8.0,
        "os": "Linux",
        "python": "3.12.0",
        "versions": {"splink": "5.0.0"},
        "git_commit": "abc1234",
    }
    quality_row = {
        "dataset": "toy",
        "method": "resolver (default model)",
        "precision": 0.9876,
        "recall": 0.5,
        "f1": 0.6639,
        "bcubed_f1": 0.8,
        "seconds": 1.25,
        "peak_mb": 321.0,
        "records": 1000,
        "status": "ok",
    }
    runs = [
        {"method_key": "resolver", "records": 1_000_000, "seconds": 80.0, "peak_mb": 2000.0},
        {"method_key": "plain", "records": 1_000_000, "seconds": 40.0, "peak_mb": 1000.0},
    ]
    speed_rows = speed.build_rows([{**r, "status": "ok", "f1": 0.5} for r in runs])
    speed_rows[0]["blocking"] = [{"rule": "name_core", "blocks": 3, "pairs_upper_bound": 7}]
    return {
        "dedupe_quality": {
            "title": "Dedupe quality",
            "command": "python -m benchmarks.dedupe_quality",
            "machine": machine,
            "written_at": "2026-01-01T00:00:00+00:00",
            "columns": dedupe_quality.COLUMNS,
            "rows": [quality_row],
            "skipped": ["skipping febrl: not here"],
        },
        "speed": {
            "title": "Dedupe speed",
            "command": "python -m benchmarks.speed --sizes 1000000",
            "machine": machine,
            "columns": speed.COLUMNS,
            "rows": speed_rows,
            "sizes": [1_000_000],
            "targets": speed.targets(speed_rows),
            "blocking_largest": {"records": 1_000_000, "rules": speed_rows[0]["blocking"]},
        },
        "screening": {"machine": machine, "rows": [{"dataset": "x", "method": "y", "recall": 1.0}]},
    }


def test_run_all_markdown_writer(tmp_path: Path) -> None:
    results = _fake_results()
    assert results["speed"]["rows"][0]["ratio_vs_plain"] == 2.0
    assert results["speed"]["targets"]["seconds_met"] and results["speed"]["targets"]["memory_met"]
    text = run_all.render_markdown(results, generated_at="2026-01-02T00:00:00+00:00")
    assert "Written: 2026-01-02T00:00:00+00:00" in text
    assert "Fake CPU, 2 logical cores" in text
    assert "Reproduce: `python -m benchmarks.dedupe_quality`" in text
    assert "Reproduce: `python -m benchmarks.speed --sizes 1000000`" in text
    assert "Reproduce: `python -m benchmarks.screening`" in text  # no command in its JSON
    header = (
        "| data set | method | precision | recall | F1 | B-cubed F1 | wall s | peak MB | records |"
    )
    assert header in text
    assert (
        "| toy | resolver (default model) | 0.9876 | 0.5 | 0.6639 | 0.8 | 1.25 | 321 | 1000 |"
        in text
    )
    assert "Skipped: skipping febrl: not here" in text
    assert "80.0 s against < 90 s (met)" in text
    assert "| name_core | 3 | 7 |" in text
    path = run_all.write_markdown(text, tmp_path / "RESULTS.md")
    assert path.read_text() == text
    assert run_all.load_results(tmp_path, ["speed"]) == {}


def test_script_names_cut_is_the_lowest_with_target_precision() -> None:
    import numpy as np

    from benchmarks.script_names import _at_cut, _cut_at_precision

    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    labels = np.array([True, True, True, False, True, False])
    cut = _cut_at_precision(scores, labels)  # 0.5 would give 4/5 = 0.8 < 0.95
    assert cut == 0.7 and _at_cut(scores, labels, cut) == (1.0, 0.75)
    assert _cut_at_precision(np.array([0.5]), np.array([False])) == np.inf


def test_edinet_and_un_loaders_give_both_names_of_each_entity() -> None:
    from benchmarks.datasets import DataUnavailable, edinet_name_pairs, un_original_script_names

    try:
        records, truth = edinet_name_pairs()
        un = un_original_script_names()
    except DataUnavailable as exc:
        pytest.skip(str(exc))
    assert (truth.value_counts() == 2).all() and set(records["script"]) == {"ja", "en"}
    assert records.set_index("id").loc["E00004:ja", "name"] == "カネコ種苗株式会社"
    originals = un[un["kind"] == "original"]
    assert originals["entry"].is_unique and len(originals) > 300
    assert set(un["entry"]) == set(originals["entry"])


def test_incremental_compare_lists_differing_records() -> None:
    incremental = importlib.import_module("benchmarks.incremental")
    full = {"a": "1", "b": "1", "c": "2", "d": "3"}
    same = {"a": "x", "b": "x", "c": "y", "d": "z"}
    assert incremental.compare(same, full)["differing_records"] == 0
    merged = {"a": "x", "b": "x", "c": "x", "d": "z"}
    out = incremental.compare(merged, full)
    assert out["differing_records"] == 3  # a, b and c are in another group
    assert out["pairwise_recall"] == 1.0 and out["pairwise_precision"] < 1.0
    assert out["examples"][0]["incremental"] == ["a", "b", "c"]


def test_seed_sweep_quick_with_a_baseline_checkout(tmp_path: Path) -> None:
    seed_sweep = importlib.import_module("benchmarks.seed_sweep")
    argv = ["--quick", "--rows", "300", "--data-root", str(tmp_path / "data")]
    argv += ["--results-dir", str(tmp_path), "--baseline-src", str(ROOT)]  # this checkout
    assert seed_sweep.main(argv) == 0
    payload = json.loads((tmp_path / "seed_sweep.json").read_text())
    assert payload["quick"] is True and payload["seeds"] == [7001, 7002]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [
        "parties-300-seed7001",
        "parties-300-seed7002",
    ]
    assert Path(payload["baseline_resolver_file"]).is_relative_to(ROOT / "src")
    per_seed = payload["per_seed"]["rows"]
    methods = [seed_sweep.THIS, "resolver @ main", seed_sweep.RAPIDFUZZ]
    assert [(r["seed"], r["method"]) for r in per_seed] == [
        (s, m) for s in (7001, 7002) for m in methods
    ]
    for row in per_seed:
        assert row["records"] == 300 and row["seconds"] > 0 and row["peak_mb"] > 0
        assert 0.0 <= row["f1"] <= 1.0 and 0.0 <= row["bcubed_f1"] <= 1.0
        if row["method"] == seed_sweep.RAPIDFUZZ:
            assert row["pairs_completeness"] is None  # no scored pairs to count
        else:
            assert 0.0 < row["pairs_completeness"] <= 1.0
    for seed in (7001, 7002):  # the same code on the same files: the same figures
        this, base, _ = [r for r in per_seed if r["seed"] == seed]
        keys = ("precision", "recall", "bcubed_f1", "pairs_completeness")
        assert [this[k] for k in keys] == [base[k] for k in keys]
    summary = {r["method"]: r for r in payload["rows"]}
    assert list(summary) == methods
    for method, row in summary.items():
        f1 = [r["f1"] for r in per_seed if r["method"] == method]
        assert row["seeds"] == 2 and row["worst_f1"] == min(f1)
        assert abs(row["mean_f1"] - sum(f1) / 2) < 1e-12
        assert row["meets_target"] == (min(f1) >= seed_sweep.TARGET_WORST_F1)
        if method != seed_sweep.RAPIDFUZZ:
            pcs = [r["pairs_completeness"] for r in per_seed if r["method"] == method]
            assert row["worst_pairs_completeness"] == min(pcs)


def test_run_all_passes_the_baseline_package_to_the_benchmarks_that_take_one() -> None:
    src = str(ROOT / "src")
    cmd = run_all.command_for("seed_sweep", True, ROOT)
    assert cmd == ["python", "-m", "benchmarks.seed_sweep", "--quick", "--baseline-src", src]
    assert run_all.command_for("script_names", False, ROOT)[-2:] == ["--baseline-src", src]
    assert run_all.command_for("speed", False, ROOT) == ["python", "-m", "benchmarks.speed"]


def test_false_alerts_shared_word_rule() -> None:
    pytest.importorskip("rigour")  # the dev / bench extra
    from benchmarks.false_alerts import name_key, share_a_word

    # flags of issue 14: nothing in common once legal forms are set aside
    for query, listed in [
        ("MEGA STEEL OOO", "CITADEL LLC"),
        ("SEVERSOYUZ AO", "SVR"),
        ("OOO Granit", "GARANTIYA OOO"),
        ("BERKUT", "OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU PROEKT"),
        ("ООО «Запад»", "SABETTA"),
    ]:
        assert not share_a_word(query, listed), (query, listed)
    for query, listed in [
        ("ЗАО «Пульсар»", "PULSAR"),  # another script, soft sign
        ('"Kapital" LLC', "LLC VEB CAPITAL"),  # Jaro-Winkler 0.90
        ("Juxing Industrial (HK) Limited", "JIAXIANG INDUSTRY LTD"),
        ("北京市华达科技有限公司", "BEIJING YUNZE TECHNOLOGY CO., LTD."),  # Bei Jing
        ("TREIDINVEST", "OOO TREID-INVEST"),
    ]:
        assert share_a_word(query, listed), (query, listed)
    assert name_key("Granit OOO") == name_key("ООО «Гранит»") == ("granit",)
    assert name_key("Torgovyi Dom Zapad") == name_key("Zapad Torgovyi Dom LLC")


def test_false_alerts_on_a_generated_list(tmp_path: Path) -> None:
    from resolver.synth import generate

    pytest.importorskip("rigour")  # the dev / bench extra
    false_alerts = importlib.import_module("benchmarks.false_alerts")
    generate(tmp_path / "list", n_entities=600, seed=1)
    listed_csv = tmp_path / "list" / "list.csv"
    argv = ["--seeds", "7101", "--rows", "600", "--lists", str(listed_csv)]
    argv += ["--data-root", str(tmp_path / "data"), "--results-dir", str(tmp_path)]
    assert false_alerts.main(argv) == 0
    payload = json.loads((tmp_path / "false_alerts.json").read_text())
    excluded = payload["excluded"]
    (row,) = payload["rows"]
    assert excluded["generated"] == 600 and excluded["generator_listed"] > 0
    assert (
        row["screened"]
        == 600 - excluded["generator_listed"] - excluded["same_words_as_a_list_name"]
    )
    assert row["flags"] > 0  # the list and the parties come from one generator
    assert row["flags"] >= row["no_shared_word"] and row["flags"] >= row["flagged_records"]
    assert row["flags_per_1000"] == pytest.approx(1000 * row["flags"] / row["screened"])
    assert row["meets_target"] == (row["no_shared_word_per_1000"] <= 1.0)
    examples = payload["top_no_shared_word"]["rows"]
    assert len(examples) == min(row["no_shared_word"], false_alerts.TOP)
    assert [e["score"] for e in examples] == sorted((e["score"] for e in examples), reverse=True)
    for example in examples:
        assert not false_alerts.share_a_word(example["name"], example["matched_name"])
