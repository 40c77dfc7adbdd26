"""The state folder of incremental resolution: a dedupe output plus what resolver needs to go on.

Everything is in one flat folder (resolver's output marker lists every file), in Parquet:

* ``state.json``: format and code versions, the run's settings, counts and the segment lists;
* ``state-model.json``: the model as pairs were scored (u adapted and tax id m measured on the
  first run's data);
* ``state-records-NNNNN.parquet``: the records of batch NNNNN as read, with their profile;
* ``state-profiles-NNNNN.parquet``: the profiles batch NNNNN created: base features and the
  keys of the blocking rules that do not depend on word statistics;
* ``state-pairs-NNNNN.parquet``: pairs scored by batch NNNNN: per comparison weights (a later
  row of a pair supersedes it; a ``removed`` row removes the pair); the probability follows
  from the weights and the prior of the data set's current size;
* ``state-profile-status.parquet``: per profile its smallest record id, record count, entity,
  region (the profiles linked to it by pairs at the threshold or by an entity) with the
  region's margin and the prior it was clustered at (``recluster.py``), and the keys of the
  rules that depend on word statistics (these change);
* ``state-entities.parquet``, ``state-proposed.parquet``: the entities, and the profiles of
  entities kept whole with the part the clustering puts them in;
* ``state-name-words.parquet``, ``state-address-words.parquet``: word statistics;
* ``state-lineage.parquet``: the lineage rows (``lineage.csv`` is their copy for people).

Segments never change once written: an update writes a new folder beside the state holding
hard links to them plus the new and changed files, and swaps it in (``staged_output_dir``), so
a failed or killed update leaves the previous state as it was. The output folder's lock keeps
two updates of one state apart.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from resolver.errors import UsageError
from resolver.features import PROFILE_COLUMNS
from resolver.model.blocking import BLOCKING_RULES
from resolver.model.params import FORMAT_VERSION as MODEL_FORMAT_VERSION
from resolver.model.params import ModelParams
from resolver.model.spec import FEATURE_VERSION
from resolver.normalize import NORMALIZATION_VERSION
from resolver.version import __version__

log = logging.getLogger(__name__)

FORMAT = "resolver-state"
FORMAT_VERSION = 1
MANIFEST = "state.json"
MODEL = "state-model.json"
STATUS = "state-profile-status.parquet"
NAME_WORDS = "state-name-words.parquet"
FOLD_WORDS = "state-fold-words.parquet"
ADDRESS_WORDS = "state-address-words.parquet"
LINEAGE = "lineage.csv"  # for people; the state reads its Parquet twin
LINEAGE_STATE = "state-lineage.parquet"
ENTITIES = "state-entities.parquet"
PROPOSED = "state-proposed.parquet"
PROPOSED_SPLITS = "proposed_splits.csv"  # records of entities kept whole, with their part
SEGMENT_KINDS = ("records", "profiles", "pairs")
BATCH = "batch"  # the batch that scored a pair (the latest row of a pair holds)
REMOVED = "removed"  # a row removing its pair (no rule blocks it any more)
ROW = "_resolver_row"  # a record's position over all batches (the order of the outputs)
# Columns resolver adds to the stored records (an input column of that name is refused).
PID, COUNTRY, UNMATCHABLE = "_resolver_pid", "_resolver_country", "_resolver_unmatchable"
RECORD_COLUMNS = (PID, COUNTRY, UNMATCHABLE, ROW)
# A batch's segments are merged into one when a kind has more (reading many small files costs
# a file open each; merging rewrites the kind once).
MAX_SEGMENTS = 24
# Stable hashes of keys and profiles: md5, the same on every DuckDB version and platform.
KEY_HASH_SQL = "(md5_number({}) >> 65)::BIGINT"
PROFILE_HASH_SQL = "unhex(md5({}))"


STATE_FILES = (
    MODEL,
    STATUS,
    ENTITIES,
    PROPOSED,
    NAME_WORDS,
    FOLD_WORDS,
    ADDRESS_WORDS,
    LINEAGE_STATE,
)


class StateError(UsageError):
    """A state folder this resolver cannot go on from (other version, damaged, foreign)."""


def segment_name(kind: str, batch: int, suffix: str = "") -> str:
    return f"state-{kind}-{batch:05d}{suffix}.parquet"


def profile_hash_sql(alias: str = "") -> str:
    """SQL of a profile's identity: md5 of its PROFILE_COLUMNS (a missing value marked)."""
    prefix = f"{alias}." if alias else ""
    parts = ", ".join(f"coalesce(CAST({prefix}{c} AS VARCHAR), chr(30))" for c in PROFILE_COLUMNS)
    return PROFILE_HASH_SQL.format(f"concat_ws(chr(31), {parts})")


def versions() -> dict[str, Any]:
    """What must not change between the runs that built a state."""
    return {
        "normalization_version": NORMALIZATION_VERSION,
        "feature_version": FEATURE_VERSION,
        "model_format_version": MODEL_FORMAT_VERSION,
        "blocking_rules": ["+".join(rule) for rule in BLOCKING_RULES],
        "profile_columns": list(PROFILE_COLUMNS),
        "key_hash": KEY_HASH_SQL,
    }


@dataclass
class State:
    """A state folder's manifest and where its files are."""

    folder: Path
    manifest: dict[str, Any]
    params: ModelParams = field(repr=False)

    @property
    def batch(self) -> int:
        return int(self.manifest["batches"][-1]["batch"])

    def segments(self, kind: str) -> list[Path]:
        return [self.folder / name for name in self.manifest["segments"][kind]]

    def path(self, name: str) -> Path:
        return self.folder / name


def is_state(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def read_state(folder: str | os.PathLike) -> State:
    """The state in ``folder``, checked against this resolver; ``StateError`` names what differs."""
    folder = Path(folder)
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateError(f"{folder}: cannot read the state ({MANIFEST}: {exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StateError(f"{folder}: {MANIFEST} is not a resolver state")
    rerun = (
        "the state cannot be continued: run a full dedupe of all records into a new folder "
        "(resolver dedupe ALL_RECORDS --into NEW_FOLDER)"
    )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise StateError(
            f"{folder}: state format version {manifest.get('format_version')!r}, this resolver "
            f"reads {FORMAT_VERSION}; {rerun}"
        )
    for key, current in versions().items():
        if manifest.get(key) != current:
            raise StateError(
                f"{folder}: made with {key} {manifest.get(key)!r}, this resolver has "
                f"{current!r}; {rerun}"
            )
    segments = [n for kind in SEGMENT_KINDS for n in manifest["segments"][kind]]
    missing = [n for n in [*STATE_FILES, *segments] if not (folder / n).is_file()]
    if missing:
        raise StateError(f"{folder}: state files missing ({', '.join(missing[:5])}); {rerun}")
    params = ModelParams.load(folder / MODEL)
    return State(folder, manifest, params)


def new_manifest(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **versions(),
        "resolver_version": __version__,
        **settings,
        "segments": {kind: [] for kind in SEGMENT_KINDS},
        "batches": [],
    }


def now() -> str:
    """The time of an update, UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def link_into(stage: Path, state: State, names: list[str]) -> None:
    """Put the unchanged files ``names`` of ``state`` into ``stage`` as hard links (a copy where
    the file system has none): they are never written again, so both folders may share them."""
    for name in names:
        source, target = state.folder / name, stage / name
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


def write_manifest(stage: Path, manifest: dict[str, Any]) -> None:
    from resolver.io.writers import write_json

    write_json(manifest, stage / MANIFEST)


def files_param(paths: list[Path]) -> dict[str, list[str]]:
    return {"files": [str(p) for p in paths]}


def latest_pairs_sql(where: str = "") -> str:
    """SQL of the stored pairs (Parquet files ``$files``) that hold: each pair's latest row,
    without removed pairs; ``where`` filters the rows first (on pid_a, pid_b)."""
    clause = f"WHERE {where}" if where else ""
    return f"""
        SELECT * EXCLUDE ({BATCH}, {REMOVED}) FROM (
            SELECT * FROM read_parquet($files, union_by_name = true) {clause}
            QUALIFY row_number() OVER (PARTITION BY pid_a, pid_b ORDER BY {BATCH} DESC) = 1
        ) WHERE NOT {REMOVED}
    """


def write_parquet(table, path: Path) -> None:
    """A Parquet file written atomically (zstd)."""
    import pyarrow.parquet as pq

    from resolver.io.outputs import atomic_path

    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
