"""Comparison levels: each condition written once, as SQL per dialect and in Python, side by side.

Batch scoring (splink's predict in dedupe, resolver's own SQL in screening) runs the SQL. One
real-time screening lookup evaluates the Python form instead: DuckDB spends about 15 ms
binding the name comparison's SQL, three times the lookup's latency budget. Conditions hold
only where SQL says TRUE; none uses NOT, so counting NULL as false is exact for AND and OR.
A differential test (tests/model/test_levels.py) checks both forms on random records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jellyfish

from resolver.features import ABJAD_COLUMN, INITIALS_COLUMN
from resolver.spark.udfs import JARO_WINKLER_UDF

Features = Mapping[
    str, Any
]  # one side of a pair: feature column -> value (see ``python_features``)
DIALECTS = ("duckdb", "spark")


def python_features(row: Mapping[str, Any]) -> dict[str, Any]:
    """A feature row (``pyarrow`` ``to_pylist`` form) in the form the Python conditions read:
    lists of (key, weight) structs as tuples of pairs, plain lists as frozensets."""
    out = dict(row)
    for column, value in row.items():
        if isinstance(value, list):
            if value and isinstance(value[0], dict):
                out[column] = tuple((x["k"], x["w"]) for x in value)
            else:
                out[column] = frozenset(value)
    return out


def _check(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise NotImplementedError(f"resolver levels support duckdb and spark, not {dialect}")
    return dialect


def guarded(guard: str, condition: str) -> str:
    """``guard AND condition`` with ``condition`` evaluated only where ``guard`` holds.

    DuckDB computes every operand of AND/OR over the whole vector, so an expensive test behind
    a cheap one still runs on every row; CASE evaluates a branch only on the rows reaching it.
    Used as a level condition (NULL counts as false) the result is the same.
    """
    return f"(CASE WHEN {guard} THEN {condition} ELSE false END)"


class Condition:
    """A test on a pair of feature rows (columns ``<col>_l`` and ``<col>_r`` in SQL).

    ``similarity``: the test measures how alike two values are, rather than testing equality
    or absence (screening re-estimates such levels' u on the list, see ``calibration``).
    """

    similarity = False

    def sql(self, dialect: str) -> str:
        raise NotImplementedError

    def holds(self, left: Features, right: Features) -> bool:
        """True exactly where the SQL is TRUE (NULL and FALSE are both False)."""
        raise NotImplementedError

    def __and__(self, other: Condition) -> Condition:
        return AllOf(self, other)

    def __or__(self, other: Condition) -> Condition:
        return AnyOf(self, other)


class AllOf(Condition):
    def __init__(self, *parts: Condition):
        self.parts = parts
        self.similarity = any(p.similarity for p in parts)

    def sql(self, dialect: str) -> str:
        return "(" + " AND ".join(p.sql(dialect) for p in self.parts) + ")"

    def holds(self, left: Features, right: Features) -> bool:
        for part in self.parts:  # a loop, not all(): real-time scoring calls this a lot
            if not part.holds(left, right):
                return False
        return True


class AnyOf(Condition):
    def __init__(self, *parts: Condition):
        self.parts = parts
        self.similarity = any(p.similarity for p in parts)

    def sql(self, dialect: str) -> str:
        return "(" + " OR ".join(p.sql(dialect) for p in self.parts) + ")"

    def holds(self, left: Features, right: Features) -> bool:
        for part in self.parts:
            if part.holds(left, right):
                return True
        return False


class Same(Condition):
    """Both sides have the value and it is equal."""

    def __init__(self, column: str):
        self.column = column

    def sql(self, dialect: str) -> str:
        return f"{self.column}_l = {self.column}_r"

    def holds(self, left: Features, right: Features) -> bool:
        a, b = left[self.column], right[self.column]
        return a is not None and b is not None and a == b


class Missing(Condition):
    """The value is missing on one given side (``"l"`` or ``"r"``)."""

    def __init__(self, column: str, side: str):
        self.column, self.side = column, side

    def sql(self, dialect: str) -> str:
        return f"{self.column}_{self.side} IS NULL"

    def holds(self, left: Features, right: Features) -> bool:
        return (left if self.side == "l" else right)[self.column] is None


def missing_on_a_side(column: str) -> Condition:
    return Missing(column, "l") | Missing(column, "r")


def missing_on_both(column: str) -> Condition:
    return Missing(column, "l") & Missing(column, "r")


class AtLeast(Condition):
    """One side's numeric value is at least ``value``."""

    def __init__(self, column: str, side: str, value: float):
        self.column, self.side, self.value = column, side, float(value)

    def sql(self, dialect: str) -> str:
        return f"{self.column}_{self.side} >= {self.value}"

    def holds(self, left: Features, right: Features) -> bool:
        v = (left if self.side == "l" else right)[self.column]
        return v is not None and v >= self.value


class LongEnough(Condition):
    """Both values have at least ``min_chars`` characters."""

    def __init__(self, column: str, min_chars: int):
        self.column, self.min_chars = column, int(min_chars)

    def sql(self, dialect: str) -> str:
        _check(dialect)
        return (
            f"length({self.column}_l) >= {self.min_chars} "
            f"AND length({self.column}_r) >= {self.min_chars}"
        )

    def holds(self, left: Features, right: Features) -> bool:
        a, b = left[self.column], right[self.column]
        return a is not None and b is not None and min(len(a), len(b)) >= self.min_chars


class JaroWinkler(Condition):
    """Jaro-Winkler similarity of the two values is at least ``threshold`` (splink's level)."""

    similarity = True

    def __init__(self, column: str, threshold: float):
        self.column, self.threshold = column, float(threshold)

    def sql(self, dialect: str) -> str:
        if _check(dialect) == "duckdb":
            return (
                f'jaro_winkler_similarity("{self.column}_l", "{self.column}_r") >= {self.threshold}'
            )
        # Python on Spark: splink's Scala jaro_winkler computes other values (resolver.spark.udfs)
        return f"{JARO_WINKLER_UDF}(`{self.column}_l`, `{self.column}_r`) >= {self.threshold}"

    def holds(self, left: Features, right: Features) -> bool:
        a, b = left[self.column], right[self.column]
        return (
            a is not None
            and b is not None
            and jellyfish.jaro_winkler_similarity(a, b) >= self.threshold
        )


def weighted_overlap_sql(dialect: str, weights: str, keys: str) -> str:
    """SQL for the summed weight of the left (key, weight) structs whose key the right side has.

    Each left struct is looked up in the right side's plain key list (``keys``, beside the
    structs): 3x faster in DuckDB than intersecting the struct lists (measured on 9M candidate
    pairs). A key has one weight per data set, so either side's weight is the same.
    """
    if _check(dialect) == "duckdb":
        return (
            f"coalesce(list_sum(list_transform({weights}_l, lambda x: CASE WHEN "
            f"list_contains({keys}_r, x.k) THEN x.w ELSE 0.0 END)), 0.0)"
        )
    return (
        f"aggregate(transform({weights}_l, x -> CASE WHEN array_contains({keys}_r, x.k) "
        "THEN x.w ELSE CAST(0.0 AS DOUBLE) END), CAST(0.0 AS DOUBLE), (acc, v) -> acc + v)"
    )


class WeightedOverlap(Condition):
    """Names share rare words: 2 * weight(shared keys) / (weight(left) + weight(right)) >= threshold.

    Weights are IDF-like per data set (see ``features``), so common words such as "trading" or
    "group" contribute little and rare ones carry the evidence.
    """

    similarity = True

    def __init__(
        self,
        threshold: float,
        weights: str = "name_kw",
        total: str = "name_w_total",
        keys: str = "name_keys",
    ):
        self.threshold = float(threshold)
        self.weights, self.total, self.keys = weights, total, keys

    def sql(self, dialect: str) -> str:
        overlap = weighted_overlap_sql(dialect, self.weights, self.keys)
        denominator = f"({self.total}_l + {self.total}_r)"
        # the key columns also appear outside the lambda, so splink carries them into the pairs
        return (
            f"({self.keys}_l IS NOT NULL AND {self.keys}_r IS NOT NULL AND {denominator} > 0 "
            f"AND 2.0 * {overlap} / {denominator} >= {self.threshold})"
        )

    def holds(self, left: Features, right: Features) -> bool:
        keys = right[self.keys]
        if left[self.keys] is None or keys is None:
            return False
        a, b = left[self.total], right[self.total]
        if a is None or b is None or not a + b > 0:
            return False
        overlap = sum(w for k, w in left[self.weights] or () if k in keys)
        return 2.0 * overlap / (a + b) >= self.threshold


# Folded words shorter than this must be equal; longer ones may differ by one edit (a typo in
# a short word makes another word: stel ~ stal; tehnolose ~ tehnoloje is the same word).
WORD_ONE_EDIT_CHARS = 5
# A word of fewer letters with one letter changed is another word (an acronym, an initial, a
# numeral: NPO ~ NPF, TC ~ GX, IV ~ V), not a typo; see ``NearEqual``.
TYPO_WORD_MIN_CHARS = 4
# Two names conflict when each keeps at least this share of its word weight unmatched: both
# have words of their own ("Toi Ching Intelligent Equipment" / "Toi Ching Microelectronics"),
# unlike a name and its shorter form or two spellings of one name.
CONFLICT_SHARE = 0.2


def matched_weight_sql(dialect: str, this: str, other: str, fuzzy: bool) -> str:
    """Summed IDF weight of ``this`` side's folded name words (``name_kw``) that the other name
    also has (``name_folds``); with ``fuzzy``, words of ``WORD_ONE_EDIT_CHARS`` or more also count
    when one edit apart.

    The fuzzy sum costs several times the exact one (list lambdas with Levenshtein over word
    pairs), and DuckDB computes it again in every level that uses it (no common-subexpression
    sharing across CASE branches with lambdas): one level uses it, the others compare exact
    folded words (a typo in one word of an otherwise equal name is the whole-name edit
    levels' job). The name comparison ran 9x faster than with fuzzy sums in every level
    (376k candidate pairs whose names differ).
    """
    mine, theirs, one = f"name_kw_{this}", f"name_folds_{other}", WORD_ONE_EDIT_CHARS
    if _check(dialect) == "duckdb":
        near = guarded(
            f"length(y) >= {one} AND abs(length(x.k) - length(y)) <= 1", "levenshtein(x.k, y) <= 1"
        )
        fuzzy_case = (
            f"WHEN length(x.k) >= {one} AND list_bool_or(list_transform({theirs}, "
            f"lambda y: {near})) THEN x.w "
            if fuzzy
            else ""
        )
        return (
            f"coalesce(list_sum(list_transform({mine}, lambda x: CASE "
            f"WHEN list_contains({theirs}, x.k) THEN x.w {fuzzy_case}ELSE 0.0 END)), 0.0)"
        )
    near = f"length(y) >= {one} AND abs(length(x.k) - length(y)) <= 1 AND levenshtein(x.k, y) <= 1"
    fuzzy_case = (
        f"WHEN length(x.k) >= {one} AND exists({theirs}, y -> {near}) THEN x.w " if fuzzy else ""
    )
    return (
        f"aggregate(transform({mine}, x -> CASE WHEN array_contains({theirs}, x.k) THEN x.w "
        f"{fuzzy_case}ELSE CAST(0.0 AS DOUBLE) END), CAST(0.0 AS DOUBLE), (acc, v) -> acc + v)"
    )


def _matched_weight(mine: tuple, theirs: frozenset[str], fuzzy: bool) -> float:
    """``matched_weight_sql`` in Python."""
    total = 0.0
    for k, w in mine:
        if k in theirs:
            total += w
        elif fuzzy and len(k) >= WORD_ONE_EDIT_CHARS:
            n = len(k)
            if any(
                len(y) >= WORD_ONE_EDIT_CHARS
                and abs(n - len(y)) <= 1
                and jellyfish.levenshtein_distance(k, y) <= 1
                for y in theirs
            ):
                total += w
    return total


_NAMES_PRESENT = (
    "name_kw_l IS NOT NULL AND name_kw_r IS NOT NULL "
    "AND name_folds_l IS NOT NULL AND name_folds_r IS NOT NULL "
    "AND name_w_total_l + name_w_total_r > 0"
)


def _names(left: Features, right: Features) -> tuple | None:
    """(words left, words right, folds left, folds right, total left, total right) when both
    names can be compared on words (``_NAMES_PRESENT``), else None."""
    kw_l, kw_r = left["name_kw"], right["name_kw"]
    folds_l, folds_r = left["name_folds"], right["name_folds"]
    total_l, total_r = left["name_w_total"], right["name_w_total"]
    if None in (kw_l, kw_r, folds_l, folds_r, total_l, total_r) or not total_l + total_r > 0:
        return None
    return kw_l, kw_r, folds_l, folds_r, total_l, total_r


def _conflict_sql(dialect: str, conflict: bool) -> str:
    """Both names keep at least ``CONFLICT_SHARE`` of their word weight unmatched (or, with
    ``conflict`` False, at least one keeps less): exact word matches."""
    left = matched_weight_sql(dialect, "l", "r", fuzzy=False)
    right = matched_weight_sql(dialect, "r", "l", fuzzy=False)
    op, join = (">=", " AND ") if conflict else ("<", " OR ")
    parts = [
        f"name_w_total_l - {left} {op} {CONFLICT_SHARE} * name_w_total_l",
        f"name_w_total_r - {right} {op} {CONFLICT_SHARE} * name_w_total_r",
    ]
    return "(" + join.join(parts) + ")"


class WordOverlap(Condition):
    """The names share most of their word weight: (matched weight left + matched weight right)
    / (weight left + weight right) >= threshold, on folded words (the same word in any
    romanization) weighted by IDF, so generic words ("trading", "group") count little.

    ``fuzzy``: words one typo apart count as shared. ``conflict``: True keeps only pairs where
    both names have words of their own, False only pairs where at most one has; None any.
    """

    similarity = True

    def __init__(self, threshold: float, *, fuzzy: bool = False, conflict: bool | None = None):
        self.threshold, self.fuzzy, self.conflict = float(threshold), fuzzy, conflict

    def sql(self, dialect: str) -> str:
        left = matched_weight_sql(dialect, "l", "r", self.fuzzy)
        right = matched_weight_sql(dialect, "r", "l", self.fuzzy)
        sql = (
            f"{_NAMES_PRESENT} AND ({left} + {right}) / (name_w_total_l + name_w_total_r) "
            f">= {self.threshold}"
        )
        if self.conflict is not None:
            sql += f" AND {_conflict_sql(dialect, self.conflict)}"
        return f"({sql})"

    def holds(self, left: Features, right: Features) -> bool:
        names = _names(left, right)
        if names is None:
            return False
        kw_l, kw_r, folds_l, folds_r, total_l, total_r = names
        matched_l = _matched_weight(kw_l, folds_r, self.fuzzy)
        matched_r = _matched_weight(kw_r, folds_l, self.fuzzy)
        if not (matched_l + matched_r) / (total_l + total_r) >= self.threshold:
            return False
        if self.conflict is None:
            return True
        exact_l = _matched_weight(kw_l, folds_r, False)
        exact_r = _matched_weight(kw_r, folds_l, False)
        conflicting = (
            total_l - exact_l >= CONFLICT_SHARE * total_l
            and total_r - exact_r >= CONFLICT_SHARE * total_r
        )
        return conflicting if self.conflict else not conflicting


class ContainedName(Condition):
    """Every word of one name is in the other (exact folded words), and that name is
    distinctive ("Kristall" ~ "Kristall State Research Institute", "Columbia University" ~
    "Trustees of Columbia University in the City of New York")."""

    similarity = True

    def __init__(self, min_rarity: float):
        self.min_rarity = float(min_rarity)

    def sql(self, dialect: str) -> str:
        parts = []
        for this, other in (("l", "r"), ("r", "l")):
            matched = matched_weight_sql(dialect, this, other, fuzzy=False)
            parts.append(
                f"(name_rarity_{this} >= {self.min_rarity} "
                f"AND {matched} >= 0.999 * name_w_total_{this})"
            )
        return f"({_NAMES_PRESENT} AND ({' OR '.join(parts)}))"

    def holds(self, left: Features, right: Features) -> bool:
        names = _names(left, right)
        if names is None:
            return False
        kw_l, kw_r, folds_l, folds_r, total_l, total_r = names
        for kw, folds, total, side in (
            (kw_l, folds_r, total_l, left),
            (kw_r, folds_l, total_r, right),
        ):
            rarity = side["name_rarity"]
            if (
                rarity is not None
                and rarity >= self.min_rarity
                and _matched_weight(kw, folds, False) >= 0.999 * total
            ):
                return True
        return False


# Vowel letters of folded words are the classes a, e (e i y) and o (o u) of translit.token_fold,
# but a Chinese syllable folds to its pinyin (bin, li, din): the skeleton level reads i, y as e
# and u as o on both sides.
_VOWEL_CLASSES = ("iuy", "eoe")
_VOWEL_TABLE = str.maketrans(*_VOWEL_CLASSES)
_FOLD_VOWELS = "[aeo]"
# Letters of an abjad word's skeleton that Latin spellings write otherwise: ه / ح dropped
# (Jalahmah ~ Jalamah; Rahman read as Japanese moras folds to "raman"), و the vowel u written w
# (Anwari, Tharwat) and و the consonant w written ou (Aouadi, Sahraoui).
# A final "a" may be ta marbuta, which Latin spellings also write -at and -ah (Silsilat).
_FINAL_A = "[th]?"
_SKELETON_LETTERS = {"h": "h?", "o": "[of]", "f": "[fo]"}


def vowel_classes_sql(word: str) -> str:
    """SQL of a folded word with its vowels in the classes a, e, o."""
    return f"translate({word}, '{_VOWEL_CLASSES[0]}', '{_VOWEL_CLASSES[1]}')"


def skeleton_pattern_sql(dialect: str, word: str) -> str:
    """SQL of ``skeleton_pattern``'s regular expression for a folded word expression (NULL for
    a word without letters beyond "a")."""
    skeleton = f"replace({vowel_classes_sql(word)}, 'a', '')"
    v = _FOLD_VOWELS
    if _check(dialect) == "duckdb":
        spread = f"regexp_replace({skeleton}, '(.)', '{v}*\\1', 'g')"
        lead = f"starts_with({word}, 'a')"
        ends = "ends_with"
    else:
        spread = f"regexp_replace({skeleton}, '(.)', '{v}*$1')"
        lead = f"startswith({word}, 'a')"
        ends = "endswith"
    start = f"CASE WHEN {lead} THEN '^{v}+' ELSE '^' END"
    end = f"CASE WHEN {ends}({word}, 'a') THEN '{v}*{_FINAL_A}$' ELSE '{v}*$' END"
    for letter, pattern in _SKELETON_LETTERS.items():
        spread = f"replace({spread}, '*{letter}', '*{pattern}')"
    return f"CASE WHEN {skeleton} <> '' THEN concat({start}, {spread}, {end}) END"


@lru_cache(maxsize=1 << 14)
def skeleton_pattern(word: str) -> re.Pattern[str] | None:
    """The folded words (vowels in classes: ``vowel_classes``) an abjad word's fold may stand
    for: its letters in order, with any vowels (a, e, o) before, between and after them (the
    short vowels the script leaves out), "a" itself only marking a word that starts with a
    vowel (alef, the vowel read into an unvoweled word and ta marbuta are all "a" after
    romanization, and Latin spellings write any vowel or none there): "hsen" (حسين) stands
    for "hosaen" (Hussein) and not for "hasan" (حسن), which has no e-class vowel between s
    and n; "ahmt" (احمد) for "ahmat" and not for "hamate". An "h" may be missing (Latin
    spellings drop ه and ح: Jalahmah ~ Jalamah, and a Latin name read as Japanese moras
    loses it: Rahman folds to "raman"). None for a word of "a" only."""
    skeleton = vowel_classes(word).replace("a", "")
    if not skeleton:
        return None
    v = _FOLD_VOWELS
    start = f"^{v}+" if word.startswith("a") else "^"
    spread = "".join(f"{v}*{_SKELETON_LETTERS.get(ch, ch)}" for ch in skeleton)
    end = f"{v}*{_FINAL_A}$" if word.endswith("a") else f"{v}*$"
    return re.compile(f"{start}{spread}{end}")


def vowel_classes(word: str) -> str:
    """A folded word with its vowels in the classes a, e, o (a Chinese syllable's i, y, u)."""
    return word.translate(_VOWEL_TABLE)


def _skeleton_matched_sql(dialect: str, abjad: str, other: str) -> tuple[str, str]:
    """SQL of the IDF weight each side has matched when ``abjad`` ("l" or "r") is the side
    written in an abjad: (weight of its words whose pattern matches a word of the other side,
    weight of the other side's words matching a pattern of one of its words)."""
    pattern_x = skeleton_pattern_sql(dialect, "x.k")
    pattern_z = skeleton_pattern_sql(dialect, "z")
    if _check(dialect) == "duckdb":
        found_a = f"list_bool_or(list_transform(name_folds_{other}, lambda y: regexp_matches({vowel_classes_sql('y')}, {pattern_x})))"
        found_o = f"list_bool_or(list_transform(name_folds_{abjad}, lambda z: regexp_matches({vowel_classes_sql('x.k')}, {pattern_z})))"
        total = "coalesce(list_sum(list_transform(name_kw_{side}, lambda x: CASE WHEN {found} THEN x.w ELSE 0.0 END)), 0.0)"
    else:
        found_a = f"exists(name_folds_{other}, y -> {vowel_classes_sql('y')} RLIKE {pattern_x})"
        found_o = f"exists(name_folds_{abjad}, z -> {vowel_classes_sql('x.k')} RLIKE {pattern_z})"
        total = (
            "aggregate(transform(name_kw_{side}, x -> CASE WHEN {found} THEN x.w "
            "ELSE CAST(0.0 AS DOUBLE) END), CAST(0.0 AS DOUBLE), (acc, v) -> acc + v)"
        )
    return total.format(side=abjad, found=found_a), total.format(side=other, found=found_o)


def _skeleton_matched(
    abjad_kw: tuple, other_folds: frozenset[str], other_kw: tuple, abjad_folds: frozenset[str]
) -> tuple[float, float]:
    """``_skeleton_matched_sql`` in Python."""
    patterns = [p for p in map(skeleton_pattern, abjad_folds) if p is not None]
    others = [vowel_classes(y) for y in other_folds]
    matched_a = 0.0
    for k, w in abjad_kw:
        pattern = skeleton_pattern(k)
        if pattern is not None and any(pattern.match(y) for y in others):
            matched_a += w
    matched_o = 0.0
    for k, w in other_kw:
        word = vowel_classes(k)
        if any(p.match(word) for p in patterns):
            matched_o += w
    return matched_a, matched_o


class SkeletonOverlap(Condition):
    """Across scripts only: one name written in an abjad (Arabic script, ``ABJAD_COLUMN``), the
    other not, and they share most of their word weight when the abjad name's words are read
    as consonant skeletons (``skeleton_pattern``): صدام حسين التكريتي romanizes to "sdam hsin
    tkriti", which no Latin spelling equals word by word, but whose skeletons "Saddam Hussein
    al-Tikriti" fills with vowels. Pairs in one script never reach it, so Latin names are
    compared no more loosely than before. ``conflict=False``: at most one name keeps
    ``CONFLICT_SHARE`` or more of its word weight unmatched (the other's words are all in it).
    """

    similarity = True

    def __init__(self, threshold: float, *, conflict: bool | None = None):
        self.threshold, self.conflict = float(threshold), conflict

    def sql(self, dialect: str) -> str:
        branches = []
        for abjad, other in (("l", "r"), ("r", "l")):
            matched_a, matched_o = _skeleton_matched_sql(dialect, abjad, other)
            test = (
                f"({matched_a} + {matched_o}) / (name_w_total_l + name_w_total_r) "
                f">= {self.threshold}"
            )
            if self.conflict is False:
                test += (
                    f" AND (name_w_total_{abjad} - {matched_a} < {CONFLICT_SHARE} * "
                    f"name_w_total_{abjad} OR name_w_total_{other} - {matched_o} < "
                    f"{CONFLICT_SHARE} * name_w_total_{other})"
                )
            elif self.conflict:
                raise NotImplementedError("SkeletonOverlap(conflict=True)")
            branches.append(f"WHEN {ABJAD_COLUMN}_{abjad} THEN {test}")
        one_abjad = f"coalesce({ABJAD_COLUMN}_l, false) <> coalesce({ABJAD_COLUMN}_r, false)"
        return guarded(f"{one_abjad} AND {_NAMES_PRESENT}", f"CASE {' '.join(branches)} END")

    def holds(self, left: Features, right: Features) -> bool:
        abjad_l, abjad_r = bool(left[ABJAD_COLUMN]), bool(right[ABJAD_COLUMN])
        if abjad_l == abjad_r:
            return False
        names = _names(left, right)
        if names is None:
            return False
        kw_l, kw_r, folds_l, folds_r, total_l, total_r = names
        if abjad_l:
            matched_l, matched_r = _skeleton_matched(kw_l, folds_r, kw_r, folds_l)
        else:
            matched_r, matched_l = _skeleton_matched(kw_r, folds_l, kw_l, folds_r)
        if not (matched_l + matched_r) / (total_l + total_r) >= self.threshold:
            return False
        if self.conflict is False:
            return (
                total_l - matched_l < CONFLICT_SHARE * total_l
                or total_r - matched_r < CONFLICT_SHARE * total_r
            )
        return True


class NearEqual(Condition):
    """The whole value is within ``max_edits`` edits of the other.

    One letter wrong anywhere (Tayota ~ Toyota Motor) is how a name is
    mistyped; a different word changes more letters. Values shorter than ``min_chars`` must be
    equal (ABC ~ NABC is another company). With ``short_words``, each word shorter than
    ``WORD_ONE_EDIT_CHARS`` must be in the other value or one edit from a word of it, one of
    the two having ``TYPO_WORD_MIN_CHARS`` letters or more: a word of three letters or fewer
    with a letter changed is another acronym, initial or numeral, not a typo (NPO Impuls ~ NPF
    Impuls, RSK ~ PSV Technologies, TC ~ GX Shipping, Partners IV ~ V), and two edits in a
    short word make another word (Harg ~ Pars Petrochemical); one edit in a four-letter word
    (Mercedes-Benn ~ Benz) or one that shortened a word (Turs ~ Tours, Fur ~ Four) is a typo.
    """

    similarity = True

    def __init__(
        self,
        column: str = "name_core",
        max_edits: int = 1,
        min_chars: int = 5,
        short_words: bool = False,
    ):
        self.column, self.max_edits, self.min_chars = column, int(max_edits), int(min_chars)
        self.short_words = short_words

    def _short_words_sql(self, dialect: str, this: str, other: str) -> str:
        """Every short word of ``this`` side is a word of the other or one edit from a long one."""
        mine, theirs, one = f"{self.column}_{this}", f"{self.column}_{other}", WORD_ONE_EDIT_CHARS
        typo = TYPO_WORD_MIN_CHARS
        near = f"greatest(length(w), length(v)) >= {typo} AND levenshtein(w, v) <= 1"
        if dialect == "duckdb":
            words = f"string_split({theirs}, ' ')"
            found = f"list_contains({words}, w) OR list_bool_or(list_transform({words}, lambda v: {near}))"
            return (
                f"coalesce(list_bool_and(list_transform(list_filter(string_split({mine}, ' '), "
                f"lambda w: length(w) < {one}), lambda w: {found})), true)"
            )
        words = f"split({theirs}, ' ')"
        return (
            f"forall(filter(split({mine}, ' '), w -> length(w) < {one}), "
            f"w -> array_contains({words}, w) OR exists({words}, v -> {near}))"
        )

    def sql(self, dialect: str) -> str:
        _check(dialect)
        left, right = f"{self.column}_l", f"{self.column}_r"
        near = f"levenshtein({left}, {right}) <= {self.max_edits}"
        if self.short_words:
            short_l = self._short_words_sql(dialect, "l", "r")
            short_r = self._short_words_sql(dialect, "r", "l")
            near = f"{near} AND {short_l} AND {short_r}"
        # the length difference bounds the distance from below, so most pairs skip levenshtein;
        # in a CASE, as DuckDB evaluates every operand of an AND (6x faster on 1.8M pairs)
        return guarded(
            f"length({left}) >= {self.min_chars} AND length({right}) >= {self.min_chars} "
            f"AND abs(length({left}) - length({right})) <= {self.max_edits}",
            near,
        )

    def holds(self, left: Features, right: Features) -> bool:
        a, b = left[self.column], right[self.column]
        if a is None or b is None or len(a) < self.min_chars or len(b) < self.min_chars:
            return False
        if abs(len(a) - len(b)) > self.max_edits:
            return False
        if jellyfish.levenshtein_distance(a, b) > self.max_edits:
            return False
        return not self.short_words or (_short_words_kept(a, b) and _short_words_kept(b, a))


def _short_words_kept(this: str, other: str) -> bool:
    """Every word of ``this`` shorter than WORD_ONE_EDIT_CHARS is a word of ``other`` or one
    edit from a word of it, one of the two of TYPO_WORD_MIN_CHARS letters or more (Benn ~ Benz,
    Turs ~ Tours), as ``NearEqual`` SQL."""
    words = other.split(" ")
    return all(
        w in words
        or any(
            max(len(w), len(v)) >= TYPO_WORD_MIN_CHARS and jellyfish.levenshtein_distance(w, v) <= 1
            for v in words
        )
        for w in this.split(" ")
        if len(w) < WORD_ONE_EDIT_CHARS
    )


class Initialism(Condition):
    """One name has a word spelling the initials of the other name's words (PLA ~ People's
    Liberation Army, BNP ~ Banque Nationale de Paris); at least ``min_letters`` words."""

    similarity = True

    def __init__(self, column: str = "name_core", min_letters: int = 3):
        self.column, self.min_letters = column, int(min_letters)

    def sql(self, dialect: str) -> str:
        _check(dialect)
        parts = []
        for this, other in (("l", "r"), ("r", "l")):
            init = f"{INITIALS_COLUMN}_{other}"
            word = f"contains(concat(' ', {self.column}_{this}, ' '), concat(' ', {init}, ' '))"
            parts.append(guarded(f"length({init}) >= {self.min_letters}", word))
        return f"({' OR '.join(parts)})"

    def holds(self, left: Features, right: Features) -> bool:
        def spells(this: Features, other: Features) -> bool:
            initials = other[INITIALS_COLUMN]
            if initials is None or len(initials) < self.min_letters:
                return False
            # DuckDB's concat skips NULL arguments
            return f" {initials} " in f" {this[self.column] or ''} "

        return spells(left, right) or spells(right, left)


@dataclass(frozen=True)
class Level:
    """One level of a comparison: a stable id (the key of its m and u in saved models), the text
    an analyst reads, and its condition (None for the comparison's last, "all other" level).

    ``is_null``: the pair cannot be compared on this evidence (weight 0, no m or u).
    ``absent_on_one_side``: the feature column whose absence on one side is what reaches this
    level (screening gives it no weight when the screened record is the side without).
    """

    id: str
    text: str
    condition: Condition | None
    is_null: bool = False
    absent_on_one_side: str | None = None

    @property
    def is_else(self) -> bool:
        return self.condition is None

    @property
    def is_similarity(self) -> bool:
        return self.condition is not None and self.condition.similarity

    def sql(self, dialect: str = "duckdb") -> str:
        if self.condition is None:
            raise ValueError(f"level {self.id} is the else level: it has no condition")
        return self.condition.sql(dialect)

    def holds(self, left: Features, right: Features) -> bool:
        return self.condition is None or self.condition.holds(left, right)
