"""Batch screening: a link_only splink predict between the user's records and a list's names.

Design, shared with real-time screening (``realtime``) so both give the same score:

* Corpus: word weights (IDF over the list's distinct names, as ``features`` computes over a
  data set) and name frequencies come from the list alone, never from the batch. A record's
  score does not depend on the rest of its batch, and ``Screener.screen_one`` reproduces batch
  scores. Measured on generated data, IDF over list + batch was no better, and counting the
  batch lets a listed party's own many mentions dilute its name.
* Term frequencies: splink's exact-name TF adjustment gets tf = u_exact * (listed parties
  sharing the name core), i.e. the model's exact-name weight for a name one listed party
  carries and log2(n) less for a name n parties share. Frequencies over the batch penalize a
  listed party for trading often; over a small list they penalize every exact match.
* Prior: a fixed screening prior per (record, listed party) pair, log2 odds
  ``SCREENING_PRIOR_LOG2_ODDS`` = -10.5, fitted (intercept-only calibration of the model's match
  weight, slope 1) on labelled candidate pairs of generated trade data against its generated
  list (100 parties: -10.9) and of perturbed OFAC names against OFAC (6,963 parties: -10.4).
  The link prior of dedupe, ``params.prior_for(n, n_list)`` = e / n_list, was off by +4.7 and
  -1.4 bits there: the evidence that makes a listed party likely does not grow with the
  list's size. Override with ``prior=`` or the model's ``metadata["screening_prior"]``.
  The -10.9 counted a list entry sharing the true party's name as correct; with the generator's
  exact truth (each listed entity has one list_id, a same-named entry is another company) the
  fit on generated data (dev seeds 11 and 13, 6000 entities, 300 parties) is about -14.7
  (-15.2 and -15.4 once the generated list keeps each party's city as real lists do): its
  list repeats names other traded companies carry (near-twins, common names, often in the same
  city) with nothing on the list to tell them apart. The default stays with the real-list fit;
  generated data at the default flags every such look-alike (see benchmarks/screening.py,
  ``indistinguishable``).
* Weights: the model's m/u, with the address-overlap and name-similarity levels' u estimated
  on the list and the same-country level's u among the list's look-alike names
  (``weights``) and no legal-form penalty for a record that has none (``realtime``'s
  ``RECORD_MISSING_NEUTRAL``), the same in both paths.
* Candidates: the same keys in both paths: exact name core, romanization-invariant key string,
  joined letters, tax id, address + city (each value only when at most ``BLOCK_CAP`` list
  names carry it), the record's ``RARE_KEYS`` rarest name words among those (and all that at
  most ``RARE_ALL_CAP`` list names carry) and, for name words the list does not have (typos),
  the list words one edit away (``deletion_keys``).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from splink import block_on

from resolver.api import default_model_path
from resolver.engine import Engine
from resolver.errors import InputError, UsageError
from resolver.features import build_features
from resolver.io.readers import read_records, read_table
from resolver.io.schema import CANONICAL_COLUMNS, RESERVED_OUTPUT_COLUMNS
from resolver.io.writers import staged_output_dir, write_json, write_table
from resolver.model.params import ModelParams
from resolver.model.predict import build_linker, predict_pairs
from resolver.screening.explain import ComparisonInfo, explain, model_comparisons
from resolver.screening.lists import load_lists
from resolver.screening.realtime import (
    BLOCK_CAP,
    RARE_ALL_CAP,
    RARE_KEYS,
    TOKEN_SOURCES,
    CompiledComparison,
    ListIndex,
    WordStats,
    compile_comparisons,
    match_probability,
    prob_to_weight,
    record_missing_levels,
    score_query,
)
from resolver.screening.weights import ListPairLevels, screening_params

log = logging.getLogger(__name__)

FLOOR = 0.05  # candidates scoring below this are not listed
SCREENING_THRESHOLD = 0.5  # calibrated scores: flag a party when a match is more likely than not
SCREENING_PRIOR_LOG2_ODDS = -10.5
SCREENING_PRIOR = 2.0**SCREENING_PRIOR_LOG2_ODDS / (1.0 + 2.0**SCREENING_PRIOR_LOG2_ODDS)
SOURCE_RECORDS, SOURCE_LIST = "records", "list"
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
_TF_TABLE = "resolver_screen_tf"
_BLOCK_NAMES = {
    ("name_core",): "blk_core",
    ("name_key_string",): "blk_key_string",
    ("name_joined",): "blk_joined",
    ("tax_id",): "blk_tax_id",
    ("address", "city"): "blk_address_city",
}
DataLike = Any


@dataclass(frozen=True)
class Match:
    """One listed party a record may be: the best-matching list name and its evidence."""

    list_id: str
    list_source: str
    list_name: str
    matched_name: str
    score: float
    match: bool
    explanation: str
    weights: dict[str, float] = field(default_factory=dict)


@dataclass
class ScreenResult:
    """Screening outputs: per (record, listed party) matches, optional entity roll-up, summary."""

    matches: pa.Table
    summary: dict[str, Any]
    entity_matches: pa.Table | None = None

    def save(self, out_dir: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write matches.csv (+ entity_matches.csv) and summary.json atomically."""
        with staged_output_dir(out_dir, overwrite) as stage:
            write_table(self.matches, stage / "matches.csv", "csv")
            if self.entity_matches is not None:
                write_table(self.entity_matches, stage / "entity_matches.csv", "csv")
            write_json(self.summary, stage / "summary.json")
        return Path(out_dir)


def list_records(lists: pa.Table) -> pa.Table:
    """The list as canonical records, one per name row: id = list_id#k, name = the name variant."""
    list_ids = lists.column("list_id").to_pylist()
    seen: dict[str, int] = {}
    ids = []
    for list_id in list_ids:
        k = seen.get(list_id, 0)
        seen[list_id] = k + 1
        ids.append(f"{list_id}#{k}")
    cols = {"id": pa.array(ids, pa.string()), "name": lists.column("name")}
    for col in CANONICAL_COLUMNS[2:]:
        cols[col] = lists.column(col)
    for col in ("list_id", "list_source", "list_name", "name_type", "entity_type"):
        cols[col] = lists.column(col)
    return pa.table(cols)


def _load_model(model: Any) -> ModelParams:
    if isinstance(model, ModelParams):
        return model
    if model is not None and hasattr(model, "params"):  # a Resolver
        return model.params
    path = Path(model) if model is not None else default_model_path()
    params = ModelParams.load(path)
    params.metadata["path"] = str(path)
    return params


def screening_prior(params: ModelParams, prior: float | None = None) -> float:
    """The prior match probability of a (record, listed party) pair: ``prior``, else the model's
    ``metadata["screening_prior"]``, else ``SCREENING_PRIOR`` (see the module docstring)."""
    value = prior if prior is not None else params.metadata.get("screening_prior", SCREENING_PRIOR)
    value = float(value)
    if not 0.0 < value < 1.0:
        raise InputError(f"screening prior must be between 0 and 1 (exclusive), got {value}")
    return value


def screening_threshold(params: ModelParams, threshold: float | None = None) -> float:
    """The score at which a candidate is a match: ``threshold``, else the model's
    ``metadata["screening_threshold"]``, else ``SCREENING_THRESHOLD``.

    Not ``params.threshold``: that is dedupe's clustering threshold, tuned for linking records
    transitively into entities, a different decision from flagging a party for review.
    """
    value = threshold if threshold is not None else params.metadata.get("screening_threshold")
    value = SCREENING_THRESHOLD if value is None else float(value)
    _check_threshold(value)
    return value


def _check_threshold(threshold: float | None) -> None:
    if threshold is not None and not 0.0 < float(threshold) < 1.0:
        raise InputError(f"threshold must be between 0 and 1 (exclusive), got {threshold}")


class Screener:
    """Screens party records against watch lists with the resolver model (batch and real time)."""

    def __init__(
        self,
        lists: pa.Table,
        params: ModelParams,
        *,
        list_paths: Sequence[str | os.PathLike] = (),
        backend: str = "duckdb",
        threshold: float | None = None,
        prior: float | None = None,
        memory_limit: str | None = None,
        temp_dir: str | None = None,
        spark: Any = None,
    ):
        _check_threshold(threshold)
        self.params = params
        self.threshold = screening_threshold(params, threshold)
        self.engine = Engine(
            backend=backend, memory_limit=memory_limit, temp_dir=temp_dir, spark=spark
        )
        self.lists = lists
        self.list_paths = [str(p) for p in list_paths]
        t0 = time.perf_counter()
        list_table = list_records(lists)
        self._list_features = build_features(
            _canonical(list_table, "l"),
            self.engine.con,
            source=pa.array([SOURCE_LIST] * lists.num_rows, pa.string()),
        )
        self.index = ListIndex.build(list_table, self._list_features)
        self._count_tables = self._candidate_key_tables()
        self._list_profiles = self._screening_profiles(
            self._list_features.profiles, SOURCE_LIST, self.index.stats
        )
        # the model's m/u adapted to screening against this list (``weights``); ``params`` (the
        # model as trained) stays for dedupe
        self.screen_params, self.weight_changes = screening_params(
            params,
            self.index,
            ListPairLevels(self._list_profiles, self.index),
        )
        self.comparisons: tuple[ComparisonInfo, ...] = model_comparisons(self.screen_params)
        self._compiled: list[CompiledComparison] | None = None
        self._tf: tuple[WordStats, dict[str, float]] | None = None
        self.prior = screening_prior(params, prior)
        self.index_seconds = time.perf_counter() - t0
        log.info(
            "screening index: %d list names, %d profiles in %.2fs",
            lists.num_rows,
            self._list_features.profiles.num_rows,
            self.index_seconds,
        )

    @classmethod
    def load(
        cls,
        *list_paths: str | os.PathLike,
        model: Any = None,
        backend: str = "duckdb",
        threshold: float | None = None,
        prior: float | None = None,
        memory_limit: str | None = None,
        temp_dir: str | None = None,
        spark: Any = None,
        allow_partial_list: bool = False,
    ) -> Screener:
        """Load watch lists and a model (the shipped default when None) and index the lists once."""
        if not list_paths:
            raise UsageError("give at least one list file to screen against")
        lists = load_lists(list_paths, allow_partial=allow_partial_list)
        return cls(
            lists,
            _load_model(model),
            list_paths=list_paths,
            backend=backend,
            threshold=threshold,
            prior=prior,
            memory_limit=memory_limit,
            temp_dir=temp_dir,
            spark=spark,
        )

    # ---- batch ----

    def screen(
        self,
        data: DataLike,
        mapping: str | Mapping[str, str] | None = None,
        *,
        entities: bool = False,
        threshold: float | None = None,
        floor: float = FLOOR,
        encoding: str | None = None,
        delimiter: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> ScreenResult:
        """Screen records (path, DataFrame, Arrow table or a dedupe output folder) against the lists."""
        _check_threshold(threshold)
        threshold = self.threshold if threshold is None else float(threshold)
        step = progress or (lambda _msg: None)
        t0 = time.perf_counter()
        table, entity_ids, dedupe_folder = _read_input(data, mapping, encoding, delimiter)
        timings: dict[str, float] = {"read_s": time.perf_counter() - t0}
        if entities and entity_ids is None:
            step("dedupe")
            from resolver.dedupe import dedupe

            t_dedupe = time.perf_counter()
            clusters = dedupe(table, self.params, self.engine).clusters
            entity_ids = clusters.column("entity_id").combine_chunks()
            timings["dedupe_s"] = time.perf_counter() - t_dedupe
        step("features")
        best, n_record_profiles, t = self._score_batch(table, floor)
        timings.update(t)
        step("outputs")
        t1 = time.perf_counter()
        matches = self._matches_table(table, best, threshold)
        entity_matches = None
        if entity_ids is not None:
            entity_matches = roll_up(matches, table.column("id"), entity_ids, threshold)
        timings["outputs_s"] = time.perf_counter() - t1
        timings["total_s"] = time.perf_counter() - t0
        summary = self._summary(table, matches, entity_matches, threshold, floor, timings)
        summary["record_profiles"] = n_record_profiles
        if dedupe_folder is not None:
            summary["input_dedupe_folder"] = str(dedupe_folder)
        return ScreenResult(matches, summary, entity_matches)

    def _score_batch(self, table: pa.Table, floor: float) -> tuple[pa.Table, int, dict[str, float]]:
        """Best list name per (record row, list_id) scoring at least ``floor``."""
        t0 = time.perf_counter()
        n = table.num_rows
        records = _canonical(table, "q")
        fs = build_features(records, self.engine.con, source=pa.array([SOURCE_RECORDS] * n))
        stats = self.index.stats
        rec_prof = self._screening_profiles(fs.profiles, SOURCE_RECORDS, stats)
        list_prof = self._list_profiles
        timings = {"features_s": time.perf_counter() - t0}
        if rec_prof.num_rows == 0 or list_prof.num_rows == 0:
            return _empty_best(self.comparisons), rec_prof.num_rows, timings
        t1 = time.perf_counter()
        blocking = [block_on(name) for name in _BLOCK_NAMES.values()]
        blocking.append(block_on("blk_rare", arrays_to_explode=["blk_rare"]))
        blocking.append(block_on("blk_fuzzy", arrays_to_explode=["blk_fuzzy"]))
        self._release(None)
        linker = build_linker(
            self.engine,
            self.screen_params,
            [rec_prof, list_prof],
            link_type="link_only",
            prior=self.prior,
            blocking=blocking,
        )
        try:
            self._register_tf(linker, stats)
            pairs = predict_pairs(linker, self._predict_floor(floor)).as_pandas_dataframe()
        finally:
            self._release(linker)
        timings["predict_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        best = self._best_per_party(pairs, fs.records, self._list_features.records, rec_prof, floor)
        timings["best_s"] = time.perf_counter() - t2
        return best, rec_prof.num_rows, timings

    def _candidate_key_tables(self) -> dict[str, pa.Table]:
        """Arrow lookups of how many list name rows carry each candidate key value."""
        tables = {}
        for i, cols in enumerate(_BLOCK_NAMES):
            counts = self.index.scalar_rows[cols]
            table = {
                f"v{j}": pa.array([v[j] for v in counts], pa.string()) for j in range(len(cols))
            }
            table["n"] = pa.array([len(rows) for rows in counts.values()], pa.int64())
            tables[f"_sc_c{i}"] = pa.table(table)
        return tables

    def _screening_profiles(self, profiles: pa.Table, source: str, stats: WordStats) -> pa.Table:
        """Profiles with the list's token weights and the screening candidate keys (``blk_*``).

        List profiles carry every name word at most BLOCK_CAP list names share; records carry
        their RARE_KEYS rarest such words and all at most RARE_ALL_CAP list names share, so a
        record meets the list names sharing one of them.
        ``blk_fuzzy``: the one-edit keys of ``ListIndex.list_fuzzy_keys`` / ``query_fuzzy_keys``.
        """
        con = self.engine.con
        tables = dict(self._count_tables)
        ctes, joins, selects, replaced = [], [], [], []
        for i, (col, src) in enumerate(TOKEN_SOURCES.items()):
            tables[f"_sc_w{i}"] = pa.table(
                {
                    "k": pa.array(list(stats.idf[col]), pa.string()),
                    "w": pa.array(list(stats.idf[col].values()), pa.float64()),
                }
            )
            unseen = float(stats.unseen[col])
            ctes.append(
                f"""t{i} AS (
                    SELECT unique_id, unnest(tok) AS k
                    FROM (SELECT unique_id, {src.sql_tokens} AS tok FROM _sc_prof_in)
                    WHERE tok IS NOT NULL
                ), a{i} AS (
                    SELECT t.unique_id,
                           list(struct_pack(k := t.k, w := coalesce(w.w, {unseen!r})) ORDER BY t.k)
                               AS "{col}",
                           sum(coalesce(w.w, {unseen!r})) AS "{src.total}",
                           max(coalesce(w.w, {unseen!r})) / {unseen!r} AS rarity
                    FROM t{i} t LEFT JOIN _sc_w{i} w USING (k) GROUP BY t.unique_id
                )"""
            )
            joins.append(f"LEFT JOIN a{i} USING (unique_id)")
            selects += [f'a{i}."{col}"', f'coalesce(a{i}."{src.total}", 0.0) AS "{src.total}"']
            replaced += [c for c in (col, src.total) if c in profiles.column_names]
            if col == "name_kw":  # distinctive-name rarity relative to the list's vocabulary
                selects.append(f"a{i}.rarity AS name_rarity")
                replaced += [c for c in ("name_rarity",) if c in profiles.column_names]
        tables["_sc_kn"] = pa.table(
            {
                "k": pa.array(list(self.index.key_count), pa.string()),
                "n": pa.array(list(self.index.key_count.values()), pa.int64()),
            }
        )
        name = list(TOKEN_SOURCES).index("name_kw")
        rare = "keys_all" if source == SOURCE_LIST else "keys_rare"
        ctes.append(
            f"""rk AS (
                SELECT t.unique_id,
                       list(t.k ORDER BY t.k) AS keys_all,
                       list_concat(
                           list(t.k ORDER BY n.n, t.k)[1:{int(RARE_KEYS)}],
                           coalesce(
                               (list(t.k ORDER BY n.n, t.k) FILTER (
                                   WHERE n.n <= {int(RARE_ALL_CAP)}
                               ))[{int(RARE_KEYS) + 1}:],
                               []
                           )
                       ) AS keys_rare
                FROM t{name} t JOIN _sc_kn n USING (k) WHERE n.n <= {int(BLOCK_CAP)}
                GROUP BY t.unique_id
            )"""
        )
        joins.append("LEFT JOIN rk USING (unique_id)")
        selects.append(f"rk.{rare} AS blk_rare")
        for i, (cols, blk) in enumerate(_BLOCK_NAMES.items()):
            on = " AND ".join(f'c{i}.v{j} = p."{c}"' for j, c in enumerate(cols))
            joins.append(f"LEFT JOIN _sc_c{i} c{i} ON {on}")
            value = (
                f'p."{cols[0]}"'
                if len(cols) == 1
                else "concat_ws(chr(31), " + ", ".join(f'p."{c}"' for c in cols) + ")"
            )
            selects.append(f"CASE WHEN c{i}.n <= {int(BLOCK_CAP)} THEN {value} END AS {blk}")
        exclude = (
            f" EXCLUDE ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in replaced)})"
            if replaced
            else ""
        )
        con.register("_sc_prof_in", profiles)
        for name_, table in tables.items():
            con.register(name_, table)
        try:
            out = con.sql(
                f"""
                WITH {", ".join(ctes)}
                SELECT p.*{exclude}, {", ".join(selects)}
                FROM _sc_prof_in p {" ".join(joins)}
                ORDER BY p.unique_id
                """
            ).to_arrow_table()
        finally:
            for name_ in ["_sc_prof_in", *tables]:
                con.unregister(name_)
        fuzzy = self.index.list_fuzzy_keys if source == SOURCE_LIST else self.index.query_fuzzy_keys
        cores = out.column("name_core").to_pylist()
        return out.append_column(
            "blk_fuzzy", pa.array([fuzzy(c) or None for c in cores], pa.list_(pa.string()))
        )

    def _release(self, linker: Any) -> None:
        """Drop splink's tables and the inputs ``build_linker`` registers under fixed names."""
        if linker is not None:
            linker.table_management.delete_tables_created_by_splink_from_db()
        if self.engine.backend != "duckdb":
            return
        for name in ("resolver_input_0", "resolver_input_1", _TF_TABLE):
            try:
                self.engine.con.unregister(name)
            except duckdb.Error:
                pass

    def _tf_table(self, stats: WordStats) -> dict[str, float]:
        """The term frequencies of the model's TF-adjusted name column (see ``WordStats``)."""
        level = next((lv for info in self.comparisons for lv in info.levels if lv.tf_column), None)
        if level is None:
            return {}
        if level.tf_column != "name_core":
            raise NotImplementedError(
                f"screening has term frequencies for name_core, not {level.tf_column}"
            )
        return stats.term_frequencies(level.tf_u_exact)

    def _register_tf(self, linker: Any, stats: WordStats) -> None:
        """Register the term-frequency lookup so splink does not count the screening inputs."""
        tf = self._tf_table(stats)
        if not tf:
            return
        table = pa.table(
            {
                "name_core": pa.array(list(tf), pa.string()),
                "tf_name_core": pa.array(list(tf.values()), pa.float64()),
            }
        )
        db = linker._db_api  # the db the linker runs on (build_linker keeps no other handle)
        sdf = self.engine.register(db, table, _TF_TABLE)
        linker.table_management.register_term_frequency_lookup(sdf, "name_core")

    def _predict_floor(self, floor: float) -> float:
        """The floor for splink's predict: low enough for pairs that ``_record_missing`` raises."""
        neutral = record_missing_levels(self.comparisons)
        penalty = max(
            (
                -info.level(g).weight
                for info in self.comparisons
                if info.name in neutral
                for g in (neutral[info.name][1],)
            ),
            default=0.0,
        )
        if penalty <= 0 or floor <= 0:
            return floor
        return match_probability(prob_to_weight(floor) - penalty)

    def _record_missing(
        self, out: dict[str, Any], q_uid: Any, l_uid: Any, rec_prof: pa.Table
    ) -> None:
        """Score 0 for a level reached because the record lacks a field (``realtime``'s
        ``RECORD_MISSING_NEUTRAL``), as ``score_query`` does; adjusts ``out`` in place."""
        for name, (column, gamma) in record_missing_levels(self.comparisons).items():
            q_none = dict(
                zip(
                    rec_prof.column("unique_id").to_pylist(),
                    rec_prof.column(column).is_null().to_pylist(),
                    strict=True,
                )
            )
            l_none = dict(
                zip(
                    self._list_profiles.column("unique_id").to_pylist(),
                    self._list_profiles.column(column).is_null().to_pylist(),
                    strict=True,
                )
            )
            hit = (out[f"gamma_{name}"] == gamma) & q_uid.map(q_none) & ~l_uid.map(l_none)
            removed = out[f"w_{name}"].where(hit, 0.0)
            out[f"w_{name}"] = out[f"w_{name}"] - removed
            out["match_weight"] = out["match_weight"] - removed
        out["match_probability"] = out["match_weight"].map(match_probability)

    def _best_per_party(
        self,
        pairs: Any,
        records: pa.Table,
        list_records: pa.Table,
        rec_prof: pa.Table,
        floor: float,
    ) -> pa.Table:
        """Orient pairs (record, list name), expand profiles to rows, keep the best name per party."""
        left_is_rec = pairs["source_dataset_l"] == SOURCE_RECORDS
        out = {
            "q_uid": pairs["unique_id_l"].where(left_is_rec, pairs["unique_id_r"]),
            "l_uid": pairs["unique_id_r"].where(left_is_rec, pairs["unique_id_l"]),
            "match_weight": pairs["match_weight"].astype("float64"),
            "match_probability": pairs["match_probability"].astype("float64"),
        }
        for info in self.comparisons:
            c = info.name
            mw = pairs[f"mw_{c}"].astype("float64")
            out[f"gamma_{c}"] = mw.map(info.gamma_for_weight).astype("int64")
            if f"mw_tf_adj_{c}" in pairs.columns:
                mw = mw + pairs[f"mw_tf_adj_{c}"].astype("float64").fillna(0.0)
            out[f"w_{c}"] = mw
        self._record_missing(out, out["q_uid"], out["l_uid"], rec_prof)
        frame = pd.DataFrame(out)
        frame = frame[frame["match_probability"] >= floor]
        scored = pa.Table.from_pandas(frame, preserve_index=False)
        meta = pa.table(
            {
                "lrow": pa.array(range(self.index.table.num_rows), pa.int64()),
                "list_id": self.index.table.column("list_id"),
                "matched_name": self.index.table.column("name"),
            }
        )
        con = self.engine.con
        con.register("_sc_pairs", scored)
        con.register("_sc_rec", records.select(["row", "profile_id"]))
        con.register("_sc_lrec", list_records.select(["row", "profile_id"]))
        con.register("_sc_meta", meta)
        try:
            return con.sql(
                """
                SELECT q.row AS qrow, m.lrow, m.list_id, m.matched_name, p.* EXCLUDE (q_uid, l_uid)
                FROM _sc_pairs p
                JOIN _sc_rec q ON q.profile_id = p.q_uid
                JOIN _sc_lrec l ON l.profile_id = p.l_uid
                JOIN _sc_meta m ON m.lrow = l.row
                QUALIFY row_number() OVER (
                    PARTITION BY q.row, m.list_id
                    ORDER BY round(p.match_weight, 6) DESC, m.matched_name, m.lrow
                ) = 1
                ORDER BY qrow, list_id
                """
            ).to_arrow_table()
        finally:
            for name in ("_sc_pairs", "_sc_rec", "_sc_lrec", "_sc_meta"):
                con.unregister(name)

    def _matches_table(self, table: pa.Table, best: pa.Table, threshold: float) -> pa.Table:
        """The matches output: one row per (record, listed party), sorted (id, score desc, list_id)."""
        names = [c.name for c in self.comparisons]
        ids = table.column("id").to_pylist()
        lt = self.index.table
        list_source, list_name = (
            lt.column("list_source").to_pylist(),
            lt.column("list_name").to_pylist(),
        )
        cols = best.to_pydict()
        rows = []
        for i in range(best.num_rows):
            lrow = cols["lrow"][i]
            score = round(float(cols["match_probability"][i]), 4)
            gammas = {c: cols[f"gamma_{c}"][i] for c in names}
            weights = {c: cols[f"w_{c}"][i] for c in names}
            rows.append(
                (
                    ids[cols["qrow"][i]],
                    cols["list_id"][i],
                    list_source[lrow],
                    list_name[lrow],
                    cols["matched_name"][i],
                    score,
                    score >= threshold,
                    explain(self.comparisons, gammas, weights),
                )
            )
        rows.sort(key=lambda r: (r[0], -r[5], r[1]))
        return _rows_table(rows, MATCH_COLUMNS, {"score": pa.float64(), "match": pa.bool_()})

    def _summary(
        self,
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
            "list_parties": len(pc.unique(self.lists.column("list_id"))),
            "list_names": self.lists.num_rows,
            "lists": self.list_summary(),
            "threshold": threshold,
            "floor": floor,
            "prior": self.prior,
            "screening_weights": self.weight_changes,
            "timings": {k: round(v, 3) for k, v in timings.items()},
            "backend": self.engine.backend,
            "model": self.params.metadata.get("path", "in-memory"),
        }
        if entity_matches is not None:
            summary["entities_listed"] = len(pc.unique(entity_matches.column("entity_id")))
            summary["entities_with_match"] = len(
                pc.unique(entity_matches.filter(entity_matches.column("match")).column("entity_id"))
            )
        return summary

    def list_summary(self) -> dict[str, Any]:
        """Per list source: listed parties and names; the list files loaded."""
        sources: dict[str, Any] = {}
        src = self.lists.column("list_source").to_pylist()
        ids = self.lists.column("list_id").to_pylist()
        for s, i in zip(src, ids, strict=True):
            entry = sources.setdefault(s, {"parties": set(), "names": 0})
            entry["parties"].add(i)
            entry["names"] += 1
        return {
            "files": self.list_paths,
            "sources": {
                s: {"parties": len(e["parties"]), "names": e["names"]}
                for s, e in sorted(sources.items())
            },
        }

    # ---- real time ----

    def screen_one(self, record: Mapping[str, Any], *, floor: float = FLOOR) -> list[Match]:
        """Screen one record (canonical keys: name, country, city, address, postcode, tax_id)."""
        if self._compiled is None:
            self._compiled = compile_comparisons(self.comparisons)
        q = self.index.features(record)
        if self._tf is None or self._tf[0] is not self.index.stats:
            self._tf = (self.index.stats, self._tf_table(self.index.stats))
        scored = score_query(self.index, self._compiled, prob_to_weight(self.prior), q, self._tf[1])
        lt = self.index.table
        best: dict[str, tuple] = {}
        list_ids = lt.column("list_id")
        names = lt.column("name")
        for s in scored:
            if s.probability < floor:
                continue
            list_id = list_ids[s.row].as_py()
            # weights rounded: SQL and Python sum equal weights in different orders, and the
            # alias shown must not depend on the last bit
            key = (-round(s.match_weight, 6), names[s.row].as_py(), s.row)
            if list_id not in best or key < best[list_id][0]:
                best[list_id] = (key, s)
        out = []
        for list_id, (_, s) in best.items():
            score = round(s.probability, 4)
            out.append(
                Match(
                    list_id=list_id,
                    list_source=lt.column("list_source")[s.row].as_py(),
                    list_name=lt.column("list_name")[s.row].as_py(),
                    matched_name=names[s.row].as_py(),
                    score=score,
                    match=score >= self.threshold,
                    explanation=explain(self.comparisons, s.gammas, s.weights),
                    weights={k: round(v, 4) for k, v in s.weights.items()},
                )
            )
        out.sort(key=lambda m: (-m.score, m.list_id))
        return out


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


def _empty_best(comparisons: tuple[ComparisonInfo, ...]) -> pa.Table:
    cols: dict[str, pa.Array] = {
        "qrow": pa.array([], pa.int64()),
        "lrow": pa.array([], pa.int64()),
        "list_id": pa.array([], pa.string()),
        "matched_name": pa.array([], pa.string()),
        "match_weight": pa.array([], pa.float64()),
        "match_probability": pa.array([], pa.float64()),
    }
    for c in comparisons:
        cols[f"gamma_{c.name}"] = pa.array([], pa.int64())
        cols[f"w_{c.name}"] = pa.array([], pa.float64())
    return pa.table(cols)


def _canonical(table: pa.Table, prefix: str) -> pa.Table:
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


def _read_input(
    data: DataLike, mapping: Any, encoding: str | None, delimiter: str | None
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
