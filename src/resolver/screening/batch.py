"""Batch screening: every record's candidates scored with the model's level SQL in DuckDB,
the best list name per (record, listed party) kept, with its explanation, and put in a
reviewer's terms (``review.screening``: who the record is, a status, decisions applied)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from resolver.errors import InputError
from resolver.io.readers import read_records, read_table
from resolver.io.schema import RESERVED_OUTPUT_COLUMNS
from resolver.io.writers import staged_output_dir, write_json, write_table
from resolver.model.scoring import ScoredComparison
from resolver.review.decisions import Decisions
from resolver.review.evidence import Step, waterfall
from resolver.review.screening import review
from resolver.screening.index import (
    Members,
    canonical,
    expand_pairs,
    row_profiles,
    screening_profiles,
)
from resolver.screening.scoring import (
    Levels,
    PairScores,
    absent_columns,
    best_per_party,
    pair_gammas,
    score_pairs,
)

if TYPE_CHECKING:
    from resolver.screening.screener import Screener

FLOOR = 0.05  # candidates scoring below this are not listed
# Records scored per pass. A record's score does not depend on the rest of its batch (the list
# is the corpus), so passes give the same pairs; the features of all a big batch's records at
# once were the peak of flows at a million shipments (5.35 GB, screening 0.75M parties).
SCORE_CHUNK_ROWS = 200_000
MATCH_COLUMNS = (
    "id",
    "list_id",
    "list_source",
    "list_name",
    "matched_name",
    "score",
    "match",
    "explanation",
)
ENTITY_COLUMNS = (
    "entity_id",
    "list_id",
    "list_source",
    "list_name",
    "matched_name",
    "score",
    "match",
    "n_records_matched",
    "best_record_id",
    "explanation",
)


@dataclass
class ScreenResult:
    """Screening outputs as a reviewer reads them (``review.screening``): per (record, listed
    party) rows naming the record (and its entity) with a status, the optional entity roll-up,
    the summary, and the levels and weights of every scored pair (``waterfall``)."""

    matches: pa.Table
    summary: dict[str, Any]
    entity_matches: pa.Table | None = None
    evidence: PairEvidence | None = None

    @property
    def candidate_scores(self) -> list[float]:
        """The score of every candidate at or above the floor, written or not."""
        return [] if self.evidence is None else self.evidence.scores()

    def waterfall(self, record_id: str, list_id: str) -> list[Step] | None:
        """The evidence of a scored pair step by step, or None when it was not scored."""
        return None if self.evidence is None else self.evidence.waterfall(record_id, list_id)

    def save(self, out_dir: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write matches.csv (+ entity_matches.csv), summary.json and report.html atomically."""
        from resolver.report import REPORT_FILE
        from resolver.report.screen import write_screen_report

        with staged_output_dir(out_dir, overwrite) as stage:
            write_table(self.matches, stage / "matches.csv", "csv")
            if self.entity_matches is not None:
                write_table(self.entity_matches, stage / "entity_matches.csv", "csv")
            write_json(self.summary, stage / "summary.json")
            write_screen_report(self, stage / REPORT_FILE)
        return Path(out_dir)


@dataclass
class BestPairs:
    """The best pair per (record row, listed party): record row, list row and the pair's scores."""

    record_row: np.ndarray
    list_row: np.ndarray
    scores: PairScores


@dataclass
class PairEvidence:
    """The best pair of every (record, listed party) a screen scored, with each comparison's
    level and exact weight: the waterfalls of the report and of ``resolver explain``."""

    record_ids: Sequence[str]  # per record row
    list_ids: Sequence[str]  # per list row
    best: BestPairs
    comparisons: Sequence[ScoredComparison]
    prior: float
    _where: dict[tuple[str, str], int] | None = field(default=None, init=False, repr=False)

    def scores(self) -> list[float]:
        return [round(p, 4) for p in self.best.scores.probability.tolist()]

    def waterfall(self, record_id: str, list_id: str) -> list[Step] | None:
        if self._where is None:
            rows = zip(self.best.record_row.tolist(), self.best.list_row.tolist(), strict=True)
            self._where = {
                (self.record_ids[q], self.list_ids[r]): k for k, (q, r) in enumerate(rows)
            }
        k = self._where.get((record_id, list_id))
        if k is None:
            return None
        scores = self.best.scores
        return waterfall(
            self.comparisons,
            {c: int(g[k]) for c, g in scores.gammas.items()},
            {c: float(w[k]) for c, w in scores.weights.items()},
            self.prior,
        )


def screen(
    screener: Screener,
    data: Any,
    mapping: str | Mapping[str, str] | None,
    *,
    entities: bool,
    threshold: float,
    floor: float,
    encoding: str | None,
    delimiter: str | None,
    progress: Callable[[str], None] | None,
    decisions: Decisions | None = None,
    all_candidates: bool = False,
) -> ScreenResult:
    """See ``Screener.screen``."""
    step = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    step("reading")
    table, entity_ids, dedupe_folder = read_input(data, mapping, encoding, delimiter)
    timings: dict[str, float] = {"read_s": time.perf_counter() - t0}
    if entities and entity_ids is None:
        step("dedupe")
        from resolver.dedupe import dedupe

        t_dedupe = time.perf_counter()
        engine = replace(screener.engine)  # its own database: concurrent calls do not meet
        try:
            if engine.backend == "spark":  # the records are in this process already
                from resolver.spark.dedupe import dedupe_spark

                clusters = dedupe_spark(table, screener.params, engine).to_arrow().clusters
            else:
                clusters = dedupe(table, screener.params, engine).clusters
        finally:
            engine.close()
        entity_ids = clusters.column("entity_id").combine_chunks()
        timings["dedupe_s"] = time.perf_counter() - t_dedupe
    step("features")
    with screener.engine.session() as con:
        best, n_profiles, t = score_records(screener, con, table, floor)
    timings.update(t)
    step("outputs")
    t1 = time.perf_counter()
    ids = table.column("id").to_pylist()
    matches = matches_table(screener, ids, best, threshold)
    entity_matches = None
    if entity_ids is not None:
        entity_matches = roll_up(matches, table.column("id"), entity_ids, threshold)
    reviewed = review(
        matches,
        table,
        entity_ids=entity_ids,
        entity_matches=entity_matches,
        decisions=decisions,
        all_candidates=all_candidates,
    )
    timings["outputs_s"] = time.perf_counter() - t1
    timings["total_s"] = time.perf_counter() - t0
    summary = _summary(screener, table, matches, entity_matches, threshold, floor, timings)
    summary["record_profiles"] = n_profiles
    summary.update(reviewed.summary)
    if dedupe_folder is not None:
        summary["input_dedupe_folder"] = str(dedupe_folder)
    if isinstance(data, (str, os.PathLike)):  # what ``resolver explain`` reads again
        summary["input"] = {
            "path": str(data),
            "mapping": mapping if isinstance(mapping, str) or mapping is None else dict(mapping),
            "encoding": encoding,
            "delimiter": delimiter,
        }
    list_ids = screener.lists.column("list_id").to_pylist()
    evidence = PairEvidence(ids, list_ids, best, screener.comparisons, screener.prior)
    return ScreenResult(reviewed.matches, summary, reviewed.entity_matches, evidence)


def score_records(
    screener: Screener, con: duckdb.DuckDBPyConnection, table: pa.Table, floor: float
) -> tuple[BestPairs, int, dict[str, float]]:
    """Best list name per (record row, listed party) scoring at least ``floor``, scored
    ``SCORE_CHUNK_ROWS`` records at a time (profiles are counted per pass)."""
    if table.num_rows <= SCORE_CHUNK_ROWS:
        return _score_chunk(screener, con, table, floor)
    parts, n_profiles, timings = [], 0, {}
    for start in range(0, table.num_rows, SCORE_CHUNK_ROWS):
        best, n, t = _score_chunk(screener, con, table.slice(start, SCORE_CHUNK_ROWS), floor)
        parts.append(BestPairs(best.record_row + start, best.list_row, best.scores))
        n_profiles += n
        for key, seconds in t.items():
            timings[key] = timings.get(key, 0.0) + seconds
    best = BestPairs(
        np.concatenate([p.record_row for p in parts]),
        np.concatenate([p.list_row for p in parts]),
        PairScores.concat([p.scores for p in parts]),
    )
    return best, n_profiles, timings


def _score_chunk(
    screener: Screener, con: duckdb.DuckDBPyConnection, table: pa.Table, floor: float
) -> tuple[BestPairs, int, dict[str, float]]:
    """``score_records`` on one pass's records."""
    index = screener.index
    t0 = time.perf_counter()
    row_pid, built = row_profiles(con, canonical(table, "q"))
    profiles = screening_profiles(built, index.words)
    queries = [(p["pid"], index.postings.keys_of(p)) for p in profiles.to_pylist()]
    timings = {"features_s": time.perf_counter() - t0}
    t1 = time.perf_counter()
    pairs = index.postings.pairs(con, queries).rename_columns(["a", "b"])
    comparisons = screener.comparisons
    lacking = absent_columns(comparisons)

    def evaluate(comps: Sequence[ScoredComparison], rows: np.ndarray | None) -> Levels:
        subset = pairs if rows is None else pairs.take(rows)
        columns = lacking if rows is None else []
        levels = pair_gammas(
            con, profiles, index.profiles, subset, [c.spec for c in comps], columns
        )
        return (
            {c.name: levels.column(f"gamma_{c.name}").to_numpy() for c in comps},
            {c: levels.column(f"lacks_{c}").to_numpy(zero_copy_only=False) for c in columns},
        )

    kept, scores = score_pairs(comparisons, screener.prior, floor, pairs.num_rows, evaluate)
    timings["score_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    pair, record_row, list_row = expand_pairs(
        pairs.column("a").to_numpy()[kept],
        pairs.column("b").to_numpy()[kept],
        Members.of(row_pid),
        index.members(),
    )
    best = best_per_party(record_row, list_row, scores.match_weight[pair], index.ranks())
    timings["best_s"] = time.perf_counter() - t2
    return (
        BestPairs(record_row[best], list_row[best], scores.take(pair[best])),
        profiles.num_rows,
        timings,
    )


def matches_table(
    screener: Screener, ids: Sequence[Any], best: BestPairs, threshold: float
) -> pa.Table:
    """The matches output: one row per (record, listed party), sorted (id, score desc, list_id)."""
    lists = screener.lists
    columns = {c: lists.column(c).to_pylist() for c in ("list_id", "list_source", "list_name")}
    names = lists.column("name").to_pylist()
    rows = []
    for k, (qrow, lrow) in enumerate(
        zip(best.record_row.tolist(), best.list_row.tolist(), strict=True)
    ):
        score, match, explanation, _ = best.scores.reported(k, screener.comparisons, threshold)
        rows.append(
            (
                ids[qrow],
                columns["list_id"][lrow],
                columns["list_source"][lrow],
                columns["list_name"][lrow],
                names[lrow],
                score,
                match,
                explanation,
            )
        )
    rows.sort(key=lambda r: (r[0], -r[5], r[1]))
    return _rows_table(rows, MATCH_COLUMNS, {"score": pa.float64(), "match": pa.bool_()})


def _rows_table(
    rows: list[tuple], columns: Sequence[str], types: Mapping[str, pa.DataType]
) -> pa.Table:
    arrays = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pa.table(
        {
            c: pa.array(list(a), types.get(c, pa.string()))
            for c, a in zip(columns, arrays, strict=True)
        }
    )


def _summary(
    screener: Screener,
    table: pa.Table,
    matches: pa.Table,
    entity_matches: pa.Table | None,
    threshold: float,
    floor: float,
    timings: dict[str, float],
) -> dict[str, Any]:
    is_match = matches.column("match")
    with_candidates = len(pc.unique(matches.column("id")))
    with_match = len(pc.unique(matches.filter(is_match).column("id")))
    summary: dict[str, Any] = {
        "records": table.num_rows,
        "records_with_match": with_match,
        "records_with_candidates": with_candidates,
        "records_below_floor": table.num_rows - with_candidates,
        "matches": int(pc.sum(is_match).as_py() or 0),
        "candidates_listed": matches.num_rows,
        "list_parties": len(pc.unique(screener.lists.column("list_id"))),
        "list_names": screener.lists.num_rows,
        "lists": screener.list_summary(),
        "list_index": {
            "seconds": round(screener.index_seconds, 3),
            "cached": screener.index_cached,
        },
        "threshold": threshold,
        "floor": floor,
        "prior": screener.prior,
        "screening_weights": screener.weight_changes,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "backend": screener.engine.backend,
        "model": screener.params.metadata.get("path", "in-memory"),
    }
    if entity_matches is not None:
        summary["entities_listed"] = len(pc.unique(entity_matches.column("entity_id")))
        summary["entities_with_match"] = len(
            pc.unique(entity_matches.filter(entity_matches.column("match")).column("entity_id"))
        )
    return summary


def read_input(
    data: Any, mapping: Any, encoding: str | None, delimiter: str | None
) -> tuple[pa.Table, pa.Array | None, Path | None]:
    """(canonical records, entity ids if the input carries them, dedupe folder if one was given)."""
    if isinstance(data, (str, os.PathLike)) and Path(data).is_dir():
        folder = Path(data)
        for name in ("clusters.parquet", "clusters.csv"):
            if (folder / name).exists():
                raw = read_table(folder / name, encoding=encoding, delimiter=delimiter)
                break
        else:
            raise InputError(
                f"{folder}: a folder but not a dedupe output (no clusters.csv or clusters.parquet)"
            )
        if "entity_id" not in raw.column_names:
            raise InputError(f"{folder}: clusters file has no entity_id column")
        entity_ids = raw.column("entity_id").cast(pa.string()).combine_chunks()
        raw = raw.drop_columns([c for c in RESERVED_OUTPUT_COLUMNS if c in raw.column_names])
        return read_records(raw, mapping=mapping), entity_ids, folder
    if type(data).__module__.startswith("pandas"):
        data = pa.Table.from_pandas(data, preserve_index=False)
    if isinstance(data, pa.Table) and "entity_id" in data.column_names:
        entity_ids = data.column("entity_id").cast(pa.string()).combine_chunks()
        data = data.drop_columns([c for c in RESERVED_OUTPUT_COLUMNS if c in data.column_names])
        return read_records(data, mapping=mapping), entity_ids, None
    return read_records(data, mapping=mapping, encoding=encoding, delimiter=delimiter), None, None


def roll_up(
    matches: pa.Table, ids: pa.ChunkedArray, entity_ids: pa.Array, threshold: float
) -> pa.Table:
    """Per (entity, listed party): best score over the entity's records and its evidence."""
    entity_of = dict(zip(ids.to_pylist(), entity_ids.to_pylist(), strict=True))
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in matches.to_pylist():
        groups.setdefault((entity_of[row["id"]], row["list_id"]), []).append(row)
    rows = []
    for (entity_id, list_id), members in groups.items():
        top = min(members, key=lambda r: (-r["score"], r["id"]))
        rows.append(
            (
                entity_id,
                list_id,
                top["list_source"],
                top["list_name"],
                top["matched_name"],
                top["score"],
                top["score"] >= threshold,
                sum(1 for r in members if r["match"]),
                top["id"],
                top["explanation"],
            )
        )
    rows.sort(key=lambda r: (r[0], -r[5], r[1]))
    return _rows_table(
        rows,
        ENTITY_COLUMNS,
        {"score": pa.float64(), "match": pa.bool_(), "n_records_matched": pa.int64()},
    )
