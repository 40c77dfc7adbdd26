"""Every level's two forms, SQL (batch) and Python (one real-time lookup), agree on any pair."""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver.features import INITIALS_COLUMN, word_initials
from resolver.model.levels import (
    AtLeast,
    Condition,
    ContainedName,
    Initialism,
    JaroWinkler,
    NearEqual,
    WeightedOverlap,
    WordOverlap,
    python_features,
    skeleton_pattern,
    vowel_classes,
)
from resolver.model.spec import COMPARISONS, comparison
from resolver.screening.index import PROFILE_SCHEMA, WordStats
from resolver.screening.realtime import query_features

LEVELS = [(spec, level) for spec in COMPARISONS for level in spec.levels if not level.is_else]


def _agree(rows: list[dict], extra: Sequence[tuple[str, Condition]] = ()) -> dict[str, set[bool]]:
    """Check SQL == Python for every level (and ``extra`` conditions) on every ordered pair of
    ``rows`` (screening form); return, per level id, the truth values seen."""
    tested = [(level.id, level.condition) for _, level in LEVELS] + list(extra)
    table = pa.Table.from_pylist([{"pid": i, **r} for i, r in enumerate(rows)], PROFILE_SCHEMA)
    cols = PROFILE_SCHEMA.names[1:]
    sides = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in cols)
    tests = ", ".join(
        f"coalesce(({condition.sql('duckdb')}), false) AS t{k}"
        for k, (_, condition) in enumerate(tested)
    )
    con = duckdb.connect()
    con.register("p", table)
    rows_sql = con.execute(
        f"SELECT i, j, {tests} FROM (SELECT l.pid AS i, r.pid AS j, {sides} FROM p l, p r) "
        "ORDER BY 1, 2"
    ).fetchall()
    python = [python_features(r) for r in rows]
    seen: dict[str, set[bool]] = {name: set() for name, _ in tested}
    for i, j, *expected in rows_sql:
        for (name, condition), want in zip(tested, expected, strict=True):
            got = condition.holds(python[i], python[j])
            assert got == want, (name, condition.sql("duckdb"), rows[i], rows[j])
            seen[name].add(got)
    return seen


# ---- random feature rows, weighed like screening profiles ----

# few tokens, some one edit apart, so that words are shared, near and exactly at thresholds
_TOKENS = [
    "a",
    "b",
    "c",
    "d",
    "ab",
    "abc",
    "abd",
    "abcd",
    "bcde",
    "acde",
    "é日",
    "é日本",
    "kestrel",
]
_known = st.sampled_from(_TOKENS)
_token = st.one_of(_known, _known, _known, st.text(alphabet="abcdeé日", min_size=1, max_size=7))
_words = st.lists(_token, min_size=1, max_size=4).map(" ".join)
_pick = st.sampled_from


@st.composite
def feature_rows(draw) -> dict:
    core = draw(st.one_of(st.none(), _words))
    keys = None if core is None else sorted(set(draw(st.lists(_token, max_size=4))))
    if core is not None and draw(st.booleans()):
        keys = sorted(set(core.split(" ")))  # the usual case: keys from the name's words
    address = draw(st.one_of(st.none(), _pick(["ul a 7", "ul a 9", "b cde", "ul  a 7"])))
    folds = None if core is None else sorted(set(draw(st.lists(_token, max_size=4))))
    if core is not None and draw(st.booleans()):
        folds = sorted(set(core.split(" ")))  # the usual case: the name's words, folded
    raw = {
        "name_core": core,
        "name_keys": keys,
        "name_key_string": None if core is None else draw(st.one_of(_words, st.just(core))),
        "name_folds": folds,
        "name_fold_string": None if not folds else " ".join(folds),
        "name_joined": None if core is None else core.replace(" ", ""),
        "name_initials": word_initials(core),
        "name_abjad": draw(_pick([None, None, True])),
        "legal_class": draw(_pick([None, "llc", "jsc", "pjsc"])),
        "legal_family": draw(_pick([None, "llc", "jsc"])),
        "name_numbers": draw(_pick([None, "1", "2", "1 2"])),
        "country": draw(_pick([None, "RU", "AE"])),
        "city": draw(_pick([None, "moscow", "dubai"])),
        "address": address,
        "postcode": draw(_pick([None, "125009", "125019"])),
        "tax_id": draw(_pick([None, "7701234567", "7701243567", "5003112233", "77012"])),
    }
    return raw


@st.composite
def word_stats(draw) -> WordStats:
    weights = st.sampled_from([0.5, 1.0, 2.0, 3.0, 1.7])  # whole numbers meet thresholds exactly
    tokens = draw(st.dictionaries(st.sampled_from(_TOKENS), weights, max_size=len(_TOKENS)))
    address = {t: draw(weights) for t in ("ul", "a", "7", "9", "b", "cde", "")}
    unseen = draw(weights)
    return WordStats(
        {"name_kw": tokens, "address_kw": address}, {"name_kw": unseen, "address_kw": 2.0}
    )


_share = st.sampled_from([k / 20 for k in range(1, 21)])


@st.composite
def conditions(draw) -> list[tuple[str, Condition]]:
    """The spec's condition classes at other parameters: a measure that differs between the two
    forms crosses some threshold."""
    return [
        ("overlap", WeightedOverlap(draw(_share))),
        (
            "address overlap",
            WeightedOverlap(draw(_share), "address_kw", "address_w_total", "address_keys"),
        ),
        (
            "word overlap",
            WordOverlap(
                draw(_share),
                fuzzy=draw(st.booleans()),
                conflict=draw(st.sampled_from([None, True, False])),
            ),
        ),
        ("contained", ContainedName(draw(_share))),
        (
            "near",
            NearEqual(
                "name_core",
                draw(st.sampled_from([1, 2])),
                draw(st.integers(1, 6)),
                short_words=draw(st.booleans()),
            ),
        ),
        ("rarity", AtLeast("name_rarity", draw(st.sampled_from("lr")), draw(_share))),
        ("jaro-winkler", JaroWinkler("name_key_string", draw(_share))),
        ("initialism", Initialism(min_letters=draw(st.integers(1, 4)))),
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(feature_rows(), min_size=1, max_size=8), word_stats(), conditions())
def test_sql_and_python_agree_on_random_feature_rows(rows, stats, extra) -> None:
    _agree([stats.weigh(r) for r in rows], extra)


def _exact_threshold_levels() -> list:
    """Overlap levels whose pairs at the threshold below can hold: both names keep unmatched
    words there, which a level for pairs without such words ("no other words") excludes."""
    out = []
    for _, level in LEVELS:
        parts = getattr(level.condition, "parts", [level.condition])
        if "overlap" in level.id and not any(getattr(p, "conflict", None) is False for p in parts):
            out.append(level)
    return out


@pytest.mark.parametrize("level", _exact_threshold_levels(), ids=lambda lv: lv.id)
def test_overlap_levels_at_exactly_their_threshold(level) -> None:
    """Shared word weight 10t of totals 20: the ratio is the threshold t itself, where the
    forms' arithmetic must agree to the last bit; a little less shared falls below it."""
    condition = level.condition
    overlap = next(c for c in getattr(condition, "parts", [condition]) if hasattr(c, "threshold"))
    t = overlap.threshold
    for shared, other in ((10 * t, 10 - 10 * t), (10 * t - 0.25, 10 - 10 * t + 0.25)):
        stats = WordStats(
            {"name_kw": {"s": shared, "x": other, "y": other}, "address_kw": {}},
            {"name_kw": 20.0, "address_kw": 1.0},
        )
        if getattr(overlap, "weights", "name_kw") == "address_kw":
            stats = WordStats(
                {"address_kw": {"s": shared, "x": other, "y": other}, "name_kw": {}},
                {"address_kw": 5.0, "name_kw": 1.0},  # informative: 10 over 5
            )
        left, right = (
            {
                **dict.fromkeys(PROFILE_SCHEMA.names[1:]),
                "name_core": f"s {w}",
                "name_keys": ["s", w],
                "name_folds": ["s", w],
                "address": f"s {w}",
            }
            for w in ("x", "y")
        )
        seen = _agree([stats.weigh(left), stats.weigh(right)])
        # a name paired with itself has no word of its own: the conflict levels never hold there
        conflict = getattr(overlap, "conflict", None) is True
        at_threshold = shared == 10 * t
        if conflict:
            assert seen[level.id] == ({True, False} if at_threshold else {False})
        else:
            assert seen[level.id] == ({True} if at_threshold else {True, False})


# ---- real names through normalization, reaching every level ----

PAIRS = [
    ("OOO Rosneft Trading", "ROSNEFT TRADING LLC"),
    ("Rosneft Trading", "Rosnft Trading"),
    ("Khimprom 2", "Himprom 3 JSC"),
    ("Al Khaleej Computer Trading LLC", "AL YAQOOT COMPUTER TRADING L.L.C."),
    ("Peoples Liberation Army", "PLA"),
    ("Toyota Motor Corporation", "Tayota Motor Corporation"),
    ("Blackstone Real Estate Partners IV", "Blackstone Real Estate Partners V"),
    ("Kim Yong Chol", "Kim Yong Chun"),
    ("Gazprom Neft PJSC", "Gazprom Neft JSC"),
    ("Good Will Company", "Goodwill Company"),
    ("Trading Company", "Trading Company"),
    ("Sberbank Rossii", "Сбербанк России"),
    ("Orion Cargo Services FZE", "Orion Carg Services Logistics"),
    ("Nordic Timber Export AB", "Nordic Timbre Export"),
    ("Alfa Bank Holdings Group International", "Alfa Group"),
    ("Bavarian Precision Bearings GmbH", "Lakeside Dairy Cooperative"),
    ("Kristall", "Kristall State Research Institute"),
    ("Timber Nordic Export AB", "Nordic Timbre Export"),
    ("Toi Ching Intelligent Equipment", "Toi Ching Microelectronics"),
    ("Orion Cargo Services", "Orion Cargo Services Logistics Dubai"),
    ("صدام حسين التكريتي", "Saddam Hussein al-Tikriti"),  # UN list: original script / Latin
    ("حامد عبد الله أحمد العلي", "Hamid Abdallah Ahmad"),
]
PLACES = [
    {"country": "RU", "city": "Moscow", "address": "ul Tverskaya 7", "postcode": "125009"},
    {"country": "Russia", "city": "Moskva", "address": "Tverskaya ul. 7", "postcode": "125009"},
    {"country": "RU", "city": "Moscow", "address": "ul Tverskaya 9 bld 2", "postcode": "125019"},
    {"country": "AE", "city": "Dubai", "tax_id": "CHE-123.456.789"},
    {"city": "Moscow", "tax_id": "CHE123456789"},
    {"country": "DE", "tax_id": "CHE123456798"},
    {"country": "DE", "postcode": "125009", "tax_id": "DE811234567"},
    {},
]


def test_real_names_reach_every_level_and_both_forms_agree() -> None:
    records = [
        {"name": name, **PLACES[(k + side) % len(PLACES)]}
        for k, pair in enumerate(PAIRS)
        for side, name in enumerate(pair)
    ]
    records += [{"name": None, "country": "DE"}, {"name": "Siemens", "legal": None}]
    features = [query_features(r) for r in records]
    stats = WordStats.build(features)
    seen = _agree([stats.weigh(f) for f in features])
    never = [level_id for level_id, values in seen.items() if True not in values]
    assert never == []  # every level holds for some pair, so each was compared both ways


def test_level_ids_are_stable_keys() -> None:
    ids = [level.id for spec in COMPARISONS for level in spec.levels]
    assert len(ids) == len(set(ids))
    for spec in COMPARISONS:
        assert [lv.is_null for lv in spec.levels][0] and spec.levels[-1].is_else
        for level in spec.levels:
            assert re.fullmatch(rf"{spec.name}\.[a-z0-9_]+", level.id), level.id


@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
def test_every_level_has_sql_in_each_dialect(dialect) -> None:
    for _, level in LEVELS:
        assert level.sql(dialect)
    with pytest.raises(NotImplementedError):
        next(lv for _, lv in LEVELS if lv.id == "name.within_1_edit").sql("sqlite")


# ---- single levels on names ----


def _holds(condition, left: str, right: str) -> bool:
    """The condition's SQL on DuckDB, checked against its Python form."""
    con = duckdb.connect()
    in_sql = bool(
        con.execute(
            f"SELECT {condition.sql('duckdb')} FROM (SELECT ? AS name_core_l, ? AS name_core_r, "
            f"? AS {INITIALS_COLUMN}_l, ? AS {INITIALS_COLUMN}_r)",
            [left, right, word_initials(left), word_initials(right)],
        ).fetchone()[0]
    )
    sides = [{"name_core": v, INITIALS_COLUMN: word_initials(v)} for v in (left, right)]
    assert condition.holds(*sides) == in_sql
    return in_sql


def test_near_equal_level():
    one = NearEqual("name_core", 1)
    assert _holds(one, "toyota motor", "tayota motor")
    assert _holds(one, "blackstone real estate partners iv", "blackstone real estate partners v")
    assert not _holds(one, "nabc", "abc")  # short names must be equal
    assert not _holds(one, "china railroad engineering", "china railway engineering")
    two = NearEqual("name_core", 2, min_chars=10)
    assert _holds(two, "kim yong chol", "kim yong chun")
    assert not _holds(two, "sigma", "cigna")


def test_near_equal_short_words_differ_as_words():
    one = NearEqual("name_core", 1, short_words=True)
    two = NearEqual("name_core", 2, min_chars=10, short_words=True)
    assert _holds(one, "toyota motor", "tayota motor")
    assert _holds(one, "vinales turs", "vinales tours")  # a typo shortened a word
    assert _holds(two, "tropic turs travel", "tropic tours travl")
    # one edit in a four-letter word, or one that shortened a word to three letters, is a typo
    assert _holds(one, "mercedes benn", "mercedes benz")
    assert _holds(one, "beta platforms", "meta platforms")
    assert _holds(one, "damascus fur seasons", "damascus four seasons")
    # an edit inside a word of three letters or fewer makes another acronym or numeral
    assert not _holds(one, "npo impuls", "npf impuls")
    assert not _holds(one, "cvc capital", "cvs capital")
    assert not _holds(two, "tc shipping", "gx shipping")
    assert not _holds(one, "ostec ec", "ostec etc")
    assert not _holds(two, "rsk technologies", "psv technologies")
    assert not _holds(
        one, "blackstone real estate partners iv", "blackstone real estate partners v"
    )
    # two edits in a four-letter word make another word
    assert not _holds(two, "harg petrochemical", "pars petrochemical")


def test_initialism_level():
    level = Initialism()
    assert _holds(level, "pla", "peoples liberation army")
    assert _holds(level, "bnp paribas", "banque nationale paris")
    assert not _holds(level, "national bank", "nb")  # two letters are too few
    assert not _holds(level, "abc trading", "abc trade")


def test_tax_id_levels_in_order_and_evaluable_in_real_time():
    spec = comparison("tax_id")
    assert [lv.id for lv in spec.levels] == [
        "tax_id.missing",
        "tax_id.same",
        "tax_id.within_2_edits",
        "tax_id.different",
    ]
    assert [spec.label(lv) for lv in spec.scored_levels] == [
        "tax id: same",
        "tax id: within 2 edits (typo)",
        "tax id: both present, different",
    ]

    def first(x, y):
        return next(k for k, lv in enumerate(spec.levels) if lv.holds({"tax_id": x}, {"tax_id": y}))

    assert first(None, "7701234567") == 0  # missing on one side: the null level
    assert first("7701234567", "7701234567") == 1
    assert first("7701234567", "7701243567") == 2  # two digits swapped
    assert first("7701234567", "5003112233") == 3


# ---- names across scripts: consonant skeletons of Arabic-script names ----


def _first_levels(pairs: list[tuple[str, str]]) -> list[str]:
    """The name level each pair of real names reaches (weighed together like a list), both
    forms checked against each other on every pair."""
    features = [query_features({"name": name}) for pair in pairs for name in pair]
    stats = WordStats.build(features)
    rows = [stats.weigh(f) for f in features]
    _agree(rows)
    python = [python_features(r) for r in rows]
    name = comparison("name")
    return [
        next(lv.id for lv in name.levels if lv.holds(python[2 * k], python[2 * k + 1]))
        for k in range(len(pairs))
    ]


def test_arabic_script_names_meet_their_latin_spellings_by_skeleton() -> None:
    # UN consolidated list entries: NAME_ORIGINAL_SCRIPT against the listed Latin name / alias
    pairs = [
        ("صدام حسين التكريتي", "Saddam Hussein al-Tikriti"),
        ("أيمن محمد ربيع الظواهري", "AIMAN MUHAMMED RABI AL-ZAWAHIRI"),
        ("إبراهيم حسن طالع العسيري", "Ibrahim Hassan Tali Al-Asiri"),
        ("عبد اللطيف منصور", "ABDUL LATIF MANSUR"),  # Abdul Latif: abd + latif
        ("نور الدين بن علي", "Noureddine Ben Ali"),  # Noureddine: nur + din
        ("حزب الله", "Hezbollah"),
        ("حامد عبد الله أحمد العلي", "Hamid Abdallah Ahmad"),  # a shorter alias
    ]
    assert _first_levels(pairs) == ["name.skeleton_90"] * 6 + ["name.skeleton_60"]


def test_skeletons_keep_other_names_and_one_script_apart() -> None:
    levels = _first_levels(
        [
            # حسين (Hussein) has a long i that Hasan lacks: the father's name differs
            ("صدام حسين التكريتي", "Saddam Hasan al-Tikriti"),
            # two Iranian industrial groups sharing only generic words
            ("گروه صنایع فجر", "Shahid Hemmat Industrial Group"),
            # احمدی (Ahmadi) starts with a vowel; al-Hamati does not
            ("محمد احمدی", "Al-Hamati, Muhammad"),
            # Latin against Latin: unvoweled spellings are not skeletons there
            ("Sdam Hsin Tkriti", "Saddam Hussein al-Tikriti"),
            # Arabic script on both sides
            ("صدام حسين", "صدام حسن"),
        ]
    )
    assert not any(level.startswith("name.skeleton") for level in levels), levels


def test_skeleton_patterns() -> None:
    def stands_for(abjad_fold: str, latin_fold: str) -> bool:
        pattern = skeleton_pattern(abjad_fold)
        return pattern is not None and pattern.match(vowel_classes(latin_fold)) is not None

    assert stands_for("hsen", "hosaen")  # حسين ~ Hussein
    assert not stands_for("hsen", "hasan")  # ... but not Hasan
    assert stands_for("ahmt", "ahmat") and not stands_for("ahmt", "hamate")
    assert stands_for("anore", "anfare")  # و written w: Anwari
    assert stands_for("rahmn", "raman")  # h dropped
    assert stands_for("ban", "bin")  # a Chinese syllable keeps i: read as e
    assert stands_for("slsla", "selselat")  # ta marbuta written -at (Silsilat al-Dhahab)
    assert not stands_for("slsl", "selselat")  # ... only after a final a
    assert skeleton_pattern("a") is None
