"""Screening scores: a field the record lacks gives no evidence, in batch and real time."""

from __future__ import annotations

import pandas as pd

from resolver.screening import Screener


def test_record_without_legal_form_is_not_penalised(small_screener: Screener) -> None:
    """A record lacking a legal form lacks it against every party: no legal-form weight. A list
    alias lacking it (a short name matching longer names by chance) keeps the model's penalty."""
    no_form = small_screener.screen_one({"name": "Sunrise Marine Trading", "country": "AE"})
    best = next(m for m in no_form if m.list_id == "list:L2")
    assert best.weights["legal_form"] == 0.0 and "legal form" not in best.explanation
    with_form = small_screener.screen_one({"name": "Sunrise LLC", "country": "AE"})
    alias = next(m for m in with_form if m.list_id == "list:L2")
    assert alias.matched_name == "Sunrise"
    assert alias.weights["legal_form"] < 0  # the model's weight stands when the list lacks it
    records = pd.DataFrame(
        [
            {"id": "a", "name": "Sunrise Marine Trading", "country": "AE"},
            {"id": "b", "name": "Sunrise LLC", "country": "AE"},
        ]
    )
    batch = small_screener.screen(records, all_candidates=True).matches.to_pandas()
    for rid, match in (("a", best), ("b", alias)):
        row = batch[(batch.id == rid) & (batch.list_id == "list:L2")].iloc[0]
        assert row.score == match.score and row.explanation == match.explanation
