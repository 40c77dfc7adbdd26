"""``resolver explain OUT_DIR ID1 ID2``: the evidence for one pair of a run, as a waterfall.

For a dedupe folder the two ids are records. The pair is taken from ``pairs.parquet`` when the
run scored it (as the run scored it); a pair the run did not score (not blocked together, or
below the pairs floor) is scored now with the model the run used (``model.json``) and the
run's prior, on features rebuilt from ``clusters`` (the same records give the same features).

For a screening folder the ids are a record and a ``list_id``: the record (read again from the
run's input, recorded in ``summary.json``) is screened again against the run's lists with its
model, threshold and prior, and the pair's levels and weights are those the screen scored.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from resolver.engine import Engine
from resolver.errors import InputError
from resolver.io.outputs import MARKER, read_marker
from resolver.review.evidence import (
    MODEL_FILE,
    Step,
    comparisons_of,
    gammas_from_weights,
    waterfall,
)

SHOWN_FIELDS = ("name", "address", "city", "postcode", "country", "tax_id")


@dataclass
class PairExplanation:
    """The two records, the waterfall of their evidence and where it came from."""

    kind: str  # "dedupe" or "screen"
    records: list[dict[str, Any]]
    steps: list[Step]
    threshold: float
    source: str  # how the weights were obtained
    notes: list[str] = field(default_factory=list)

    @property
    def match_weight(self) -> float:
        return self.steps[-1].total

    @property
    def probability(self) -> float:
        return self.steps[-1].probability


def explain_pair(out_dir: str | os.PathLike, id1: str, id2: str) -> PairExplanation:
    """Explain the pair (``id1``, ``id2``) of the run whose output folder is ``out_dir``."""
    if id1 == id2:
        raise InputError(f"give two different ids (got '{id1}' twice)")
    folder = Path(out_dir)
    marker = read_marker(folder) if folder.is_dir() else None
    if marker is None:
        raise InputError(f"{folder}: not a resolver output folder (no {MARKER})")
    files = set(marker["files"])
    if "pairs.parquet" in files:
        return _explain_dedupe(folder, files, id1, id2)
    if "matches.csv" in files and "summary.json" in files:
        return _explain_screen(folder, id1, id2)
    raise InputError(
        f"{folder}: explain reads the output of 'resolver dedupe' or 'resolver screen'; this "
        f"folder holds {', '.join(sorted(files))}"
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


def _explain_dedupe(folder: Path, files: set[str], id1: str, id2: str) -> PairExplanation:
    from resolver.features import build_features
    from resolver.io.readers import read_records, read_table
    from resolver.io.schema import RESERVED_OUTPUT_COLUMNS
    from resolver.model.params import ModelParams

    if MODEL_FILE not in files:
        raise InputError(
            f"{folder}: has no {MODEL_FILE} (the model the run used; an older resolver did not "
            "write it): run the dedupe again to explain its pairs"
        )
    summary = _read_json(folder / "summary.json")
    model = ModelParams.load(folder / MODEL_FILE)
    clusters_name = next((f for f in ("clusters.parquet", "clusters.csv") if f in files), None)
    if clusters_name is None:
        raise InputError(f"{folder}: has no clusters.csv or clusters.parquet")
    raw = read_table(folder / clusters_name)
    ids = raw.column("id").cast(pa.string())
    rows = []
    for wanted in (id1, id2):
        hit = pc.index(ids, wanted).as_py()
        if hit < 0:
            raise InputError(f"{folder / clusters_name}: no record with id '{wanted}'")
        rows.append(raw.slice(hit, 1).to_pylist()[0])
    records = [
        {"id": r["id"], **{f: r.get(f) for f in SHOWN_FIELDS}, "entity_id": r.get("entity_id")}
        for r in rows
    ]
    e1, e2 = records[0]["entity_id"], records[1]["entity_id"]
    notes = [f"same entity {e1}" if e1 == e2 else f"different entities ({e1}, {e2})"]
    engine = Engine()
    try:
        table = read_records(
            raw.drop_columns([c for c in RESERVED_OUTPUT_COLUMNS if c in raw.column_names])
        )
        features = build_features(table, engine.con)  # profiles only: no blocking keys
        profile_of = dict(
            zip(
                features.records.column("id").to_pylist(),
                features.records.column("profile_id").to_pylist(),
                strict=True,
            )
        )
        p1, p2 = sorted((profile_of[id1], profile_of[id2]))
        comparisons = comparisons_of(model)
        weights = _scored_weights(folder / "pairs.parquet", p1, p2, comparisons)
        if weights is not None:
            source = "as scored by the run (pairs.parquet)"
        else:
            weights = _score_now(engine, model, features.profiles, (p1, p2), summary["prior"])
            why = (
                "identical after normalization: one profile, never compared"
                if p1 == p2
                else "the run did not score this pair (not blocked together, or below the "
                f"pairs floor {summary.get('pairs_floor')})"
            )
            source = f"scored now with the run's model and prior: {why}"
    finally:
        engine.close()
    steps = waterfall(
        comparisons, gammas_from_weights(comparisons, weights), weights, summary["prior"]
    )
    return PairExplanation("dedupe", records, steps, float(summary["threshold"]), source, notes)


def _scored_weights(path: Path, p1: str, p2: str, comparisons) -> dict[str, float] | None:
    """The pair's per-comparison weights from the run's pairs.parquet, if it is there."""
    import pyarrow.parquet as pq

    columns = [f"mw_{c.name}" for c in comparisons]
    table = pq.read_table(path, filters=[("id_l", "=", p1), ("id_r", "=", p2)])
    if table.num_rows == 0:
        return None
    row = table.slice(0, 1).to_pylist()[0]
    return {c.removeprefix("mw_"): float(row[c]) for c in columns if c in row}


def _score_now(
    engine: Engine, model, profiles: pa.Table, pair_ids: tuple[str, str], prior: float
) -> dict[str, float]:
    """Score one profile pair with splink, as the run's predict would have (its per-comparison
    weights: splink's predict keeps no levels)."""
    from resolver.model.predict import build_linker, predict_pairs

    p1, p2 = pair_ids
    ids = profiles.column("unique_id")
    pair = pa.concat_tables([profiles.slice(pc.index(ids, p).as_py(), 1) for p in pair_ids])
    if p1 == p2:  # one profile: compare it with a copy of itself
        uid = pair.schema.get_field_index("unique_id")
        pair = pair.set_column(uid, "unique_id", pa.array([p1, p1 + "#copy"], pa.string()))
    linker = build_linker(
        engine, model, [pair], link_type="dedupe_only", prior=prior, blocking=["1=1"]
    )
    try:
        scored = predict_pairs(linker, 0.0).as_pandas_dataframe()
    finally:
        engine.release(linker)
    row = scored.iloc[0]
    return {c.removeprefix("mw_"): float(row[c]) for c in scored.columns if c.startswith("mw_")}


def _explain_screen(folder: Path, record_id: str, list_id: str) -> PairExplanation:
    from resolver.screening import Screener
    from resolver.screening.batch import read_input

    summary = _read_json(folder / "summary.json")
    source = summary.get("input") or {}
    if not source.get("path"):
        raise InputError(
            f"{folder}: the run's input is not recorded (screened from Python); explain "
            "needs the records: screen from a file with resolver screen"
        )
    model = summary.get("model")
    if not model or model == "in-memory":
        raise InputError(f"{folder}: the run's model is not a file; explain needs it")
    table, _, _ = read_input(
        source["path"], source.get("mapping"), source.get("encoding"), source.get("delimiter")
    )
    hit = pc.index(table.column("id"), record_id).as_py()
    if hit < 0:
        raise InputError(f"{source['path']}: no record with id '{record_id}'")
    record = table.slice(hit, 1)
    screener = Screener.load(
        *summary["lists"]["files"],
        model=model,
        threshold=summary["threshold"],
        prior=summary["prior"],
        allow_partial_list=True,  # the run accepted these lists as they are
    )
    try:
        listed = screener.lists.filter(pc.equal(screener.lists.column("list_id"), list_id))
        if listed.num_rows == 0:
            raise InputError(f"{folder}: no listed party '{list_id}' in the run's lists")
        # every candidate of the one record, however low: the pair's levels as screened
        steps = screener.screen(record, floor=0.0).waterfall(record_id, list_id)
    finally:
        screener.engine.close()
    if steps is None:
        raise InputError(
            f"{record_id} and {list_id}: not candidates for each other (no name word, tax id "
            "or address in common that screening looks up), so never scored"
        )
    notes = [_status_in_run(folder / "matches.csv", record_id, list_id)]
    party = listed.slice(0, 1).to_pylist()[0]
    row = record.to_pylist()[0]
    shown = {"id": record_id, **{f: row.get(f) for f in SHOWN_FIELDS}}
    listed_fields = {
        "list_id": list_id,
        "name": party.get("list_name"),
        **{f: party.get(f) for f in ("address", "city", "postcode", "country", "tax_id")},
    }
    return PairExplanation(
        "screen",
        [shown, listed_fields],
        steps,
        float(summary["threshold"]),
        "screened again against the run's lists with its model, threshold and prior",
        notes,
    )


def _status_in_run(matches_csv: Path, record_id: str, list_id: str) -> str:
    """What the run's matches.csv says of the pair."""
    from resolver.io.readers import read_table

    matches = read_table(matches_csv)
    hit = matches.filter(
        pc.and_(
            pc.equal(matches.column("id"), record_id),
            pc.equal(matches.column("list_id"), list_id),
        )
    )
    if hit.num_rows == 0:
        return "not in the run's matches.csv (a candidate below the threshold, or below the floor)"
    row = hit.to_pylist()[0]
    status = row.get("status") or ("match" if row.get("match") == "true" else "no match")
    note = row.get("decision_note")
    return f"in the run's matches.csv: {status}" + (f" ({note})" if note else "")
