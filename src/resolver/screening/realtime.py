"""Real-time screening of one record: the model's levels evaluated in Python on a list index.

The list index is built once per ``Screener``: per list name row the features the batch path
compares (from ``build_features``), the list's token weights and name frequencies (the list is
the corpus, see ``screen``) and inverted indexes of the candidate keys the batch path blocks
on. A query is normalized like a record, its candidates come from the inverted indexes and
each comparison's levels are evaluated in Python: level SQL is parsed with sqlglot and run
with SQL's three-valued logic (the weighted-overlap SQL, which uses list lambdas, natively).
Summing the model's log2(m/u) weights, splink's term-frequency adjustment and the prior as
splink's predict does gives the batch scores (checked by tests/test_screening.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jellyfish
import pyarrow as pa
import splink.comparison_level_library as cll
import sqlglot
from splink.internals.dialects import SplinkDialect
from sqlglot import exp

from resolver.features import _NORMALIZERS as NORMALIZERS  # the same per-column normalizers
from resolver.features import FeatureSet
from resolver.model import levels as custom_levels
from resolver.model.levels import INITIALS_COLUMN, FuzzyDiceLevel, WeightedDiceLevel, word_initials
from resolver.normalize import legal_family, name_features
from resolver.screening.explain import ComparisonInfo, LevelInfo

Features = dict[str, Any]
Predicate = Callable[[Features, Features], bool]

# Candidate keys, shared with the batch blocking rules: a key value is used only when at most
# BLOCK_CAP list name rows carry it; of the name words, the query's RARE_KEYS rarest are used,
# and every one at most RARE_ALL_CAP list rows carry: a word rare on the list is not always the
# name's own ("Honghai Semiconductor (Hong Kong) Co." has the list-rare place words hong, kong).
SCALAR_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("name_core",),
    ("name_key_string",),
    ("name_joined",),
    ("tax_id",),
    ("address", "city"),
)
BLOCK_CAP = 1000
FEATURE_COLUMNS = (
    "name_core",
    "name_keys",
    "name_key_string",
    "name_joined",
    INITIALS_COLUMN,
    "legal_class",
    "legal_family",
    "name_numbers",
    "country",
    "city",
    "address",
    "postcode",
    "tax_id",
)
RARE_KEYS = 2
RARE_ALL_CAP = 20
# One-edit candidate keys: a query name word (of ``name_core``) no list name has, a typo such as
# Nomsd or Prommqrket, meets the list words one letter away (inserted, deleted, replaced or two
# swapped letters): both sides are keyed by the word and its one-letter deletions (symmetric
# deletion), for words of FUZZY_MIN_CHARS+ letters; a key more than FUZZY_CAP list name rows
# carry is unused.
FUZZY_MIN_CHARS = 5
FUZZY_CAP = 50
# A field the record lacks is a property of the record, the same against every listed party, so
# it is no evidence about which party the record is: the level a comparison reaches because the
# record has no value (the legal form's "one missing") scores 0 in screening. It keeps the model's
# weight when the list name is the one without (a short alias with no legal form, "Yuen Tung",
# matches many longer names by chance). comparison -> the feature column whose absence counts.
RECORD_MISSING_NEUTRAL = {"legal_form": "legal_class"}


def deletion_keys(word: str) -> set[str]:
    """The word and its one-letter deletions (none for words under FUZZY_MIN_CHARS letters).

    Two words one edit apart (insertion, deletion, substitution, adjacent swap) share one.
    """
    if len(word) < FUZZY_MIN_CHARS:
        return set()
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _words(core: str | None) -> set[str]:
    return set(core.split(" ")) if core else set()


def idf_weight(n_units: int, df: int) -> float:
    """IDF as ``features`` computes it, ln(1 + N / df); unseen tokens count as df=1."""
    return math.log(1.0 + n_units / max(df, 1))


def _name_tokens(f: Features) -> tuple[Any, list[str]] | None:
    keys = f["name_keys"]
    return None if f["name_core"] is None or keys is None else ((f["name_core"], tuple(keys)), keys)


def _address_tokens(f: Features) -> tuple[Any, list[str]] | None:
    address = f["address"]
    return None if address is None else (address, sorted(set(address.split(" "))))


@dataclass(frozen=True)
class TokenSource:
    """A weighted-token column the levels compare, and how ``features`` derives it.

    ``unit`` gives a row's (distinct-by value, tokens): IDF counts distinct values, as
    ``features`` counts distinct names / addresses; ``sql_tokens`` is the same tokens in SQL.
    """

    total: str
    unit: Callable[[Features], tuple[Any, list[str]] | None]
    sql_tokens: str


TOKEN_SOURCES: dict[str, TokenSource] = {
    "name_kw": TokenSource("name_w_total", _name_tokens, "name_keys"),
    "address_kw": TokenSource(
        "address_w_total",
        _address_tokens,
        "CASE WHEN address IS NULL THEN NULL ELSE list_distinct(string_split(address, ' ')) END",
    ),
}


def _text(value: Any) -> str | None:
    """A field as text; None and NaN (pandas' missing value) are missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def query_features(record: Mapping[str, Any]) -> Features:
    """One record's features, computed like ``features.record_features`` does per row."""
    nf = name_features(_text(record.get("name")))
    core = nf.core or None
    feats: Features = {
        "name_core": core,
        "name_keys": sorted(set(nf.keys)) if nf.core else None,
        "name_key_string": (nf.key_string or None) if nf.core else None,
        "name_joined": (nf.joined or None) if nf.core else None,
        "legal_class": nf.legal_class,
        "legal_family": legal_family(nf.legal_class),
        "name_numbers": " ".join(sorted(set(nf.numbers))) or None,
        INITIALS_COLUMN: word_initials(core),
    }
    for col, fn in NORMALIZERS.items():
        value = _text(record.get(col))
        feats[col] = (fn(value) or None) if value is not None else None
    return feats


def add_weights(feats: Features, stats: WordStats) -> Features:
    """Add the derived columns the levels compare: weighted tokens and address tokens."""
    for col, source in TOKEN_SOURCES.items():
        unit = source.unit(feats)
        kw = stats.weights(col, unit[1]) if unit is not None else None
        feats[col] = kw
        feats[source.total] = sum(kw.values()) if kw else 0.0
    name_kw = feats["name_kw"]
    feats["name_rarity"] = max(name_kw.values()) / stats.unseen["name_kw"] if name_kw else None
    address = feats["address"]
    feats["address_keys"] = frozenset(address.split(" ")) if address is not None else None
    return feats


# ---- comparison levels as Python predicates, with SQL's three-valued logic (None = NULL) ----

_DUCKDB = SplinkDialect.from_string("duckdb")
Value = Callable[[Features, Features], Any]


def _dice(level: WeightedDiceLevel) -> Predicate:
    """The weighted dice condition of ``WeightedDiceLevel`` (its SQL uses list lambdas)."""
    weights, total, threshold = level.weights, level.total, level.threshold

    def pred(a: Features, b: Features) -> bool:
        denominator = a[total] + b[total]
        if not denominator > 0:
            return False
        ka, kb = a[weights], b[weights]
        if not ka or not kb:
            return 0.0 >= threshold
        if len(kb) < len(ka):
            ka, kb = kb, ka
        overlap = sum(w for k, w in ka.items() if k in kb)
        return 2.0 * overlap / denominator >= threshold

    return pred


def _near(a: str, b: str) -> bool:
    """Keys equal, or both of 3+ symbols and one edit apart (as FuzzyDiceLevel's SQL)."""
    if a == b:
        return True
    n, m = len(a), len(b)  # the length difference bounds the distance: skip most pairs
    return n >= 3 and m >= 3 and abs(n - m) <= 1 and jellyfish.levenshtein_distance(a, b) <= 1


def _fuzzy_dice(level: FuzzyDiceLevel) -> Predicate:
    """FuzzyDiceLevel's condition: near-overlap of both sides over their total weight."""
    weights, total, threshold = level.weights, level.total, level.threshold

    def pred(a: Features, b: Features) -> bool:
        ka, kb = a[weights], b[weights]
        denominator = a[total] + b[total]
        if not ka or not kb or not denominator > 0:
            return False
        left = sum(w for k, w in ka.items() if any(_near(k, o) for o in kb))
        right = sum(w for k, w in kb.items() if any(_near(k, o) for o in ka))
        return (left + right) / denominator >= threshold

    return pred


def _jaccard(col: str, threshold: float) -> Predicate:
    def pred(a: Features, b: Features) -> bool:
        x, y = a[col], b[col]
        if x is None or y is None:
            return False
        union = len(x | y)
        return union > 0 and len(x & y) / union >= threshold

    return pred


def _initialism(column: str, min_letters: int) -> Predicate:
    """InitialismLevel's condition: one name has a word spelling the other's word initials."""

    def spells(this: str, initials: str) -> bool:
        return len(initials) >= min_letters and initials in this.split(" ")

    def pred(a: Features, b: Features) -> bool:
        x, y = a[column], b[column]
        if x is None or y is None:
            return False
        return spells(x, b[INITIALS_COLUMN]) or spells(y, a[INITIALS_COLUMN])

    return pred


def _near_equal(column: str, max_edits: int, min_chars: int) -> Predicate:
    """NearEqualLevel's condition (whole values within ``max_edits`` edits), natively: the
    length difference bounds the edit distance, so most pairs skip the distance."""

    def pred(a: Features, b: Features) -> bool:
        x, y = a[column], b[column]
        if x is None or y is None or len(x) < min_chars or len(y) < min_chars:
            return False
        if abs(len(x) - len(y)) > max_edits:
            return False
        return jellyfish.levenshtein_distance(x, y) <= max_edits

    return pred


def _and(x: Any, y: Any) -> Any:
    if x is False or y is False:
        return False
    return None if x is None or y is None else True


def _or(x: Any, y: Any) -> Any:
    if x is True or y is True:
        return True
    return None if x is None or y is None else False


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    exp.EQ: lambda x, y: x == y,
    exp.NEQ: lambda x, y: x != y,
    exp.GT: lambda x, y: x > y,
    exp.GTE: lambda x, y: x >= y,
    exp.LT: lambda x, y: x < y,
    exp.LTE: lambda x, y: x <= y,
}


def _column(name: str, natives: Mapping[str, Predicate]) -> Value:
    if name.endswith("_l"):
        side, col = 0, name[:-2]
    elif name.endswith("_r"):
        side, col = 1, name[:-2]
    else:
        raise NotImplementedError(f"real-time screening: column '{name}' is neither _l nor _r")
    if col in natives:
        native = natives[col]
        return lambda a, b: native(a, b)
    return (lambda a, b: a[col]) if side == 0 else (lambda a, b: b[col])


def _expr(node: exp.Expression, natives: Mapping[str, Predicate]) -> Value:
    """Compile a sqlglot expression of the portable level SQL into a Python function."""
    if isinstance(node, exp.Paren):
        return _expr(node.this, natives)
    if isinstance(node, (exp.And, exp.Or)):
        x, y = _expr(node.this, natives), _expr(node.expression, natives)
        op = _and if isinstance(node, exp.And) else _or
        return lambda a, b: op(x(a, b), y(a, b))
    if isinstance(node, exp.Not):
        x = _expr(node.this, natives)
        return lambda a, b: None if (v := x(a, b)) is None else not v
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        x = _expr(node.this, natives)
        return lambda a, b: x(a, b) is None
    if type(node) in _COMPARE:
        x, y, cmp = _expr(node.this, natives), _expr(node.expression, natives), _COMPARE[type(node)]
        return lambda a, b: None if (u := x(a, b)) is None or (v := y(a, b)) is None else cmp(u, v)
    if isinstance(node, exp.Column):
        return _column(node.name, natives)
    if isinstance(node, exp.Literal):
        value = node.this if node.is_string else float(node.this)
        return lambda a, b: value
    if isinstance(node, exp.Boolean):
        value = bool(node.this)
        return lambda a, b: value
    if isinstance(node, exp.Substring):
        x = _expr(node.this, natives)
        start = int(node.args["start"].this) - 1
        length = node.args.get("length")
        stop = None if length is None else start + int(length.this)
        return lambda a, b: None if (v := x(a, b)) is None else v[start:stop]
    if isinstance(node, exp.Length):
        x = _expr(node.this, natives)
        return lambda a, b: None if (v := x(a, b)) is None else len(v)
    if isinstance(node, exp.Levenshtein):
        x, y = _expr(node.this, natives), _expr(node.expression, natives)
        return lambda a, b: (
            None
            if (u := x(a, b)) is None or (v := y(a, b)) is None
            else jellyfish.levenshtein_distance(u, v)
        )
    if isinstance(node, exp.JarowinklerSimilarity):
        x, y = _expr(node.this, natives), _expr(node.expression, natives)
        return lambda a, b: (
            None
            if (u := x(a, b)) is None or (v := y(a, b)) is None
            else jellyfish.jaro_winkler_similarity(u, v)
        )
    raise NotImplementedError(f"real-time screening cannot evaluate SQL {node.sql()!r}")


def compile_sql(sql: str, natives: Mapping[str, Predicate] | None = None) -> Predicate:
    """A predicate with the semantics of a level's SQL condition (true only when SQL is TRUE)."""
    fn = _expr(sqlglot.parse_one(sql, read="duckdb"), natives or {})
    return lambda a, b: fn(a, b) is True


def compile_level(creator: Any) -> Predicate:
    """A Python predicate with the semantics of one level's SQL condition."""
    if isinstance(creator, cll.ElseLevel):
        return lambda a, b: True
    jaccard = getattr(custom_levels, "ArrayJaccardLevel", None)
    if jaccard is not None and isinstance(creator, jaccard):
        return _jaccard(creator.col, creator.threshold)
    if isinstance(creator, FuzzyDiceLevel):
        return _fuzzy_dice(creator)
    near_equal = getattr(custom_levels, "NearEqualLevel", None)
    if near_equal is not None and isinstance(creator, near_equal):
        return _near_equal(creator.column, creator.max_edits, creator.min_chars)
    initialism = getattr(custom_levels, "InitialismLevel", None)
    if initialism is not None and isinstance(creator, initialism):
        return _initialism(creator.column, creator.min_letters)
    sql = creator.create_sql(_DUCKDB)
    if not isinstance(creator, WeightedDiceLevel):
        return compile_sql(sql)
    # The dice SQL uses list lambdas: evaluate it natively, the rest (a subclass may OR more
    # conditions onto it) through the SQL compiler with the dice as a placeholder column.
    base = WeightedDiceLevel.create_sql(creator, _DUCKDB)
    if base not in sql:
        raise NotImplementedError(f"real-time screening cannot evaluate level SQL: {sql}")
    return compile_sql(sql.replace(base, "__dice_l"), {"__dice": _dice(creator)})


@dataclass
class CompiledComparison:
    """A comparison's levels in evaluation order, each with its Python predicate."""

    info: ComparisonInfo
    levels: list[tuple[LevelInfo, Predicate]]

    def score(self, a: Features, b: Features, tf: Mapping[str, float]) -> tuple[int, float]:
        """(gamma, match weight incl. TF adjustment) of the first level whose condition holds."""
        for level, pred in self.levels:
            if pred(a, b):
                weight = level.weight
                if level.tf_column is not None and not level.is_null:
                    weight += level.tf_adjustment(
                        tf.get(a[level.tf_column]), tf.get(b[level.tf_column])
                    )
                return level.gamma, weight
        return -1, 0.0  # unreachable with an ElseLevel; NULL CASE in splink gives no weight


def record_missing_levels(comparisons: tuple[ComparisonInfo, ...]) -> dict[str, tuple[str, int]]:
    """comparison -> (column, gamma of its "one missing" level) for RECORD_MISSING_NEUTRAL."""
    out = {}
    for info in comparisons:
        column = RECORD_MISSING_NEUTRAL.get(info.name)
        level = next(
            (lv for lv in info.levels if not lv.is_null and lv.label.endswith("one missing")),
            None,
        )
        if column is not None and level is not None:
            out[info.name] = (column, level.gamma)
    return out


def compile_comparisons(comparisons: tuple[ComparisonInfo, ...]) -> list[CompiledComparison]:
    """Compile every comparison of the model; raises NotImplementedError for unknown levels."""
    return [
        CompiledComparison(info, [(lv, compile_level(lv.creator)) for lv in info.levels])
        for info in comparisons
    ]


def match_probability(match_weight: float) -> float:
    """Splink's numerically stable 2^w / (1 + 2^w)."""
    if match_weight >= 0:
        return 1.0 / (1.0 + 2.0 ** (-match_weight))
    p = 2.0**match_weight
    return p / (1.0 + p)


def prob_to_weight(p: float) -> float:
    """log2 of the prior odds, as splink's ``prob_to_match_weight``."""
    return math.log2(p / (1.0 - p))


# ---- the list index ----


@dataclass(frozen=True)
class WordStats:
    """IDF weights per weighted-token column and listed parties per name core, over the list.

    IDF is ln(1 + N / df) over the list's N distinct names (addresses), as ``features``
    computes it over a data set; a token no listed name has counts as df=1, as rare as the
    rarest. ``shared`` counts listed parties per name core (a party's aliases that normalize
    alike count once).
    """

    idf: dict[str, dict[str, float]]  # weights column -> token -> weight
    unseen: dict[str, float]  # weights column -> weight of a token the list does not have
    shared: dict[str, int]  # name core -> listed parties carrying it

    @classmethod
    def build(cls, rows: list[Features], parties: list[str]) -> WordStats:
        """From the list's name rows (features) and their list ids."""
        idf, unseen = {}, {}
        for col, source in TOKEN_SOURCES.items():
            units = dict(u for u in map(source.unit, rows) if u is not None)
            df: dict[str, int] = {}
            for tokens in units.values():
                for k in set(tokens):
                    df[k] = df.get(k, 0) + 1
            n = max(len(units), 1)
            idf[col] = {k: idf_weight(n, d) for k, d in df.items()}
            unseen[col] = idf_weight(n, 1)
        shared: dict[str, int] = {}
        for core, _ in {(f["name_core"], p) for f, p in zip(rows, parties, strict=True)}:
            if core is not None:
                shared[core] = shared.get(core, 0) + 1
        return cls(idf, unseen, shared)

    def weights(self, col: str, tokens: list[str]) -> dict[str, float]:
        """The (token -> weight) map of a row's tokens in a weights column."""
        idf, unseen = self.idf[col], self.unseen[col]
        return {k: idf.get(k, unseen) for k in tokens}

    def term_frequencies(self, u_exact: float) -> dict[str, float]:
        """Term frequency per name core for splink's TF adjustment, relative to ``u_exact``.

        tf = u_exact * (listed parties sharing the core): splink's adjustment
        log2(u_exact) - log2(tf) then keeps the model's exact-match weight for a name one party
        carries and lowers it by log2(n) for a name n listed parties share.
        """
        return {core: u_exact * n for core, n in self.shared.items()}


@dataclass
class ListIndex:
    """Per list name row features, word statistics and inverted indexes of candidate keys."""

    table: pa.Table  # the canonical list table the rows come from (id, name, ... + list columns)
    rows: list[Features]
    row_profiles: list[str]  # row i -> the unique_id of its profile in the list's FeatureSet
    stats: WordStats
    key_count: dict[str, int]  # name key -> list name rows carrying it
    key_rows: dict[str, list[int]] = field(default_factory=dict)
    scalar_rows: dict[tuple[str, ...], dict[tuple[str, ...], list[int]]] = field(
        default_factory=dict
    )
    fuzzy_rows: dict[str, list[int]] = field(default_factory=dict)  # deletion key -> rows
    words: frozenset[str] = frozenset()  # the words of the list's name cores

    @classmethod
    def build(cls, table: pa.Table, features: FeatureSet) -> ListIndex:
        """Index a canonical list table from its ``build_features`` output (row i = table row i)."""
        profile_cols = [c for c in FEATURE_COLUMNS if c in features.profiles.column_names]
        by_profile = {
            p["unique_id"]: p
            for p in features.profiles.select(["unique_id", *profile_cols]).to_pylist()
        }
        row_profiles = features.records.sort_by("row").column("profile_id").to_pylist()
        rows = [{c: by_profile[profile_id][c] for c in profile_cols} for profile_id in row_profiles]
        stats = WordStats.build(rows, table.column("list_id").to_pylist())
        key_rows: dict[str, list[int]] = {}
        scalar_rows: dict[tuple[str, ...], dict[tuple[str, ...], list[int]]] = {
            cols: {} for cols in SCALAR_BLOCKS
        }
        fuzzy_rows: dict[str, list[int]] = {}
        words: set[str] = set()
        for i, f in enumerate(rows):
            add_weights(f, stats)
            for k in f["name_keys"] or ():
                key_rows.setdefault(k, []).append(i)
            core_words = _words(f["name_core"])
            words.update(core_words)
            for v in set().union(*map(deletion_keys, core_words)):
                fuzzy_rows.setdefault(v, []).append(i)
            for cols, index in scalar_rows.items():
                value = tuple(f[c] for c in cols)
                if None not in value:
                    index.setdefault(value, []).append(i)
        key_count = {k: len(v) for k, v in key_rows.items()}
        return cls(
            table,
            rows,
            row_profiles,
            stats,
            key_count,
            key_rows,
            scalar_rows,
            fuzzy_rows,
            frozenset(words),
        )

    def features(self, record: Mapping[str, Any]) -> Features:
        """A query record's features, weighted with the index's word statistics."""
        return add_weights(query_features(record), self.stats)

    def rare_keys(self, keys: list[str] | None) -> list[str]:
        """The query's RARE_KEYS rarest name keys among those at most BLOCK_CAP list rows carry,
        and all those at most RARE_ALL_CAP rows carry."""
        if not keys:
            return []
        usable = sorted(
            (self.key_count[k], k) for k in keys if 0 < self.key_count.get(k, 0) <= BLOCK_CAP
        )
        return [k for i, (n, k) in enumerate(usable) if i < RARE_KEYS or n <= RARE_ALL_CAP]

    def list_fuzzy_keys(self, core: str | None) -> list[str]:
        """A list name's one-edit candidate keys: the deletion keys of its name core's words
        that at most FUZZY_CAP list rows carry."""
        out = set().union(*map(deletion_keys, _words(core)))
        return sorted(v for v in out if len(self.fuzzy_rows.get(v, ())) <= FUZZY_CAP)

    def query_fuzzy_keys(self, core: str | None) -> list[str]:
        """A query's one-edit candidate keys: the deletion keys of its name core's words that
        no list name has, each carried by 1 to FUZZY_CAP list rows."""
        unseen = [w for w in _words(core) if w not in self.words]
        out = set().union(*map(deletion_keys, unseen))
        return sorted(v for v in out if 0 < len(self.fuzzy_rows.get(v, ())) <= FUZZY_CAP)

    def candidates(self, q: Features) -> list[int]:
        """List rows sharing a candidate key with the query (the batch blocking rules)."""
        found: set[int] = set()
        for cols, index in self.scalar_rows.items():
            value = tuple(q[c] for c in cols)
            if None in value:
                continue
            rows = index.get(value)
            if rows and len(rows) <= BLOCK_CAP:
                found.update(rows)
        for k in self.rare_keys(q["name_keys"]):
            found.update(self.key_rows[k])
        for v in self.query_fuzzy_keys(q["name_core"]):
            found.update(self.fuzzy_rows[v])
        return sorted(found)


@dataclass
class Scored:
    """One scored (query, list row) pair."""

    row: int
    match_weight: float
    probability: float
    gammas: dict[str, int]
    weights: dict[str, float]


def score_query(
    index: ListIndex,
    compiled: list[CompiledComparison],
    prior_weight: float,
    q: Features,
    tf: Mapping[str, float],
) -> list[Scored]:
    """Score the query against each candidate list row."""
    out = []
    neutral = record_missing_levels(tuple(c.info for c in compiled))
    for i in index.candidates(q):
        row = index.rows[i]
        gammas: dict[str, int] = {}
        weights: dict[str, float] = {}
        total = prior_weight
        for comp in compiled:
            gamma, weight = comp.score(q, row, tf)
            if comp.info.name in neutral:
                column, missing = neutral[comp.info.name]
                if gamma == missing and q[column] is None and row[column] is not None:
                    weight = 0.0
            gammas[comp.info.name] = gamma
            weights[comp.info.name] = weight
            total += weight
        out.append(Scored(i, total, match_probability(total), gammas, weights))
    return out
