"""A screening run for review: screen, put the results in a reviewer's terms
(``review.screening``), add the evidence of the top alerts, write the files and the report.

The records (and their entities) are read here and handed to ``Screener.screen`` as a table,
so the reviewer's columns come from the same rows the screening saw.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from resolver.io.writers import staged_output_dir, write_json, write_table
from resolver.review.decisions import Decisions
from resolver.review.evidence import Step, waterfall
from resolver.review.screening import ALERT, CONFIRMED, review

TOP_WATERFALLS = 25
WEIGHT_ROUNDING = 1e-4  # screen_one reports weights to 4 decimals


@dataclass
class ReviewedScreen:
    """Screening outputs for review, and what the report shows besides them."""

    matches: pa.Table
    summary: dict[str, Any]
    entity_matches: pa.Table | None = None
    scores: list[float] = field(default_factory=list)  # every candidate's score
    waterfalls: dict[tuple[str, str], list[Step]] = field(default_factory=dict)

    def save(self, out_dir: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write matches.csv (+ entity_matches.csv), summary.json and report.html atomically."""
        from resolver.report import write_screen_report

        with staged_output_dir(out_dir, overwrite) as stage:
            write_table(self.matches, stage / "matches.csv", "csv")
            if self.entity_matches is not None:
                write_table(self.entity_matches, stage / "entity_matches.csv", "csv")
            write_json(self.summary, stage / "summary.json")
            write_screen_report(self, stage / "report.html")
        return Path(out_dir)


def read_screen_input(
    data: Any,
    mapping: str | Mapping[str, str] | None,
    encoding: str | None,
    delimiter: str | None,
) -> tuple[pa.Table, pa.Array | None]:
    """The records to screen (a file, a table or a dedupe output folder) and their entity ids
    when the input carries them."""
    from resolver.screening.screen import _read_input  # screening's own reading of its input

    table, entity_ids, _folder = _read_input(data, mapping, encoding, delimiter)
    return table, entity_ids


def screen_for_review(
    screener: Any,
    data: Any,
    *,
    mapping: str | Mapping[str, str] | None = None,
    entities: bool = False,
    decisions: Decisions | None = None,
    all_candidates: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReviewedScreen:
    """Screen ``data`` with ``screener`` and return the results for review (see the module
    docstring); ``entities`` dedupes the records first (unless the input is a dedupe folder)."""
    step = progress or (lambda _msg: None)
    step("reading")
    table, entity_ids = read_screen_input(data, mapping, encoding, delimiter)
    if entities and entity_ids is None:
        step("dedupe")
        from resolver.dedupe import dedupe
        from resolver.engine import Engine

        engine = Engine(backend=screener.engine.backend)
        try:
            entity_ids = dedupe(table, screener.params, engine).clusters.column("entity_id")
        finally:
            engine.close()
    screened_input = table if entity_ids is None else table.append_column("entity_id", entity_ids)
    result = screener.screen(screened_input, progress=step)
    entity_ids = None if entity_ids is None else pa.chunked_array([entity_ids]).combine_chunks()
    reviewed = review(
        result.matches,
        table,
        entity_ids=entity_ids,
        entity_matches=result.entity_matches,
        decisions=decisions,
        all_candidates=all_candidates,
    )
    summary = {**result.summary, **reviewed.summary}
    if isinstance(data, (str, os.PathLike)):
        summary["input"] = {
            "path": str(data),
            "mapping": mapping if isinstance(mapping, str) or mapping is None else dict(mapping),
            "encoding": encoding,
            "delimiter": delimiter,
        }
    out = ReviewedScreen(
        reviewed.matches,
        summary,
        reviewed.entity_matches,
        scores=result.matches.column("score").to_pylist(),
    )
    out.waterfalls = alert_waterfalls(screener, table, reviewed.matches)
    return out


def alert_waterfalls(
    screener: Any, table: pa.Table, matches: pa.Table
) -> dict[tuple[str, str], list[Step]]:
    """The evidence of the first ``TOP_WATERFALLS`` alerts (and confirmed matches), highest
    score first, as screening's real-time path scores them (the same levels and weights)."""
    rows = [r for r in matches.to_pylist() if r["status"] in (ALERT, CONFIRMED)]
    rows.sort(key=lambda r: (-r["score"], r["id"], r["list_id"]))
    where = {record: i for i, record in enumerate(table.column("id").to_pylist())}
    out = {}
    for r in rows[:TOP_WATERFALLS]:
        steps = pair_waterfall(
            screener, table.slice(where[r["id"]], 1).to_pylist()[0], r["list_id"]
        )
        if steps is not None:
            out[(r["id"], r["list_id"])] = steps
    return out


def pair_waterfall(screener: Any, record: Mapping[str, Any], list_id: str) -> list[Step] | None:
    """The waterfall of ``record`` against the listed party ``list_id``, or None when the
    party is not among the record's candidates (no candidate key in common)."""
    found = next((m for m in screener.screen_one(record, floor=0.0) if m.list_id == list_id), None)
    if found is None:
        return None
    comparisons = screener.comparisons
    weights = {c.name: float(found.weights.get(c.name, 0.0)) for c in comparisons}
    return waterfall(comparisons, screening_gammas(comparisons, weights), weights, screener.prior)


def screening_gammas(comparisons: Any, weights: Mapping[str, float]) -> dict[str, int]:
    """The level of each comparison from its screening weight (``screen_one`` rounds weights to
    4 decimals). A weight of 0 that no level has is the record lacking the field, which
    screening does not count against it: it reads as missing. A comparison whose weight is no
    level's is left out (the waterfall shows its weight without a level)."""
    out = {}
    for comp in comparisons:
        w = weights[comp.name]
        level = next((lv for lv in comp.levels if abs(lv.weight - w) <= WEIGHT_ROUNDING), None)
        if level is None and abs(w) <= WEIGHT_ROUNDING:
            level = next((lv for lv in comp.levels if lv.is_null), None)
        if level is not None:
            out[comp.name] = level.gamma
    return out
