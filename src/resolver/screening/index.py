"""A watch list indexed for screening: its name rows, their feature profiles with the list's
word weights, and the candidate-key postings that find them.

The list is the corpus: word weights (IDF over the list's distinct names and addresses) come
from the list alone, never from the screened batch, so a record scores the same alone
(``screen_one``) as in any batch (docs/DECISIONS.md).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from resolver.features import ABJAD_COLUMN, RECORD_FEATURES, build_features
from resolver.io.schema import CANONICAL_COLUMNS
from resolver.model.levels import python_features
from resolver.normalize.tokens import generic_word_folds
from resolver.screening.candidates import Postings

log = logging.getLogger(__name__)

# The ``build_features`` columns a screening profile keeps (the rest is weighed on the list).
_BUILT = RECORD_FEATURES
_KW = pa.list_(pa.struct([("k", pa.string()), ("w", pa.float64())]))
_TYPES = {
    "name_keys": pa.list_(pa.string()),
    "name_folds": pa.list_(pa.string()),
    ABJAD_COLUMN: pa.bool_(),
}
# A screening profile: its number and what the model's levels compare.
PROFILE_SCHEMA = pa.schema(
    [("pid", pa.int64())]
    + [(c, _TYPES.get(c, pa.string())) for c in _BUILT]
    + [
        ("name_kw", _KW),
        ("name_w_total", pa.float64()),
        ("name_rarity", pa.float64()),
        ("address_kw", _KW),
        ("address_w_total", pa.float64()),
        ("address_info", pa.float64()),
        ("address_keys", pa.list_(pa.string())),
    ]
)
FEATURE_COLUMNS = tuple(PROFILE_SCHEMA.names[1:])


def _name_unit(f: Mapping[str, Any]) -> tuple[Any, list[str]] | None:
    folds = f["name_folds"]
    if f["name_core"] is None or folds is None:
        return None
    return (f["name_core"], tuple(folds)), folds


def _address_unit(f: Mapping[str, Any]) -> tuple[Any, list[str]] | None:
    address = f["address"]
    return None if address is None else (address, sorted(set(address.split(" "))))


# weighted-token column -> (its total column, a profile's (distinct-by value, tokens))
TOKEN_COLUMNS = {
    "name_kw": ("name_w_total", _name_unit),
    "address_kw": ("address_w_total", _address_unit),
}


def idf_weight(n_units: int, df: int) -> float:
    """IDF as ``features`` computes it, ln(1 + N / df); a token the list lacks counts as df=1."""
    return math.log(1.0 + n_units / max(df, 1))


@dataclass(frozen=True)
class WordStats:
    """IDF weights per weighted-token column, over the list's distinct names (addresses)."""

    idf: dict[str, dict[str, float]]  # weights column -> token -> weight
    unseen: dict[str, float]  # weights column -> weight of a token the list does not have

    @classmethod
    def build(cls, profiles: list[Mapping[str, Any]]) -> WordStats:
        idf, unseen = {}, {}
        for col, (_, unit_of) in TOKEN_COLUMNS.items():
            units = dict(u for u in map(unit_of, profiles) if u is not None)
            df: dict[str, int] = {}
            for tokens in units.values():
                for k in set(tokens):
                    df[k] = df.get(k, 0) + 1
            n = max(len(units), 1)
            idf[col] = {k: idf_weight(n, d) for k, d in df.items()}
            unseen[col] = idf_weight(n, 1)
        return cls(idf, unseen)

    def weigh(self, features: Mapping[str, Any]) -> dict[str, Any]:
        """``features`` with the weighted-token columns (list weights), their totals, the name's
        rarity (its rarest word's weight over that of a word the list lacks; none for one generic
        company word), the address's information and tokens."""
        out = {c: features[c] for c in _BUILT}
        for col, (total, unit_of) in TOKEN_COLUMNS.items():
            unit = unit_of(features)
            if unit is None:
                out[col], out[total] = None, 0.0
                continue
            idf, unseen = self.idf[col], self.unseen[col]
            kw = [{"k": k, "w": idf.get(k, unseen)} for k in sorted(unit[1])]
            out[col] = kw or None
            out[total] = sum(x["w"] for x in kw) if kw else 0.0
        kw = out["name_kw"]
        out["name_rarity"] = max(x["w"] for x in kw) / self.unseen["name_kw"] if kw else None
        if kw and len(kw) == 1 and kw[0]["k"] in generic_word_folds():
            # a name that is one generic company word is not distinctive, however few list names
            # have it: the list's IDF is not the screened population's ("Tehnologii" alone would
            # be "in" Terra Tekh, PSV-Tech and Rostec High Tech)
            out["name_rarity"] = None
        # the address's information in units of a word the list lacks, as ``features`` has it
        out["address_info"] = out["address_w_total"] / self.unseen["address_kw"]
        address = features["address"]
        out["address_keys"] = sorted(set(address.split(" "))) if address is not None else None
        return out

    def to_table(self) -> pa.Table:
        cols, tokens, weights = [], [], []
        for col, idf in self.idf.items():
            cols += [col] * len(idf)
            tokens += list(idf)
            weights += list(idf.values())
        return pa.table(
            {"column": cols, "token": tokens, "weight": pa.array(weights, pa.float64())}
        )

    @classmethod
    def from_table(cls, table: pa.Table, unseen: Mapping[str, float]) -> WordStats:
        idf: dict[str, dict[str, float]] = {col: {} for col in unseen}
        for col, token, weight in zip(
            table.column("column").to_pylist(),
            table.column("token").to_pylist(),
            table.column("weight").to_pylist(),
            strict=True,
        ):
            idf[col][token] = weight
        return cls(idf, dict(unseen))


def screening_profiles(profiles: pa.Table, words: WordStats) -> pa.Table:
    """``build_features`` profiles as screening profiles: ``pid`` and the compared features, with
    the list's word weights."""
    rows = profiles.select(["pid", *_BUILT]).to_pylist()
    weighed = [{"pid": r["pid"], **words.weigh(r)} for r in rows]
    return pa.Table.from_pylist(weighed, schema=PROFILE_SCHEMA)


@dataclass(frozen=True)
class Members:
    """The rows of each profile, from the profile number of each row."""

    order: np.ndarray  # rows sorted by profile
    start: np.ndarray  # rows order[start[p]:start[p + 1]] belong to profile p

    @classmethod
    def of(cls, row_pid: np.ndarray) -> Members:
        order = np.argsort(row_pid, kind="stable")
        n = int(row_pid.max(initial=0)) + 2
        return cls(order, np.searchsorted(row_pid[order], np.arange(n)))

    def rows(self, pid: int) -> np.ndarray:
        return self.order[self.start[pid] : self.start[pid + 1]]


def expand_pairs(
    a: np.ndarray, b: np.ndarray, rows_a: Members, rows_b: Members
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Profile pairs (``a[k]``, ``b[k]``) as row pairs: (k, row of a, row of b) for every row of
    each side."""
    n_a = rows_a.start[a + 1] - rows_a.start[a]
    n_b = rows_b.start[b + 1] - rows_b.start[b]
    pair = np.repeat(np.arange(len(a)), n_a * n_b)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(n_a * n_b) - n_a * n_b, n_a * n_b)
    width = n_b[pair]
    row_a = rows_a.order[rows_a.start[a[pair]] + offset // width]
    row_b = rows_b.order[rows_b.start[b[pair]] + offset % width]
    return pair, row_a, row_b


def canonical(table: pa.Table, prefix: str) -> pa.Table:
    """Canonical columns only, with row-number ids (``prefix`` + row) that cannot collide."""
    cols: dict[str, Any] = {
        "id": pa.array([f"{prefix}{i}" for i in range(table.num_rows)], pa.string())
    }
    for col in CANONICAL_COLUMNS[1:]:
        cols[col] = (
            table.column(col).cast(pa.string())
            if col in table.column_names
            else pa.nulls(table.num_rows, pa.string())
        )
    return pa.table(cols)


def row_profiles(con: duckdb.DuckDBPyConnection, table: pa.Table) -> tuple[np.ndarray, pa.Table]:
    """(profile number of each row of a canonical table, the profiles' ``build_features`` table)."""
    features = build_features(table, con)
    pid_of = dict(
        zip(
            features.profiles.column("unique_id").to_pylist(),
            features.profiles.column("pid").to_pylist(),
            strict=True,
        )
    )
    records = features.records.sort_by("row")
    pids = np.array([pid_of[p] for p in records.column("profile_id").to_pylist()], dtype=np.int64)
    return pids, features.profiles


@dataclass(frozen=True)
class ListRanks:
    """Per list name row, the rank of its list_id and of its name among the list's values."""

    party: np.ndarray
    name: np.ndarray

    @classmethod
    def of(cls, lists: pa.Table) -> ListRanks:
        ranks = [
            pc.rank(lists.column(c), sort_keys="ascending", tiebreaker="dense").to_numpy()
            for c in ("list_id", "name")
        ]  # Arrow orders strings by their UTF-8 bytes: Python's order of code points
        return cls(*(r.astype(np.int64) for r in ranks))


@dataclass
class ListIndex:
    """The list's name rows (``lists``, row i = name row i), the profile of each row, the
    profiles' screening features, the list's word statistics and the candidate postings."""

    lists: pa.Table
    row_pid: np.ndarray
    profiles: pa.Table  # PROFILE_SCHEMA, one row per list profile, in pid order
    words: WordStats
    postings: Postings
    _python: list[dict[str, Any]] | None = field(default=None, init=False, repr=False)
    _members: Members | None = field(default=None, init=False, repr=False)
    _ranks: ListRanks | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def build(cls, lists: pa.Table, con: duckdb.DuckDBPyConnection) -> ListIndex:
        row_pid, built = row_profiles(con, canonical(lists, "l"))
        words = WordStats.build(built.select(list(_BUILT)).to_pylist())
        profiles = screening_profiles(built, words).sort_by("pid")
        rows_per_pid = np.bincount(row_pid)
        postings = Postings.build(profiles.to_pylist(), rows_per_pid)
        log.info("list index: %d names, %d profiles", lists.num_rows, profiles.num_rows)
        return cls(lists, row_pid, profiles, words, postings)

    def to_tables(self) -> tuple[dict[str, pa.Table], dict[str, float]]:
        """The index as Arrow tables (and the word weight of an unseen token per column)."""
        tables = {
            "lists": self.lists.append_column("pid", pa.array(self.row_pid, pa.int64())),
            "profiles": self.profiles,
            "words": self.words.to_table(),
            **self.postings.to_tables(),
        }
        return tables, self.words.unseen

    @classmethod
    def from_tables(cls, tables: Mapping[str, pa.Table], unseen: Mapping[str, float]) -> ListIndex:
        lists = tables["lists"]
        return cls(
            lists.drop_columns(["pid"]),
            lists.column("pid").to_numpy(),
            tables["profiles"],
            WordStats.from_table(tables["words"], unseen),
            Postings.from_tables(tables),
        )

    def python_profiles(self) -> list[dict[str, Any]]:
        """Profiles in the form the Python level conditions read, indexed by pid (built once)."""
        with self._lock:
            if self._python is None:
                rows = self.profiles.to_pylist()
                by_pid: list[dict[str, Any]] = [{}] * (max((r["pid"] for r in rows), default=0) + 1)
                for row in rows:
                    by_pid[row["pid"]] = python_features(row)
                self._python = by_pid
            return self._python

    def members(self) -> Members:
        """List name rows of each profile (built once)."""
        with self._lock:
            if self._members is None:
                self._members = Members.of(self.row_pid)
            return self._members

    def ranks(self) -> ListRanks:
        """The rank of each row's list_id and name (built once)."""
        with self._lock:
            if self._ranks is None:
                self._ranks = ListRanks.of(self.lists)
            return self._ranks
