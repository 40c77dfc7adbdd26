"""Screening results for a reviewer: who each record is, statuses, decisions applied."""

from __future__ import annotations

import pyarrow as pa

from resolver.review.decisions import read_decisions
from resolver.review.screening import review

RECORDS = pa.table(
    {
        "id": ["r1", "r2", "r3", "r4"],
        "name": ["Acme Trading LLC", "ACME TRADING LI", "Acme Trading LLC", "Other Co"],
        "country": ["Russia", "RU", None, "AE"],
    }
)
MATCHES = pa.table(
    {
        "id": ["r1", "r2", "r2", "r3", "r4"],
        "list_id": ["L1", "L1", "L2", "L1", "L3"],
        "list_source": ["x"] * 5,
        "list_name": ["ACME", "ACME", "Acme Two", "ACME", "Other"],
        "matched_name": ["ACME", "ACME", "Acme Two", "ACME", "Other"],
        "score": [0.97, 0.91, 0.2, 0.6, 0.3],
        "match": [True, True, False, True, False],
        "explanation": ["e1", "e2", "e3", "e4", "e5"],
    }
)
ENTITY_MATCHES = pa.table(
    {
        "entity_id": ["E1", "E1", "E2"],
        "list_id": ["L1", "L2", "L3"],
        "list_source": ["x"] * 3,
        "list_name": ["ACME", "Acme Two", "Other"],
        "matched_name": ["ACME", "Acme Two", "Other"],
        "score": [0.97, 0.2, 0.3],
        "match": [True, False, False],
        "n_records_matched": pa.array([3, 0, 0], pa.int64()),
        "best_record_id": ["r1", "r2", "r4"],
        "explanation": ["e1", "e3", "e5"],
    }
)


def test_matches_carry_the_records_name_and_country_and_only_alerts_by_default():
    out = review(MATCHES, RECORDS).matches
    assert out.column_names == [
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
    rows = out.to_pylist()
    assert [(r["id"], r["list_id"]) for r in rows] == [("r1", "L1"), ("r2", "L1"), ("r3", "L1")]
    assert rows[1]["name"] == "ACME TRADING LI" and rows[1]["country"] == "RU"
    assert {r["status"] for r in rows} == {"alert"}
    every = review(MATCHES, RECORDS, all_candidates=True)
    assert every.matches.num_rows == MATCHES.num_rows
    assert every.matches.column("status").to_pylist() == [
        "alert",
        "alert",
        "candidate",
        "alert",
        "candidate",
    ]
    assert every.summary["alerts"] == 3 and every.summary["candidates_below_threshold"] == 2


def test_with_entities_each_row_names_the_entity():
    entity_ids = pa.array(["E1", "E1", "E1", "E2"])
    out = review(
        MATCHES, RECORDS, entity_ids=entity_ids, entity_matches=ENTITY_MATCHES, all_candidates=True
    )
    rows = out.matches.to_pylist()
    assert out.matches.column_names[3:5] == ["entity_id", "entity_name"]
    # the entity's name is its most common complete spelling, not the cut one
    assert {r["entity_name"] for r in rows if r["entity_id"] == "E1"} == {"Acme Trading LLC"}
    ents = out.entity_matches.to_pylist()
    assert out.entity_matches.column_names[:3] == ["entity_id", "entity_name", "entity_countries"]
    assert out.entity_matches.column_names[-2:] == ["status", "explanation"]
    e1 = next(e for e in ents if e["entity_id"] == "E1" and e["list_id"] == "L1")
    assert e1["entity_countries"] == "RU" and e1["status"] == "alert"
    assert next(e for e in ents if e["entity_id"] == "E2")["entity_countries"] == "AE"
    alerts_only = review(MATCHES, RECORDS, entity_ids=entity_ids, entity_matches=ENTITY_MATCHES)
    assert alerts_only.entity_matches.column("list_id").to_pylist() == ["L1"]


def test_decisions_suppress_no_match_and_keep_confirmed_matches(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text(
        "id,list_id,decision,note,reviewer,date\n"
        "r1,L1,no_match,other company in Dubai,anna,2025-01-10\n"
        "r2,L2,match,same tax id,bo,\n"
        "r9,L1,no_match,,,\n"
        "r1,L9,match,,,\n",
        encoding="utf-8",
    )
    decisions = read_decisions(path)
    out = review(MATCHES, RECORDS, decisions=decisions)
    rows = {(r["id"], r["list_id"]): r for r in out.matches.to_pylist()}
    suppressed = rows[("r1", "L1")]
    assert suppressed["status"] == "suppressed" and suppressed["match"] is True
    assert suppressed["decision_note"] == "no_match by anna on 2025-01-10: other company in Dubai"
    confirmed = rows[("r2", "L2")]  # below the threshold, kept because confirmed
    assert (
        confirmed["status"] == "confirmed"
        and confirmed["decision_note"] == "match by bo: same tax id"
    )
    assert rows[("r2", "L1")]["status"] == "alert" and rows[("r2", "L1")]["decision_note"] is None
    assert ("r4", "L3") not in rows  # an undecided candidate stays out
    s = out.summary
    assert s["alerts"] == 2 and s["decisions"]["suppressed"] == 1
    assert s["decisions"]["confirmed"] == 1 and s["decisions"]["not_among_candidates"] == 2
