"""Reading and writing the state's tables: what a run prepares, and how it lands in the folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from resolver.dedupe import DedupeResult
from resolver.incremental.lineage import lineage_schema
from resolver.incremental.state import (
    ADDRESS_WORDS,
    BATCH,
    FOLD_WORDS,
    LINEAGE,
    LINEAGE_STATE,
    MAX_SEGMENTS,
    MODEL,
    NAME_WORDS,
    PROPOSED_SPLITS,
    REMOVED,
    ROW,
    State,
    files_param,
    link_into,
    segment_name,
    write_manifest,
    write_parquet,
)
from resolver.incremental.words import WordState
from resolver.io.writers import write_table
from resolver.model.params import ModelParams

# profile columns kept in the status rather than in the (immutable) profile segments
KEEP_PROFILE = ("pid", "unique_id", "n_records")
PROPOSED_COLUMNS = ("id", "entity_id", "proposed_part")


@dataclass
class Prepared:
    """A run's outputs and the state files it writes (see ``state.py`` for the files)."""

    result: DedupeResult
    batch: int
    manifest: dict[str, Any]  # segment lists are completed by ``write_state``
    segments: dict[str, pa.Table]  # kind -> this batch's segment
    tables: dict[str, pa.Table]  # file name -> the whole new table (status, entities, ...)
    words: WordState
    lineage: pa.Table  # every lineage row so far
    proposed: pa.Table  # PROPOSED_COLUMNS: records of entities kept whole
    model: ModelParams | None = None  # written by the first run; later runs share its file


def write_state(
    con: duckdb.DuckDBPyConnection, stage: Path, prepared: Prepared, previous: State | None
) -> None:
    """Write the state files into the staging folder: the previous state's unchanged files as
    hard links, kinds with too many segments merged into one, the new files written."""
    manifest = prepared.manifest
    shared: list[str] = []
    if prepared.model is not None:
        prepared.model.save(stage / MODEL)
    else:
        shared.append(MODEL)
    for kind, segment in prepared.segments.items():
        names = list(previous.manifest["segments"][kind]) if previous else []
        if len(names) >= MAX_SEGMENTS:
            merged = segment_name(kind, prepared.batch - 1, "-merged")
            _merge_segments(con, [previous.folder / n for n in names], stage / merged, kind)
            names = [merged]
        else:
            shared += names
        name = segment_name(kind, prepared.batch)
        write_parquet(segment, stage / name)
        manifest["segments"][kind] = [*names, name]
    if previous is not None:
        link_into(stage, previous, shared)
    for name, table in prepared.tables.items():
        write_parquet(table, stage / name)
    write_parquet(prepared.words.names, stage / NAME_WORDS)
    write_parquet(prepared.words.folds, stage / FOLD_WORDS)
    write_parquet(prepared.words.addresses, stage / ADDRESS_WORDS)
    write_parquet(prepared.lineage, stage / LINEAGE_STATE)
    write_table(prepared.lineage, stage / LINEAGE, "csv")
    write_table(prepared.proposed, stage / PROPOSED_SPLITS, "csv")
    write_manifest(stage, manifest)


def read_words(state: State) -> WordState:
    return WordState(
        pq.read_table(state.path(NAME_WORDS)),
        pq.read_table(state.path(FOLD_WORDS)),
        pq.read_table(state.path(ADDRESS_WORDS)),
        int(state.manifest["n_cores"]),
        int(state.manifest["n_addresses"]),
    )


def read_lineage(state: State) -> pa.Table:
    return pq.read_table(state.path(LINEAGE_STATE)).cast(lineage_schema())


def empty_proposed() -> pa.Table:
    return pa.schema([(c, pa.string()) for c in PROPOSED_COLUMNS]).empty_table()


def _merge_segments(con: duckdb.DuckDBPyConnection, paths: list[Path], target: Path, kind: str):
    """Write the segments of one kind as one file (for pairs, each pair's latest row)."""
    source = "read_parquet($files, union_by_name = true)"
    if kind == "pairs":
        query = (
            f"SELECT * FROM (SELECT * FROM {source} QUALIFY row_number() OVER "
            f"(PARTITION BY pid_a, pid_b ORDER BY {BATCH} DESC) = 1) "
            f"WHERE NOT {REMOVED} ORDER BY pid_a, pid_b"
        )
    elif kind == "records":
        query = f'SELECT * FROM {source} ORDER BY "{ROW}"'
    else:
        query = f"SELECT * FROM {source} ORDER BY pid"
    write_parquet(con.sql(query, params=files_param(paths)).to_arrow_table(), target)
