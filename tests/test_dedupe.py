"""The dedupe contract: CLI files and columns, API, determinism, conservation, model round trip."""

from __future__ import annotations

import csv
import json
import random

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from resolver import Resolver
from resolver.cli import main
from resolver.evaluate import pairwise_metrics


def read_csv_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def dedupe_run(tmp_path_factory, synth_dir, trained_model):
    out = tmp_path_factory.mktemp("run") / "out"
    code = main(
        ["dedupe", str(synth_dir / "parties.csv"), "--out", str(out), "--model", str(trained_model)]
    )
    assert code == 0
    return out


def test_cli_writes_every_file_and_column(dedupe_run, synth_dir):
    for name in ("clusters.csv", "entities.csv", "pairs.parquet", "summary.json"):
        assert (dedupe_run / name).is_file(), name
    inputs = read_csv_rows(synth_dir / "parties.csv")
    clusters = read_csv_rows(dedupe_run / "clusters.csv")
    assert list(clusters[0]) == list(inputs[0]) + ["entity_id", "cluster_size", "unmatchable"]
    # every input row exactly once, in input order, carried columns untouched
    assert [r["id"] for r in clusters] == [r["id"] for r in inputs]
    assert all(c["shipment_id"] == i["shipment_id"] for c, i in zip(clusters, inputs, strict=True))
    sizes: dict[str, int] = {}
    for row in clusters:
        sizes[row["entity_id"]] = sizes.get(row["entity_id"], 0) + 1
    assert all(int(r["cluster_size"]) == sizes[r["entity_id"]] for r in clusters)
    entities = read_csv_rows(dedupe_run / "entities.csv")
    assert {e["entity_id"] for e in entities} == set(sizes)
    assert sum(int(e["n_records"]) for e in entities) == len(inputs)
    summary = json.loads((dedupe_run / "summary.json").read_text())
    assert summary["records"] == len(inputs)
    assert summary["entities"] == len(entities)
    pairs = pq.read_table(dedupe_run / "pairs.parquet")
    assert {"id_l", "id_r", "match_probability", "match_weight", "mw_name"} <= set(
        pairs.column_names
    )
    assert summary["pairs_written"] == pairs.num_rows
    ids_l, ids_r = pairs.column("id_l").to_pylist(), pairs.column("id_r").to_pylist()
    keys = list(zip(ids_l, ids_r, strict=True))
    assert keys and keys == sorted(keys) and all(a < b for a, b in keys)  # documented order


def test_quality_on_generated_data(dedupe_run, synth_dir):
    clusters = read_csv_rows(dedupe_run / "clusters.csv")
    truth = {r["id"]: r["entity_id"] for r in read_csv_rows(synth_dir / "truth.csv")}
    scores = pairwise_metrics({r["id"]: r["entity_id"] for r in clusters}, truth)
    assert scores["precision"] >= 0.9, scores
    assert scores["recall"] >= 0.8, scores


def test_refuses_existing_output_without_overwrite(dedupe_run, synth_dir, trained_model, capsys):
    before = (dedupe_run / "clusters.csv").read_bytes()
    code = main(
        [
            "dedupe",
            str(synth_dir / "parties.csv"),
            "--out",
            str(dedupe_run),
            "--model",
            str(trained_model),
        ]
    )
    assert code == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (dedupe_run / "clusters.csv").read_bytes() == before


def test_deterministic_and_row_order_independent(tmp_path, synth_dir, trained_model, dedupe_run):
    again = tmp_path / "again"
    assert (
        main(
            [
                "dedupe",
                str(synth_dir / "parties.csv"),
                "--out",
                str(again),
                "--model",
                str(trained_model),
            ]
        )
        == 0
    )
    assert (again / "clusters.csv").read_bytes() == (dedupe_run / "clusters.csv").read_bytes()
    # shuffled rows give the same entity per id
    rows = read_csv_rows(synth_dir / "parties.csv")
    random.Random(3).shuffle(rows)
    shuffled = tmp_path / "shuffled.csv"
    with open(shuffled, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "shuffled_out"
    assert main(["dedupe", str(shuffled), "--out", str(out), "--model", str(trained_model)]) == 0
    first = {r["id"]: r["entity_id"] for r in read_csv_rows(dedupe_run / "clusters.csv")}
    second = {r["id"]: r["entity_id"] for r in read_csv_rows(out / "clusters.csv")}
    assert first == second


def test_parquet_format(tmp_path, small_csv, trained_model):
    out = tmp_path / "pq"
    assert (
        main(
            [
                "dedupe",
                str(small_csv),
                "--out",
                str(out),
                "--model",
                str(trained_model),
                "--format",
                "parquet",
            ]
        )
        == 0
    )
    table = pq.read_table(out / "clusters.parquet")
    assert table.num_rows == 11 and "entity_id" in table.column_names
    assert (out / "entities.parquet").exists() and not (out / "clusters.csv").exists()


def test_model_round_trip_gives_same_pairs(tmp_path, synth_dir, trained_model):
    model = Resolver.load(trained_model)
    model.save(tmp_path / "copy.json")
    again = Resolver.load(tmp_path / "copy.json")
    assert (
        json.loads((tmp_path / "copy.json").read_text())["comparisons"] == model.params.comparisons
    )
    a = model.dedupe(synth_dir / "parties.csv").pairs
    b = again.dedupe(synth_dir / "parties.csv").pairs
    assert a.equals(b)


def test_api_accepts_dataframe_and_arrow(synth_dir, trained_model):
    import pandas as pd

    model = Resolver.load(trained_model)
    frame = pd.read_csv(synth_dir / "parties.csv", dtype=str, keep_default_na=False).head(200)
    from_df = model.dedupe(frame)
    from_arrow = model.dedupe(pacsv.read_csv(synth_dir / "parties.csv").slice(0, 200))
    assert from_df.clusters.num_rows == 200 == from_arrow.clusters.num_rows
    assert set(from_df.clusters.column_names) >= {"id", "name", "entity_id", "cluster_size"}
    assert from_df.entities.num_rows == len(set(from_df.clusters.column("entity_id").to_pylist()))


def test_links_can_be_left_out_without_changing_the_entities(synth_dir, trained_model):
    model = Resolver.load(trained_model)
    table = pacsv.read_csv(synth_dir / "parties.csv").slice(0, 300)
    full = model.dedupe(table)
    lean = model.dedupe(table, links=False)
    assert full.links is not None and full.links.num_rows == 300
    assert lean.links is None
    assert lean.clusters.equals(full.clusters)
    assert lean.entities.equals(full.entities)


def test_unmatchable_names_stay_as_flagged_singletons(small_csv, trained_model):
    result = Resolver.load(trained_model).dedupe(small_csv)
    rows = {r["id"]: r for r in result.clusters.to_pylist()}
    for rid in ("010", "011"):  # "ООО" alone and "---"
        assert rows[rid]["unmatchable"] is True
        assert rows[rid]["cluster_size"] == 1
    assert result.summary["unmatchable_records"] == 2


def test_i_machine_technology_spellings_resolve_together(small_csv, trained_model):
    rows = {r["id"]: r for r in Resolver.load(trained_model).dedupe(small_csv).clusters.to_pylist()}
    tech = {rows[i]["entity_id"] for i in ("001", "002", "003")}
    assert len(tech) == 1, "Cyrillic, transliterated and English spellings must be one entity"
    assert rows["004"]["entity_id"] not in tech and rows["005"]["entity_id"] not in tech
    assert rows["006"]["entity_id"] != rows["007"]["entity_id"]  # Alfa Trade vs Alfa Trading Group


def test_training_without_optional_columns(tmp_path, synth_dir):
    import pandas as pd

    frame = pd.read_csv(synth_dir / "parties.csv", dtype=str, keep_default_na=False)[
        ["id", "name", "country"]
    ]
    model = Resolver.train(frame, seed=3)
    shipped = Resolver.load().params
    # comparisons the data has no values for keep the shipped m (the model stays usable on
    # data that has them)
    for name in ("place", "tax_id"):
        m = [lv["m"] for lv in model.params.comparisons[name]]
        assert m == pytest.approx([lv["m"] for lv in shipped.comparisons[name]], rel=1e-12)
    assert model.params.comparisons["name"] != shipped.comparisons["name"]
    result = model.dedupe(frame)
    assert result.clusters.num_rows == len(frame)


def test_cli_screen_writes_matches_against_generated_list(tmp_path, synth_dir, trained_model):
    out = tmp_path / "screen"
    code = main(
        [
            "screen",
            str(synth_dir / "parties.csv"),
            "--list",
            str(synth_dir / "list.csv"),
            "--out",
            str(out),
            "--model",
            str(trained_model),
        ]
    )
    assert code == 0
    rows = read_csv_rows(out / "matches.csv")
    assert list(rows[0]) == [
        "id",
        "name",
        "country",
        "list_id",
        "list_source",
        "list_name",
        "matched_name",
        "score",
        "match",
        "status",
        "explanation",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["records"] == len(read_csv_rows(synth_dir / "parties.csv"))
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)
    assert any(r["match"] == "true" for r in rows)


def test_postcode_and_initials_block_only_profiles_with_a_tax_id(tmp_path):
    """Febrl-like typos in every name word still meet on postcode + initials, given tax ids."""
    from resolver.engine import Engine
    from resolver.features import INITIALS_COLUMN, build_features
    from resolver.io.readers import read_records
    from resolver.model.blocking import BLOCKING_RULES

    rule = BLOCKING_RULES.index(("postcode", INITIALS_COLUMN, "tax_id_present"))
    path = tmp_path / "people.csv"
    path.write_text(
        "id,name,postcode,tax_id\n"
        "a,chloe wasley,6148,5068158\n"
        "b,chlvoe wasleg,6148,5069158\n"
        "c,chloee wazley,6148,\n"
        "d,chloe wasley,6149,5068158\n",
        encoding="utf-8",
    )
    engine = Engine(backend="duckdb")
    try:
        profiles = build_features(
            read_records(path), engine.con, blocking_rules=BLOCKING_RULES
        ).profiles
    finally:
        engine.close()
    key = dict(
        zip(
            profiles.column("unique_id").to_pylist(),
            profiles.column(f"blk_{rule}").to_pylist(),
            strict=True,
        )
    )
    assert key["a"] is not None and key["a"] == key["b"]
    assert key["c"] is None  # no tax id: not on this rule
    assert key["d"] not in (None, key["a"])  # another postcode
