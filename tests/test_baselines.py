"""Tests for the benchmark baselines, loaders and helpers (loaders need ../shared/data)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from resolver.evaluate import link_metrics, pairwise_metrics

# `benchmarks` is a top-level folder of the repo, not part of the installed package.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
baselines = importlib.import_module("benchmarks.baselines")
common = importlib.import_module("benchmarks.common")
datasets = importlib.import_module("benchmarks.datasets")


@pytest.fixture
def tiny() -> pd.DataFrame:
    """Two obvious duplicates and one distinct company."""
    return pd.DataFrame(
        {
            "id": ["1", "2", "3"],
            "name": ["Acme Trading Ltd.", "ACME TRADING LTD", "Zenith Shipping Corp"],
            "city": ["London", "london", "Paris"],
            "postcode": ["E1 6AN", "E1 6AN", "75001"],
        }
    )


def _check_tiny(clusters: pd.Series) -> None:
    assert set(clusters.index) == {"1", "2", "3"}
    assert clusters["1"] == clusters["2"]
    assert clusters["3"] != clusters["1"]


def test_clean_text() -> None:
    assert baselines.clean_text("  Société Générale, S.A. ") == "societe generale s a"
    assert baselines.clean_text("--") is None
    assert baselines.clean_text(None) is None


def test_rapidfuzz_dedupe_tiny(tiny: pd.DataFrame) -> None:
    clusters = baselines.rapidfuzz_dedupe(tiny)
    _check_tiny(clusters)
    assert clusters["1"] == "1"  # named after the first record of the cluster
    _check_tiny(baselines.rapidfuzz_dedupe(tiny, block="none", scorer="token_sort_ratio"))
    with pytest.raises(ValueError):
        baselines.rapidfuzz_dedupe(tiny, block="bogus")


def test_rapidfuzz_dedupe_handles_empty_names() -> None:
    df = pd.DataFrame({"id": ["a", "b", "c"], "name": [None, "", "Acme"]})
    clusters = baselines.rapidfuzz_dedupe(df)
    assert clusters.to_dict() == {"a": "a", "b": "b", "c": "c"}


def test_plain_splink_dedupe_tiny(tiny: pd.DataFrame) -> None:
    clusters = baselines.plain_splink_dedupe(tiny)
    _check_tiny(clusters)
    assert baselines.plain_splink_dedupe(tiny, blocking="prefix").equals(clusters)


def test_plain_splink_dedupe_name_only_no_exact_pairs() -> None:
    # No exact-name pairs: the prior is left at its default and EM failures are tolerated.
    df = pd.DataFrame({"id": list("abcd"), "name": ["Alpha Co", "Alfa Co", "Beta", "Gamma"]})
    clusters = baselines.plain_splink_dedupe(df, blocking="prefix")
    assert set(clusters.index) == set("abcd")


def test_measure_and_results(tmp_path: Path) -> None:
    result, seconds, peak_mb = common.measure(sum, [1, 2, 3])
    assert result == 6 and seconds >= 0 and peak_mb > 1
    path = common.write_result("unit-test", {"x": 1.5, "n": pd.Series([1]).iloc[0]}, tmp_path)
    data = json.loads(path.read_text())
    assert data["x"] == 1.5 and data["n"] == 1 and "machine" in data
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(ValueError):
        common.write_result("../escape", {}, tmp_path)
    table = common.markdown_table([{"a": 0.123456, "b": "x|y"}], ["a", "b", "c"])
    assert table.splitlines() == ["| a | b | c |", "| --- | --- | --- |", "| 0.1235 | x\\|y |  |"]
    assert {"cpu_model", "logical_cores", "ram_gb", "python", "versions"} <= set(
        common.machine_info()
    )


# ------------------------------------------------------------------------------------------
# Loaders on the real files


@pytest.fixture(scope="module")
def shared() -> Path:
    """The shared data folder, or skip."""
    try:
        return datasets.data_dir()
    except datasets.DataUnavailable as exc:
        pytest.skip(str(exc))


def _check_schema(records: pd.DataFrame, truth: pd.Series) -> None:
    assert records["id"].is_unique
    assert set(truth.index) == set(records["id"])
    assert {"id", "name"} <= set(records.columns)


def test_data_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RESOLVER_SHARED_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(datasets.DataUnavailable, match="RESOLVER_SHARED_DATA"):
        datasets.febrl(3)


@pytest.mark.shared
def test_febrl(shared: Path) -> None:
    records, truth = datasets.febrl(3)
    _check_schema(records, truth)
    assert len(records) == 5000 and truth.nunique() == 2000
    assert pairwise_metrics(truth, truth)["n_true_pairs"] == 6538
    row = records.set_index("id").loc["rec-1496-org"]
    assert row["name"] == "mitchell green" and row["address"] == "7 wallaby place delmar"
    assert row["city"] == "cleveland" and row["postcode"] == "2119" and row["tax_id"] == "1804974"
    df_a, df_b, truth4 = datasets.febrl4()
    assert len(df_a) == len(df_b) == 5000
    assert len(datasets.link_truth_pairs(df_a["id"], df_b["id"], truth4)) == 5000


@pytest.mark.shared
def test_restaurants(shared: Path) -> None:
    records, truth = datasets.restaurants()
    _check_schema(records, truth)
    assert len(records) == 864
    assert pairwise_metrics(truth, truth)["n_true_pairs"] == 112


@pytest.mark.shared
def test_ofac(shared: Path) -> None:
    records, truth = datasets.ofac_alias_records()
    _check_schema(records, truth)
    assert (len(records), truth.nunique()) == (7385, 3034)
    assert "country" not in records.columns
    records, truth = datasets.ofac_alias_records(russia_only=True, with_address=True)
    assert (len(records), truth.nunique()) == (2656, 1057)
    assert records.groupby(truth.reindex(records["id"]).to_numpy())["country"].nunique().max() == 1
    records, truth = datasets.ofac_alias_records(orgs_only=False)
    assert (len(records), truth.nunique()) == (15426, 6963)


@pytest.mark.shared
def test_patentsview(shared: Path) -> None:
    records, truth = datasets.patentsview("distinct")
    _check_schema(records, truth)
    assert (len(records), truth.nunique()) == (12367, 6176)


@pytest.mark.shared
def test_name_bench(shared: Path) -> None:
    pairs = datasets.name_bench_company_pairs()
    assert len(pairs) == 266
    assert pairs["logicv2_score"].notna().sum() == 259  # 7 newer cases have no frozen score
    assert set(pairs["schema"]) == {"Company", "Organization", "LegalEntity"}
    assert pairs["is_match"].dtype == bool
    everything = datasets.name_bench_pairs()
    assert len(everything) == 826 and everything["case_id"].notna().sum() == 812
    assert everything["case_id"].dropna().is_unique


@pytest.mark.shared
def test_senzing(shared: Path) -> None:
    records, truth = datasets.senzing_truthset()
    _check_schema(records, truth)
    assert (len(records), truth.nunique()) == (159, 85)


@pytest.mark.shared
def test_baselines_on_restaurants(shared: Path) -> None:
    records, truth = datasets.restaurants()
    m = pairwise_metrics(baselines.rapidfuzz_dedupe(records, columns=("name", "address")), truth)
    assert m["f1"] > 0.8
    m = pairwise_metrics(baselines.plain_splink_dedupe(records), truth)
    assert m["precision"] > 0.8 and m["recall"] > 0.5


@pytest.mark.shared
def test_plain_splink_link_febrl4(shared: Path) -> None:
    df_a, df_b, truth = datasets.febrl4()
    pairs = baselines.plain_splink_link(df_a.head(1500), df_b, blocking="exact")
    assert list(pairs.columns) == ["id_a", "id_b", "match_probability"]
    assert pairs["id_a"].isin(df_a["id"]).all() and pairs["id_b"].isin(df_b["id"]).all()
    true = datasets.link_truth_pairs(df_a["id"].head(1500), df_b["id"], truth)
    assert link_metrics(pairs[["id_a", "id_b"]], true)["f1"] > 0.9
