"""Per-record features for the model, computed once per distinct value, then grouped into profiles.

Records whose compared features are all identical form one *profile*: they would score every
comparison at its top level against each other, so the model compares profiles, not records
(skewed trade data repeats the same party spelling thousands of times). Rare-word weights are
IDF-like, computed per data set over distinct names, and blocking keys are guarded so no single
key creates a block larger than ``max_block_size`` profiles.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from resolver.engine import DuckDBSql, SqlRunner, registered
from resolver.gcpause import gc_paused
from resolver.io.schema import OPTIONAL_COLUMNS
from resolver.normalize import (
    ABJAD_SCRIPTS,
    legal_family,
    name_features,
    normalize_address,
    normalize_city,
    normalize_country,
    normalize_postcode,
    normalize_tax_id,
)
from resolver.normalize.addresses import (
    PLACEHOLDER_POSTCODE_RE,
    PLACEHOLDER_POSTCODES,
    POSTCODE_JUNK,
    place_in_address,
)

log = logging.getLogger(__name__)

# The initialism level compares this column, computed once per name rather than once per pair.
INITIALS_COLUMN = "name_initials"
# True where the name is written in a script that leaves short vowels out (Arabic script), else
# NULL: its romanized words are consonant skeletons, compared across scripts by the name
# comparison's skeleton level only (a boolean: about 0.25 MB per million records).
ABJAD_COLUMN = "name_abjad"
# The compared features of a record, as ``record_features`` gives them (after row and id).
NAME_FEATURES = (
    "name_core",
    "name_keys",
    "name_key_string",
    "name_folds",
    "name_fold_string",
    "name_joined",
    INITIALS_COLUMN,
    ABJAD_COLUMN,
    "legal_class",
    "legal_family",
    "name_numbers",
)
RECORD_FEATURES = (*NAME_FEATURES, *OPTIONAL_COLUMNS)
# Records equal on all of these form one profile (the rest derives from them).
PROFILE_COLUMNS = (
    "name_core",
    "name_key_string",
    "name_fold_string",
    "name_joined",
    ABJAD_COLUMN,
    "legal_class",
    "name_numbers",
    "country",
    "city",
    "address",
    "postcode",
    "tax_id",
)
DEFAULT_MAX_BLOCK_SIZE = 300
PARALLEL_MIN_VALUES = 20_000  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 8
SLICES_PER_WORKER = 4  # a few slices per worker even out uneven slices
# Rare-word blocking keys compare fuzzy variants; a block of n profiles costs n^2/2 expensive
# comparisons, so only words shared by at most this many profiles become blocking keys (exact
# name, key and joined-name blocks keep the larger cap). On 100k generated rows caps of 2500,
# 200 and 50 gave the same pairwise F1 (0.82) in 113 s, 41 s and 17 s.
RARE_WORD_BLOCK_SIZE = 50
# Profile columns derived from the data set's word statistics (IDF): incremental resolution
# recomputes them with ``weigh_profiles`` when the statistics change.
WEIGHT_COLUMNS = (
    "name_kw",
    "name_w_total",
    "name_rarity",
    "name_rare1",
    "name_rare2",
    "name_rare_pair",
    "address_kw",
    "address_w_total",
    "address_info",
)
# Columns ``weigh_profiles`` adds to a profile's base features (the weights and these).
DERIVED_COLUMNS = (*WEIGHT_COLUMNS, "tax_id_present")
BLOCK_WINDOW = 20


@dataclass
class FeatureSet:
    """Feature tables for one data set: record -> profile map, and the profiles splink compares."""

    records: pa.Table  # row, id, profile_id, unmatchable, country (ISO2)
    profiles: pa.Table  # unique_id (+ source_dataset), n_records, features, blk_* keys
    evidence: dict[str, int]  # non-null counts per compared column over records
    blocking: list[dict[str, Any]] = field(default_factory=list)  # per-rule block statistics
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE
    words: WordCounts | None = None  # the word statistics behind the weights


@dataclass
class WordCounts:
    """Word statistics of a data set, from which the IDF weights and rare-word keys follow: per
    phonetic name key its ``df`` (distinct name cores holding it) and ``pf`` (profiles holding
    it), per folded name word and per address token its ``df`` (distinct name cores, distinct
    addresses holding it), and the numbers of distinct cores and addresses."""

    names: pa.Table  # k, df, pf (phonetic keys: rare-word blocking keys)
    folds: pa.Table  # k, df (folded words: name evidence)
    addresses: pa.Table  # k, df
    n_cores: int
    n_addresses: int


def word_initials(core: str | None) -> str | None:
    """First letters of the space-separated words of a name core ("peoples liberation army" ->
    "pla"); None without a core."""
    return "".join([w[:1] for w in core.split(" ")]) if core else None


def _blank_to_none(value: str | None) -> str | None:
    return value if value else None


def _map_distinct(
    columns: dict[str, tuple[pa.ChunkedArray, Callable[[list], pa.Table]]], parallel: bool = True
) -> dict[str, pa.Table]:
    """Apply each column's ``chunk_fn`` once per distinct value; return, per column, the outputs
    in row order.

    Normalization is pure Python, so large inputs are spread over the machine's cores: one pool
    of forked workers takes slices of every column (the slow name slices first), each turning a
    slice into an Arrow table, which travels back as a few buffers instead of millions of
    pickled Python objects. Slices come back in order, so output is unchanged.
    """
    jobs = {}
    for key, (column, chunk_fn) in columns.items():
        uniq = pc.unique(column)
        jobs[key] = (uniq.to_pylist(), pc.index_in(column, value_set=uniq), chunk_fn)
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    total = sum(len(values) for values, _, _ in jobs.values())
    if not parallel or total < PARALLEL_MIN_VALUES or workers < 2:
        outputs = {key: chunk_fn(values) for key, (values, _, chunk_fn) in jobs.items()}
    else:
        tasks = []
        for key, (values, _, chunk_fn) in jobs.items():
            step = max(1, -(-len(values) // (workers * SLICES_PER_WORKER)))
            starts = range(0, max(len(values), 1), step)  # an empty column still gets a slice
            tasks += [(key, chunk_fn, values[i : i + step]) for i in starts]
        with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_signals) as pool:
            done = pool.map(_run_slice, tasks, chunksize=1)
        outputs = {
            key: pa.concat_tables([t for (k, _, _), t in zip(tasks, done, strict=True) if k == key])
            for key in jobs
        }
    return {key: outputs[key].take(index) for key, (_, index, _) in jobs.items()}


def _worker_signals() -> None:
    """Workers ignore Ctrl-C (it reaches the whole process group; the parent stops them) and
    die quietly on the SIGTERM of ``Pool.terminate`` (not through a handler they inherited)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_slice(task: tuple[str, Callable[[list], pa.Table], list]) -> pa.Table:
    return task[1](task[2])


def _name_table(values: list[str | None]) -> pa.Table:
    """The name feature columns of each name."""
    cores, keys, key_strings, joined, classes, numbers = [], [], [], [], [], []
    folds, fold_strings, abjad = [], [], []
    for value in values:
        f = name_features(value)
        named = bool(f.core)  # no core: nothing to compare the name on
        cores.append(f.core if named else None)
        keys.append(sorted(set(f.keys)) if named else None)
        key_strings.append((f.key_string or None) if named else None)
        distinct_folds = sorted(set(f.folds)) if named else None
        folds.append(distinct_folds)
        fold_strings.append(" ".join(distinct_folds) if distinct_folds else None)
        joined.append((f.joined or None) if named else None)
        abjad.append(True if named and f.script in ABJAD_SCRIPTS else None)
        classes.append(f.legal_class)
        numbers.append(_blank_to_none(" ".join(sorted(set(f.numbers)))) if f.numbers else None)
    return pa.table(
        {
            "name_core": pa.array(cores, pa.string()),
            "name_keys": pa.array(keys, pa.list_(pa.string())),
            "name_key_string": pa.array(key_strings, pa.string()),
            "name_folds": pa.array(folds, pa.list_(pa.string())),
            "name_fold_string": pa.array(fold_strings, pa.string()),
            "name_joined": pa.array(joined, pa.string()),
            INITIALS_COLUMN: pa.array(map(word_initials, cores), pa.string()),
            ABJAD_COLUMN: pa.array(abjad, pa.bool_()),
            "legal_class": pa.array(classes, pa.string()),
            "legal_family": pa.array([legal_family(c) for c in classes], pa.string()),
            "name_numbers": pa.array(numbers, pa.string()),
        }
    )


def _address_table(values: list[str | None]) -> pa.Table:
    """Normalized addresses, and the city an address states (``place_in_address``); an address
    that is only a place name is no street address (None)."""
    addresses, cities = [], []
    for value in values:
        place_only, city = place_in_address(value) if value is not None else (False, "")
        addresses.append(
            None if value is None or place_only else _blank_to_none(normalize_address(value))
        )
        cities.append(city or None)
    return pa.table(
        {"value": pa.array(addresses, pa.string()), "city": pa.array(cities, pa.string())}
    )


def _simple_table(fn: Callable[[str], str | None], values: list[str | None]) -> pa.Table:
    """``fn`` of each value, with None and empty results as None."""
    out = [_blank_to_none(fn(v)) if v is not None else None for v in values]
    return pa.table({"value": pa.array(out, pa.string())})


def _postcode_array(column: pa.ChunkedArray) -> pa.Array:
    """``normalize_postcode`` per row, in Arrow for ASCII values (0.4 s instead of 3.2 s on 1M
    generated rows). Python's upper() turns a few other letters into ASCII (ß -> SS,
    ı -> I), so values with any non-ASCII character still go through ``normalize_postcode``.
    """
    values = column.combine_chunks().cast(pa.string())
    out = pc.replace_substring_regex(pc.ascii_upper(values), POSTCODE_JUNK.pattern, "")
    placeholder = pc.or_(
        pc.is_in(out, value_set=pa.array(sorted(PLACEHOLDER_POSTCODES))),
        pc.match_substring_regex(out, PLACEHOLDER_POSTCODE_RE),
    )
    out = pc.if_else(placeholder, pa.scalar("", pa.string()), out)
    other = pc.invert(pc.fill_null(pc.string_is_ascii(values), True))
    if pc.any(other).as_py():
        rest = values.filter(other).to_pylist()
        out = pc.replace_with_mask(out, other, pa.array(map(normalize_postcode, rest), pa.string()))
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


_NORMALIZERS: dict[str, Callable[[Any], Any]] = {
    "country": normalize_country,
    "city": normalize_city,
    "address": normalize_address,
    "postcode": normalize_postcode,
    "tax_id": normalize_tax_id,
}


def record_features(table: pa.Table, *, parallel: bool = True) -> pa.Table:
    """One row per input record: row number, id and every normalized feature column.

    ``parallel``: large inputs are spread over forked worker processes; Spark's executors,
    which call this per Arrow batch (``resolver.spark.features``), pass False.
    """
    with gc_paused():  # forked workers inherit the paused collector
        return _record_features(table, parallel)


def _record_features(table: pa.Table, parallel: bool) -> pa.Table:
    cols: dict[str, pa.Array] = {
        "row": pa.array(range(table.num_rows), pa.int64()),
        "id": table.column("id").combine_chunks(),
    }
    jobs: dict[str, tuple[pa.ChunkedArray, Callable[[list], pa.Table]]] = {
        "name": (table.column("name"), _name_table)
    }
    present = [c for c in OPTIONAL_COLUMNS if c in table.column_names]
    for name in present:
        if name == "address":
            jobs[name] = (table.column(name), _address_table)
        elif name != "postcode":
            jobs[name] = (table.column(name), partial(_simple_table, _NORMALIZERS[name]))
    outputs = _map_distinct(jobs, parallel)
    names = outputs["name"]
    cols.update((c, names.column(c)) for c in names.column_names)
    for name in OPTIONAL_COLUMNS:
        if name == "postcode" and name in present:
            cols[name] = _postcode_array(table.column(name))
        elif name in present:
            cols[name] = outputs[name].column("value")
        else:
            cols[name] = pa.nulls(table.num_rows, pa.string())
    if "address" in present:  # a city the address states stands in for a missing city
        cols["city"] = pc.coalesce(cols["city"], outputs["address"].column("city"))
    return pa.table(cols)


def build_features(
    table: pa.Table,
    con: duckdb.DuckDBPyConnection,
    *,
    source: pa.Array | None = None,
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    blocking_rules: Sequence[tuple[str, ...]] = (),
) -> FeatureSet:
    """Normalize, group identical records into profiles, weight name words and build guarded
    block keys (``blk_i``/``win_i`` for rule i of ``blocking_rules``, tuples of feature columns).

    ``source`` (one value per row) keeps the data sets of a link job apart while sharing word weights.
    """
    rec = record_features(table)
    if source is not None:
        rec = rec.append_column("source_dataset", pa.array(source, pa.string()))
    sql = DuckDBSql(con)
    with registered(con, {FEATURE_INPUT: rec}):
        evidence, blocking = feature_tables(
            sql,
            with_source=source is not None,
            max_block_size=max_block_size,
            blocking_rules=blocking_rules,
        )
    try:
        words = _fetch_counts(con)
        records = con.sql(
            f"SELECT row, id, profile_id, unmatchable, country FROM {RECORDS_TABLE} ORDER BY row"
        ).to_arrow_table()
        order = "source_dataset, unique_id" if source is not None else "unique_id"
        profiles = con.sql(f"SELECT * FROM {PROFILES_TABLE} ORDER BY {order}").to_arrow_table()
    finally:
        sql.drop(RECORDS_TABLE, PROFILES_TABLE, *COUNT_TABLES)
    log.info("features: %d records -> %d profiles", table.num_rows, profiles.num_rows)
    return FeatureSet(records, profiles, evidence, blocking, max_block_size, words)


def rare_word_cap(max_block_size: int) -> int:
    """Most profiles a name word may be in to serve as a rare-word blocking key."""
    return min(max_block_size, RARE_WORD_BLOCK_SIZE)


def block_key_sql(columns: Sequence[str]) -> tuple[str, str]:
    """(key expression, condition that every column has a value) of a blocking rule."""
    key = "concat_ws(chr(31), " + ", ".join(f"CAST({c} AS VARCHAR)" for c in columns) + ")"
    return key, " AND ".join(f"{c} IS NOT NULL" for c in columns)


# ---- word statistics, shared by build_features and incremental resolution ----

# the word statistics ``feature_tables`` leaves for the caller (``_fetch_counts``)
COUNT_TABLES = ("_rf_kcount", "_rf_fcount", "_rf_acount", "_rf_ncount")
_WEIGHT_TABLES = ("_rf_kstat", "_rf_fstat", "_rf_astat", "_rf_kw", "_rf_akw")


def count_words(con: duckdb.DuckDBPyConnection, profiles: pa.Table) -> WordCounts:
    """The word statistics of a profiles table (columns ``name_core``, ``name_keys``,
    ``name_folds``, ``address``, ``address_keys`` as ``build_features`` gives them)."""
    columns = ["name_core", "name_keys", "name_folds", "address", "address_keys"]
    view = profiles.select(columns).rename_columns([*columns[:-1], "address_tokens"])
    sql = DuckDBSql(con)
    with registered(con, {"_rf_prof": view}):
        try:
            _count_words(sql)
            return _fetch_counts(con)
        finally:
            sql.drop(*COUNT_TABLES)


def word_weights(con: duckdb.DuckDBPyConnection, counts: WordCounts) -> tuple[pa.Table, pa.Table]:
    """The IDF weight of every folded name word and address token of ``counts`` (k, w, w_max:
    the weight of a word of one name or address)."""
    sql = DuckDBSql(con)
    with _counts_registered(con, counts):
        try:
            _word_stat_tables(sql)
            return (
                con.sql("SELECT k, w, w_max FROM _rf_fstat").to_arrow_table(),
                con.sql("SELECT k, w, w_max FROM _rf_astat").to_arrow_table(),
            )
        finally:
            sql.drop(*_WEIGHT_TABLES)


def weigh_profiles(
    con: duckdb.DuckDBPyConnection, profiles: pa.Table, counts: WordCounts, rare_cap: int
) -> pa.Table:
    """``profiles`` (``pid``, ``address_keys`` and the other base features build_features gives
    them; any ``DERIVED_COLUMNS`` are replaced) with ``DERIVED_COLUMNS`` computed from
    ``counts``, as build_features computes them from the data set's own statistics."""
    base = profiles.drop_columns([c for c in DERIVED_COLUMNS if c in profiles.column_names])
    view = base.rename_columns(
        [
            "_pk" if c == "pid" else "address_tokens" if c == "address_keys" else c
            for c in base.column_names
        ]
    )
    sql = DuckDBSql(con)
    with registered(con, {"_rf_prof": view}), _counts_registered(con, counts):
        try:
            _add_word_weights(sql, rare_cap)
            _assemble_profiles(sql)
            return con.sql("SELECT * FROM _rf_prof2 ORDER BY pid").to_arrow_table()
        finally:
            sql.drop(*_WEIGHT_TABLES, "_rf_prof2")


@contextlib.contextmanager
def _counts_registered(con: duckdb.DuckDBPyConnection, counts: WordCounts) -> Iterator[None]:
    ncount = pa.table(
        {"n_cores": [counts.n_cores], "n_addresses": [counts.n_addresses]},
        schema=pa.schema([("n_cores", pa.int64()), ("n_addresses", pa.int64())]),
    )
    tables = {
        "_rf_kcount": counts.names,
        "_rf_fcount": counts.folds,
        "_rf_acount": counts.addresses,
        "_rf_ncount": ncount,
    }
    with registered(con, tables):
        yield


def _count_words(sql: SqlRunner) -> None:
    """Word statistics of ``_rf_prof``: phonetic name keys over distinct names (df) and profiles
    (pf), folded name words over distinct names, address tokens over distinct addresses. A key
    of profiles without a name core counts in pf only (incremental resolution counts a name it
    has seen that way)."""
    sql.create(
        "_rf_kcount",
        """
        WITH cores AS (SELECT DISTINCT name_core, name_keys FROM _rf_prof WHERE name_core IS NOT NULL),
             df AS (SELECT k, count(*) AS df FROM (SELECT unnest(name_keys) AS k FROM cores) GROUP BY k),
             pf AS (SELECT k, count(*) AS pf FROM (SELECT unnest(name_keys) AS k FROM _rf_prof) GROUP BY k)
        SELECT k, coalesce(df, 0) AS df, coalesce(pf, 0) AS pf FROM df FULL JOIN pf USING (k)
        """,
    )
    sql.create(
        "_rf_fcount",
        """
        WITH cores AS (SELECT DISTINCT name_core, name_folds FROM _rf_prof WHERE name_core IS NOT NULL)
        SELECT k, count(*) AS df FROM (SELECT unnest(name_folds) AS k FROM cores) GROUP BY k
        """,
    )
    sql.create(
        "_rf_acount",
        """
        WITH addrs AS (SELECT DISTINCT address, address_tokens FROM _rf_prof WHERE address IS NOT NULL)
        SELECT k, count(*) AS df FROM (SELECT unnest(address_tokens) AS k FROM addrs) GROUP BY k
        """,
    )
    sql.create(
        "_rf_ncount",
        """
        SELECT (SELECT count(*) FROM (SELECT DISTINCT name_core, name_keys FROM _rf_prof
                                      WHERE name_core IS NOT NULL)) AS n_cores,
               (SELECT count(*) FROM (SELECT DISTINCT address, address_tokens FROM _rf_prof
                                      WHERE address IS NOT NULL)) AS n_addresses
        """,
    )


def _fetch_counts(con: duckdb.DuckDBPyConnection) -> WordCounts:
    n_cores, n_addresses = con.execute("SELECT n_cores, n_addresses FROM _rf_ncount").fetchall()[0]
    return WordCounts(
        con.sql("SELECT k, df, pf FROM _rf_kcount ORDER BY k").to_arrow_table(),
        con.sql("SELECT k, df FROM _rf_fcount ORDER BY k").to_arrow_table(),
        con.sql("SELECT k, df FROM _rf_acount ORDER BY k").to_arrow_table(),
        int(n_cores),
        int(n_addresses),
    )


def _word_stat_tables(sql: SqlRunner) -> None:
    """IDF weights from the counts: ln(1 + distinct names / df) per folded name word (and the
    largest possible, for a word of one name), ln(1 + distinct addresses / df) per address token
    (and its largest); the phonetic keys' counts for the rare-word keys."""
    sql.create("_rf_kstat", "SELECT k, df, pf FROM _rf_kcount")
    sql.create(
        "_rf_fstat",
        """
        SELECT k, ln(1.0 + (SELECT greatest(n_cores, 1) FROM _rf_ncount) / df) AS w,
               ln(1.0 + (SELECT greatest(n_cores, 1) FROM _rf_ncount)) AS w_max
        FROM _rf_fcount
        """,
    )
    sql.create(
        "_rf_astat",
        """
        SELECT k, ln(1.0 + (SELECT greatest(n_addresses, 1) FROM _rf_ncount) / df) AS w,
               ln(1.0 + (SELECT greatest(n_addresses, 1) FROM _rf_ncount)) AS w_max
        FROM _rf_acount
        """,
    )


# The SQL below is written once, in DuckDB's dialect, and runs on any ``SqlRunner``: DuckDB as
# written, Spark transpiled (``resolver.spark.sql``). It reads the record features (one row per
# record, ``record_features`` columns, plus ``source_dataset`` in a link job) from FEATURE_INPUT
# and leaves RECORDS_TABLE (row, id, profile_id, unmatchable, country), PROFILES_TABLE and the
# word statistics (COUNT_TABLES, read by ``_fetch_counts``), which the caller drops.
FEATURE_INPUT = "_rf_input"
RECORDS_TABLE = "_rf_records"
PROFILES_TABLE = "_rf_prof_final"
EVIDENCE_COLUMNS = ("name_core", "legal_class", *OPTIONAL_COLUMNS)


def feature_tables(
    sql: SqlRunner,
    *,
    with_source: bool,
    max_block_size: int,
    blocking_rules: Sequence[tuple[str, ...]],
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Profiles, word statistics and weights, and guarded block keys from the record features
    in FEATURE_INPUT.

    Returns (non-null counts per compared column over records, per-rule block statistics).
    """
    counts = sql.rows(
        "SELECT " + ", ".join(f"count({c})" for c in EVIDENCE_COLUMNS) + f" FROM {FEATURE_INPUT}"
    )[0]
    evidence = {c: int(n) for c, n in zip(EVIDENCE_COLUMNS, counts, strict=True)}
    src = "source_dataset, " if with_source else ""
    part = ", ".join(PROFILE_COLUMNS)
    sql.create(
        RECORDS_TABLE,
        f"""
        SELECT row, id, {src}
               min(id) OVER (PARTITION BY {src}{part},
                             CASE WHEN name_core IS NULL THEN id END) AS profile_id,
               name_core IS NULL AS unmatchable, country
        FROM {FEATURE_INPUT}
        """,
    )
    # profiles are numbered (_pk, later pid) in (source, unique_id) order on the narrow table
    # of profile ids: a window over the whole table runs in one task on Spark
    same_source = "AND f.source_dataset = r.source_dataset" if with_source else ""
    sql.create(
        "_rf_prof",
        f"""
        WITH sizes AS (SELECT {src}profile_id, count(*) AS n_records FROM {RECORDS_TABLE}
                       GROUP BY {src}profile_id),
             numbered AS (SELECT {src}profile_id, n_records,
                                 CAST(row_number() OVER (ORDER BY {src}profile_id) AS BIGINT) AS _pk
                          FROM sizes)
        SELECT r._pk, f.id AS unique_id, {"f.source_dataset, " if with_source else ""}
               r.n_records, f.name_core, f.name_keys, f.name_key_string, f.name_folds,
               f.name_fold_string, f.name_joined,
               f.{INITIALS_COLUMN}, f.{ABJAD_COLUMN},
               f.legal_class, f.legal_family, f.name_numbers, f.country, f.city, f.address,
               CASE WHEN f.address IS NULL THEN NULL
                    ELSE list_sort(list_distinct(string_split(f.address, ' '))) END AS address_tokens,
               f.postcode, f.tax_id
        FROM {FEATURE_INPUT} f JOIN numbered r ON f.id = r.profile_id {same_source}
        """,
    )
    _count_words(sql)
    _add_word_weights(sql, rare_word_cap(max_block_size))
    blocking = _add_block_keys(sql, blocking_rules, max_block_size, src.rstrip(", "))
    sql.drop("_rf_prof", *_WEIGHT_TABLES)
    return evidence, blocking


def _add_word_weights(sql: SqlRunner, rare_block_size: int) -> None:
    """IDF weights of the folded name words and address tokens of each profile of ``_rf_prof``,
    from the word statistics in ``_rf_kcount``, ``_rf_fcount``, ``_rf_acount`` and ``_rf_ncount``;
    and the rare-word blocking keys.

    Name evidence weighs the folded words themselves (``name_kw``: romanization-folded, vowels
    kept), so two names meet on a rare word only when they share it. The blocking keys use the
    coarser phonetic keys, which find more candidates: per profile the two rarest keys shared
    by at most ``rare_block_size`` profiles. Per-word statistics are computed once, and lists are
    sorted after aggregation (ORDER BY inside list() was 3x slower at 1M rows). Totals are
    summed over the sorted lists, so they do not depend on the join's row order (the same
    profile gets the same bits in any data set with the same statistics).
    """
    _word_stat_tables(sql)
    sql.create(
        "_rf_kw",
        f"""
        WITH pf AS (SELECT _pk, unnest(name_folds) AS k FROM _rf_prof WHERE name_folds IS NOT NULL),
             fw AS (SELECT pf._pk, list_sort(list(struct_pack(k := pf.k, w := s.w))) AS kw,
                           max(s.w) / any_value(s.w_max) AS name_rarity
                    FROM pf JOIN _rf_fstat s USING (k) GROUP BY pf._pk),
             pk AS (SELECT _pk, unnest(name_keys) AS k FROM _rf_prof WHERE name_keys IS NOT NULL),
             g AS (SELECT pk._pk,
                          list(struct_pack(df := s.df, k := pk.k, rare := s.pf <= {int(rare_block_size)}))
                              AS by_df
                   FROM pk JOIN _rf_kstat s USING (k) GROUP BY pk._pk),
             sorted AS (SELECT _pk, list_sort(by_df) AS by_df FROM g)
        SELECT _pk, fw.kw AS name_kw, list_sum(list_transform(fw.kw, lambda x: x.w)) AS name_w_total,
               fw.name_rarity,
               list_transform(list_filter(by_df, lambda x: x.rare), lambda x: x.k) AS rare,
               list_transform(by_df, lambda x: x.k) AS ranked
        FROM sorted LEFT JOIN fw USING (_pk)
        """,
    )
    sql.create(
        "_rf_akw",
        """
        WITH pk AS (SELECT _pk, unnest(address_tokens) AS k FROM _rf_prof WHERE address_tokens IS NOT NULL)
        SELECT _pk, address_kw, list_sum(list_transform(address_kw, lambda x: x.w)) AS address_w_total,
               list_sum(list_transform(address_kw, lambda x: x.w)) / any_w_max AS address_info
        FROM (SELECT _pk, list_sort(list(struct_pack(k := pk.k, w := s.w))) AS address_kw,
                     any_value(s.w_max) AS any_w_max
              FROM pk JOIN _rf_astat s USING (k) GROUP BY _pk)
        """,
    )


def _add_block_keys(
    sql: SqlRunner, rules: Sequence[tuple[str, ...]], cap: int, src: str
) -> list[dict[str, Any]]:
    """Materialize guarded key columns per blocking rule; report block statistics.

    ``blk_i`` holds the rule's key where its block has at most ``cap`` profiles (compared
    all-pairs). A larger block is sorted on the folded name and cut into windows of
    ``BLOCK_WINDOW`` profiles twice, the second tiling (``win_i``) shifted by half a window:
    each member is compared with at least ``BLOCK_WINDOW // 2`` neighbours on either side
    (sorted neighbourhood, about n * BLOCK_WINDOW pairs instead of n^2 / 2), so the many
    spellings of a large organisation still meet.
    """
    by_src = f"{src}, " if src else ""
    _assemble_profiles(sql)
    # one small (pid, blk_i, win_i) table per rule from a GROUP BY on the key: hash
    # aggregates and joins, not window functions over the wide profile rows (8x faster at 1M).
    # blk_i is a 63-bit hash of the key: splink's blocking joins and its "not already blocked"
    # tests compare integers, not key strings; a collision only adds candidate pairs (scored).
    stats = []
    joins = []
    half = BLOCK_WINDOW // 2
    for i, rule in enumerate(rules):
        cols = list(rule)
        rule_cap = cap
        key, not_null = block_key_sql(cols)
        sql.create(
            f"_rf_blk_{i}",
            f"""
            WITH keyed AS (SELECT pid, {by_src}{key} AS key, name_fold_string AS sort_key
                           FROM _rf_prof2 WHERE {not_null}),
                 sizes AS (SELECT key, count(*) AS n FROM keyed GROUP BY key),
                 big AS (SELECT k.pid, k.key, sizes.n,
                                row_number() OVER (PARTITION BY k.key ORDER BY k.sort_key, k.pid) - 1
                                    AS rank
                         FROM keyed k JOIN sizes USING (key) WHERE sizes.n > {int(rule_cap)})
            SELECT keyed.pid, {by_src}sizes.n,
                   (hash(CASE WHEN sizes.n <= {int(rule_cap)} THEN keyed.key
                              ELSE concat_ws(chr(30), keyed.key, 'a', big.rank // {BLOCK_WINDOW}) END)
                    >> 1)::BIGINT AS blk_{i},
                   CASE WHEN sizes.n > {int(rule_cap)}
                        THEN (hash(concat_ws(chr(30), keyed.key, 'b', (big.rank + {half}) // {BLOCK_WINDOW})) >> 1)::BIGINT
                   END AS win_{i}
            FROM keyed JOIN sizes USING (key) LEFT JOIN big USING (pid)
            """,
        )
        row = sql.rows(
            f"""
            SELECT count(DISTINCT key) FILTER (WHERE n <= {int(rule_cap)}),
                   coalesce(sum(n * (n - 1) / 2) FILTER (WHERE n <= {int(rule_cap)}), 0) /
                       greatest(1, 1),
                   count(DISTINCT key) FILTER (WHERE n > {int(rule_cap)}),
                   coalesce(max(n) FILTER (WHERE n > {int(rule_cap)}), 0)
            FROM (SELECT {key} AS key, count(*) AS n FROM _rf_prof2 WHERE {not_null}
                  GROUP BY {by_src}key)
            """
        )[0]
        stats.append(
            {
                "rule": "+".join(cols),
                "blocks": int(row[0]),
                "pairs_upper_bound": int(row[1]),
                "blocks_over_cap_compared_in_windows": int(row[2]),
                "largest_block_over_cap": int(row[3]),
            }
        )
        joins.append(f"LEFT JOIN (SELECT pid, blk_{i}, win_{i} FROM _rf_blk_{i}) USING (pid)")
    # the key columns are joined on the narrow table of profile numbers first, then onto the
    # wide profiles once (on Spark every join moves its inputs across the cluster)
    keys = f"SELECT * FROM (SELECT pid FROM _rf_prof2) {' '.join(joins)}"
    sql.create(PROFILES_TABLE, f"SELECT * FROM _rf_prof2 JOIN ({keys}) USING (pid)")
    sql.drop("_rf_prof2", *(f"_rf_blk_{i}" for i in range(len(rules))))
    return stats


def _assemble_profiles(sql: SqlRunner) -> None:
    """``_rf_prof2``: the profiles of ``_rf_prof`` with their word weights and derived columns."""
    sql.create(
        "_rf_prof2",
        """
        SELECT p.* EXCLUDE (_pk, address_tokens), p._pk AS pid, p.address_tokens AS address_keys,
               kw.name_kw,
               coalesce(kw.name_w_total, 0.0) AS name_w_total, kw.name_rarity,
               kw.rare[1] AS name_rare1, kw.rare[2] AS name_rare2,
               array_to_string(list_sort(kw.ranked[1:2]), ' ') AS name_rare_pair,
               akw.address_kw, coalesce(akw.address_w_total, 0.0) AS address_w_total,
               akw.address_info,
               CASE WHEN p.tax_id IS NOT NULL THEN true END AS tax_id_present
        FROM _rf_prof p LEFT JOIN _rf_kw kw USING (_pk) LEFT JOIN _rf_akw akw USING (_pk)
        """,
    )
