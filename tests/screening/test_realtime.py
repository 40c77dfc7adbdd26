"""Real-time screening: one record scores as in the batch; the one-edit candidate keys."""

from __future__ import annotations

import pandas as pd

from resolver.screening import Screener
from tests.screening.ofac import perturbed_queries


def test_screen_one_matches_batch_scores(screener: Screener) -> None:
    """Real time and batch share word weights, levels (differential-tested) and arithmetic:
    the same candidates, scores, names and evidence."""
    queries = perturbed_queries(screener.lists, 40, seed=11).drop(columns=["truth", "kind"])
    queries["city"] = None
    batch = screener.screen(queries, all_candidates=True).matches.to_pandas()
    compared = 0
    for rec in queries.to_dict("records"):
        one = {m.list_id: m for m in screener.screen_one(rec)}
        rows = batch[batch.id == rec["id"]]
        assert set(rows.list_id) == set(one), rec
        for r in rows.itertuples():
            assert one[r.list_id].score == r.score, (rec, r)
            assert one[r.list_id].matched_name == r.matched_name
            assert one[r.list_id].explanation == r.explanation
            compared += 1
    assert compared >= 30


def test_screen_one_fields(screener: Screener) -> None:
    lists = screener.lists.to_pandas()
    org = lists[(lists.entity_type == "organization") & lists.tax_id.notna()].iloc[0]
    matches = screener.screen_one(
        {"name": org["name"], "tax_id": org.tax_id, "country": org.country}
    )
    best = matches[0]
    assert best.list_id == org.list_id and best.match and best.score > 0.9
    assert best.weights["name"] > 0 and best.weights["tax_id"] > 0
    assert "tax id: same +" in best.explanation
    assert screener.screen_one({"name": "Qwzx Plonk Gizmo Works"}) == []


def test_typo_in_only_name_word_is_a_candidate(small_screener: Screener) -> None:
    """'NOMSD' shares no word, key or core with 'NOMAD': only the one-edit keys find it, in both
    paths with the same score."""
    record = {"id": "t1", "name": '"NOMSD"', "country": "KZ"}
    one = {m.list_id: m for m in small_screener.screen_one(record)}
    assert "list:L1" in one, one
    batch = small_screener.screen(pd.DataFrame([record]), all_candidates=True).matches
    batch = batch.to_pandas()
    row = batch[batch.list_id == "list:L1"].iloc[0]
    assert row.score == one["list:L1"].score
    assert row.explanation == one["list:L1"].explanation
