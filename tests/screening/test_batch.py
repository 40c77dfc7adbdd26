"""Batch screening on the real OFAC/UN lists: quality on perturbed names, outputs, roll-up."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from resolver.errors import UsageError
from resolver.screening import Screener, ScreenResult
from resolver.screening.batch import MATCH_COLUMNS
from tests.screening.ofac import drop_legal, perturbed_queries, recall_precision, same_party


def test_perturbed_real_names_recall_precision(screener: Screener) -> None:
    queries = perturbed_queries(screener.lists, 120)
    assert len(queries) == 120
    result = screener.screen(queries.drop(columns=["truth", "kind"]), all_candidates=True)
    expected = same_party(screener.lists, queries)
    recall, precision = recall_precision(result.matches, expected)
    found = set(
        zip(
            result.matches.column("id").to_pylist(),
            result.matches.column("list_id").to_pylist(),
            strict=True,
        )
    )
    retrieved = len({q for q, _ in found & expected}) / len(queries)
    print(
        f"perturbed OFAC/UN names: recall {recall:.3f} precision {precision:.3f} retrieved {retrieved:.3f}"
    )
    by_kind = {}
    for kind in ("drop_legal", "swap_legal", "romanize", "typo"):
        ids = set(queries.id[queries.kind == kind])
        sub = result.matches.filter(
            pa.array([i in ids for i in result.matches.column("id").to_pylist()])
        )
        by_kind[kind] = recall_precision(sub, {p for p in expected if p[0] in ids})[0]
    dropped = queries[queries.kind == "drop_legal"].drop(columns=["truth", "kind"])
    bare = screener.screen(dropped.assign(country=None)).matches  # a name and nothing else
    by_kind["drop_legal, no country"] = recall_precision(
        bare, {p for p in expected if p[0] in set(dropped.id)}
    )[0]
    print("recall by perturbation:", {k: round(v, 3) for k, v in by_kind.items()})
    # measured: recall 0.78, precision 0.95, retrieved 0.98 with the model of commit 2832a69
    # (typos reach only its "rare-word overlap >= 0.6" name level: typo recall 0.39); with the
    # model retrained on 2026-11-29 (whole-name edit levels) 0.94, 0.94, 1.00 (typo 0.79).
    # A record without a legal form is not penalised for it: with the 2832a69 model drop_legal
    # 0.93 -> 0.97, and 0.10 -> 0.80 for bare names (no country either).
    assert retrieved >= 0.95, retrieved
    assert recall >= 0.7, recall
    assert precision >= 0.85, precision
    assert by_kind["drop_legal"] >= 0.85, by_kind
    assert by_kind["drop_legal, no country"] >= 0.7, by_kind


def test_unrelated_parties_not_matched(screener: Screener) -> None:
    records = pd.DataFrame(
        {
            "id": ["c1", "c2", "c3"],
            "name": [
                "Bavarian Precision Bearings GmbH",
                "Lakeside Dairy Cooperative",
                "Nordic Timber Export AB",
            ],
            "country": ["DE", "US", "SE"],
        }
    )
    result = screener.screen(records)
    assert result.matches.filter(result.matches.column("match")).num_rows == 0
    assert result.summary["records_below_floor"] + result.summary["records_with_candidates"] == 3


def test_outputs_shape_explanation_and_floor(screener: Screener, tmp_path: Path) -> None:
    lists = screener.lists.to_pandas()
    org = lists[(lists.entity_type == "organization") & (lists.name_type == "primary")].iloc[0]
    records = pd.DataFrame(
        {
            "id": ["hit", "miss"],
            "name": [org["name"], "Qwzx Plonk Gizmo Works"],
            "country": [org.country, "FR"],
        }
    )
    result = screener.screen(records, all_candidates=True)
    m = result.matches.to_pandas()
    # screening's own columns in order, among the reviewer's (their order: test_dedupe)
    assert [c for c in m.columns if c in MATCH_COLUMNS] == list(MATCH_COLUMNS)
    assert {"name", "country", "status"} <= set(m.columns)
    assert (m.status == m.match.map({True: "alert", False: "candidate"})).all()
    top = m[m.id == "hit"].iloc[0]
    assert top.list_id == org.list_id and top.match and top.matched_name == org["name"]
    assert re.search(r"name: [^;]+ \+\d+\.\d", top.explanation), top.explanation
    assert "miss" not in set(m.id)
    assert result.summary["records_below_floor"] == 1
    assert result.summary["records"] == 2 and result.summary["records_with_match"] == 1
    assert (m.score >= result.summary["floor"]).all() and m.score.between(0, 1).all()
    out = result.save(tmp_path / "out")
    assert {p.name for p in out.iterdir()} >= {"matches.csv", "summary.json", "report.html"}
    with pytest.raises(UsageError):
        result.save(tmp_path / "out")


def test_entity_roll_up(screener: Screener, tmp_path: Path) -> None:
    lists = screener.lists.to_pandas()
    org = lists[(lists.entity_type == "organization") & (lists.name_type == "primary")].iloc[3]
    records = pd.DataFrame(
        {
            "id": ["r1", "r2", "r3"],
            "name": [
                org["name"],
                drop_legal(org["name"]) or org["name"] + " Trading",
                "Qwzx Plonk Gizmo",
            ],
            "country": [org.country, org.country, "FR"],
            "entity_id": ["E1", "E1", "E2"],
        }
    )
    result = screener.screen(records, all_candidates=True)
    ent = result.entity_matches.to_pandas()
    row = ent[(ent.entity_id == "E1") & (ent.list_id == org.list_id)].iloc[0]
    per_record = result.matches.to_pandas()
    per_record = per_record[per_record.list_id == org.list_id]
    assert row.score == per_record.score.max()
    assert row.n_records_matched == int(per_record.match.sum()) >= 1
    assert row.best_record_id in {"r1", "r2"}
    assert "E2" not in set(ent.entity_id)
    # a dedupe output folder is rolled up too
    folder = tmp_path / "dedupe"
    folder.mkdir()
    records.assign(cluster_size=2, unmatchable=False).to_csv(folder / "clusters.csv", index=False)
    from_folder = screener.screen(folder, all_candidates=True)
    assert from_folder.entity_matches is not None
    assert from_folder.entity_matches.num_rows == result.entity_matches.num_rows
    saved = from_folder.save(tmp_path / "out")
    assert (saved / "entity_matches.csv").exists()


def test_result_type() -> None:
    assert ScreenResult.__dataclass_fields__.keys() >= {"matches", "summary", "entity_matches"}


def test_scoring_in_passes_gives_the_same_matches(small_screener: Screener, monkeypatch) -> None:
    """A big batch is scored SCORE_CHUNK_ROWS records at a time: the list is the corpus, so the
    matches, their explanations and waterfalls are those of one pass."""
    from resolver.screening import batch

    names = [
        "Nomad LLP",
        "Sunrise Marine Trading",
        "Orion Cargo Services FZE",
        "Kestrel Avionics Limited",
        "Bluefin Components",
        "Tessera Optic Ltd",
        "Unrelated Bakery GmbH",
        "Sunrise Marine Trading",
        "Orion Cargo Service",
        "Kestrel Avionix Ltd",
        "Nomad",
    ]
    records = pd.DataFrame(
        {
            "id": [f"r{k:02d}" for k in range(len(names))],
            "name": names,
            "entity_id": [f"E{k % 4}" for k in range(len(names))],
        }
    )
    whole = small_screener.screen(records, all_candidates=True)
    monkeypatch.setattr(batch, "SCORE_CHUNK_ROWS", 4)
    passes = small_screener.screen(records, all_candidates=True)
    assert whole.matches.num_rows > 5
    assert passes.matches.equals(whole.matches)
    assert passes.entity_matches.equals(whole.entity_matches)
    for row in whole.matches.to_pylist():
        assert passes.waterfall(row["id"], row["list_id"]) == whole.waterfall(
            row["id"], row["list_id"]
        )
