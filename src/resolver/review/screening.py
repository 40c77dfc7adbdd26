"""Screening results as a reviewer reads them: who each record is, each row's status, the
reviewer's earlier decisions applied.

Statuses: ``alert`` (score at or above the threshold, not yet decided), ``confirmed`` (judged a
match: kept whatever the score), ``suppressed`` (judged no match: no longer an alert, kept in
the file with the reviewer's note), ``candidate`` (below the threshold; written only with
``all_candidates``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from resolver.normalize import normalize_country
from resolver.review.decisions import Decision, Decisions
from resolver.review.spelling import representative_names

ALERT, CONFIRMED, SUPPRESSED, CANDIDATE = "alert", "confirmed", "suppressed", "candidate"
STATUSES = (CONFIRMED, ALERT, SUPPRESSED, CANDIDATE)  # an entity takes the first that applies


@dataclass
class Reviewed:
    """The reviewer's tables and what the decisions did."""

    matches: pa.Table
    entity_matches: pa.Table | None
    summary: dict[str, Any] = field(default_factory=dict)


def note_of(d: Decision) -> str:
    """A decision in words, e.g. ``no_match by anna on 2025-01-10: other company``."""
    who = f" by {d.reviewer}" if d.reviewer else ""
    when = f" on {d.date}" if d.date else ""
    return f"{d.decision}{who}{when}" + (f": {d.note}" if d.note else "")


def entity_profiles(records: pa.Table, entity_ids: pa.Array) -> tuple[dict, dict]:
    """Each entity's name (its most common complete spelling, as dedupe names it) and its
    countries (ISO2, ';'-joined)."""
    names = pa.table({"entity_id": entity_ids, "name": records.column("name")})
    counted = names.group_by(["entity_id", "name"]).aggregate([([], "count_all")])
    counted = counted.rename_columns(["entity_id", "name", "n"])
    best = representative_names(counted.filter(pc.is_valid(counted.column("name"))))
    name_of = dict(zip(*best.to_pydict().values(), strict=True))
    countries: dict[str, set[str]] = {}
    raw = records.column("country").to_pylist() if "country" in records.column_names else []
    for entity, country in zip(entity_ids.to_pylist(), raw, strict=False):
        iso = normalize_country(country)
        if iso:
            countries.setdefault(entity, set()).add(iso)
    return name_of, {e: ";".join(sorted(c)) for e, c in countries.items()}


def review(
    matches: pa.Table,
    records: pa.Table,
    *,
    entity_ids: pa.Array | None = None,
    entity_matches: pa.Table | None = None,
    decisions: Decisions | None = None,
    all_candidates: bool = False,
) -> Reviewed:
    """``matches`` (id, list_id, ..., score, match, explanation) with the record's name and
    country (and entity id and name), a status and the decision's note; rows neither alerts
    nor decided are dropped unless ``all_candidates``. ``records``: the screened records
    (id, name, country), ``entity_ids`` aligned with them."""
    ids = records.column("id").to_pylist()
    where = {record: i for i, record in enumerate(ids)}
    names = records.column("name").to_pylist()
    countries = (
        records.column("country").to_pylist()
        if "country" in records.column_names
        else [None] * len(ids)
    )
    entity_of = entity_ids.to_pylist() if entity_ids is not None else None
    name_of, countries_of = (
        entity_profiles(records, entity_ids) if entity_ids is not None else ({}, {})
    )
    rows = matches.to_pylist()
    used: set[tuple[str, str]] = set()
    for row in rows:
        d = decisions.on_list.get((row["id"], row["list_id"])) if decisions else None
        if d is not None:
            used.add((row["id"], row["list_id"]))
            row["status"] = CONFIRMED if d.match else SUPPRESSED
            row["decision_note"] = note_of(d)
        else:
            row["status"] = ALERT if row["match"] else CANDIDATE
            row["decision_note"] = None
    counts = Counter(r["status"] for r in rows)
    kept = [r for r in rows if all_candidates or r["status"] != CANDIDATE]

    def record_columns(row: dict) -> dict:
        i = where[row["id"]]
        out = {"id": row["id"], "name": names[i], "country": countries[i]}
        if entity_of is not None:
            out["entity_id"] = entity_of[i]
            out["entity_name"] = name_of.get(entity_of[i])
        return out

    columns = [
        {
            **record_columns(r),
            **{c: r[c] for c in ("list_id", "list_source", "list_name", "matched_name")},
            "score": r["score"],
            "match": r["match"],
            "status": r["status"],
            **({"decision_note": r["decision_note"]} if decisions else {}),
            "explanation": r["explanation"],
        }
        for r in kept
    ]
    out_matches = _table(columns, _match_schema(entity_of is not None, decisions is not None))
    summary: dict[str, Any] = {
        "alerts": counts[ALERT],
        "candidates_below_threshold": counts[CANDIDATE],
        "candidates_written": all_candidates,
    }
    if decisions is not None:
        summary["decisions"] = {
            "file": decisions.source,
            "confirmed": counts[CONFIRMED],
            "suppressed": counts[SUPPRESSED],
            "not_among_candidates": len(set(decisions.on_list) - used),
            "on_record_pairs_not_used": len(decisions.records),
        }
    out_entities = None
    if entity_matches is not None and entity_of is not None:
        out_entities = _entity_rows(
            entity_matches, rows, where, entity_of, name_of, countries_of, all_candidates
        )
    return Reviewed(out_matches, out_entities, summary)


def _entity_rows(
    entity_matches: pa.Table,
    rows: list[dict],
    where: dict[str, int],
    entity_of: list,
    name_of: dict,
    countries_of: dict,
    all_candidates: bool,
) -> pa.Table:
    """entity_matches with the entity's name and countries and the status of its records'
    rows (confirmed, else alert, else suppressed, else candidate)."""
    statuses: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        statuses.setdefault((entity_of[where[r["id"]]], r["list_id"]), set()).add(r["status"])
    out = []
    for e in entity_matches.to_pylist():
        found = statuses.get((e["entity_id"], e["list_id"]), {CANDIDATE})
        status = next(s for s in STATUSES if s in found)
        if not all_candidates and status == CANDIDATE:
            continue
        head = {
            "entity_id": e["entity_id"],
            "entity_name": name_of.get(e["entity_id"]),
            "entity_countries": countries_of.get(e["entity_id"]),
        }
        rest = {k: v for k, v in e.items() if k != "entity_id"}
        out.append({**head, **rest, "status": status})
    fields = [
        pa.field("entity_id", pa.string()),
        pa.field("entity_name", pa.string()),
        pa.field("entity_countries", pa.string()),
        *(f for f in entity_matches.schema if f.name != "entity_id"),
        pa.field("status", pa.string()),
    ]
    schema = pa.schema(fields)
    order = [f.name for f in schema if f.name != "explanation"] + ["explanation"]
    return _table(out, schema).select(order)


def _match_schema(with_entities: bool, with_decisions: bool) -> pa.Schema:
    text = pa.string()
    fields = [("id", text), ("name", text), ("country", text)]
    if with_entities:
        fields += [("entity_id", text), ("entity_name", text)]
    fields += [
        ("list_id", text),
        ("list_source", text),
        ("list_name", text),
        ("matched_name", text),
        ("score", pa.float64()),
        ("match", pa.bool_()),
        ("status", text),
    ]
    if with_decisions:
        fields.append(("decision_note", text))
    fields.append(("explanation", text))
    return pa.schema(fields)


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.table(
        {f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in schema}, schema=schema
    )
