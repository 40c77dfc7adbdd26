"""Property tests (hypothesis) for resolver.normalize: total, idempotent, ascii-only outputs."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver.normalize import (
    name_features,
    normalize_address,
    normalize_city,
    normalize_country,
    normalize_tax_id,
)

_ASCII_WORDS = re.compile(r"^[a-z0-9]+( [a-z0-9]+)*$|^$")
_SETTINGS = settings(
    max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
_SETTINGS_SMALL = settings(
    max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), database=None
)

# Any code point, including lone surrogates, controls and unassigned ones.
any_text = st.text(alphabet=st.characters(codec=None), max_size=80)

# Names built from pieces that stress the pipeline: legal forms, quotes, scripts, invisible
# characters (RTL mark, ZWJ, soft hyphen, BOM), combining marks, NUL, Turkish i's.
_PIECES = (
    "ООО|«|»|Ай|Машин|Технолоджи|AG|SA|ao|Co.,|Ltd.|LLC|有限公司|深圳市|华为|A.Ş.|Ltd. Şti.|İ|ı|ß"
    "|Müller|&|-|'|.|No.|7|007|\u200f|\u200d|\u00ad|\ufeff|\u0301|\u0307|\x00|\ud800| |  "
    "|Ščukin|Ch'en|Hsin-Yi|トヨタ|삼성|ⅻ|ＡＢＣ|™|№|S.p.A.|GmbH & Co. KG|the|и"
    "|Obshchestvo s ogranichennoy otvetstvennostyu"
).split("|")
_SCRIPTS = frozenset("latin cyrillic han arabic greek hangul kana mixed other none".split())
name_like = st.lists(st.sampled_from(_PIECES) | any_text, min_size=0, max_size=8).map(
    lambda parts: " ".join(parts) if len(parts) % 2 else "".join(parts)
)
names = any_text | name_like


def _check_features(raw: str) -> None:
    f = name_features(raw)
    for value in (f.latin, f.core, f.key_string):
        assert _ASCII_WORDS.match(value), (raw, f)
    assert re.fullmatch(r"[a-z0-9]*", f.joined) and re.fullmatch(r"[a-z0-9]*", f.initials)
    assert all(re.fullmatch(r"[a-z0-9]+", t) for t in f.tokens), (raw, f)
    assert all(re.fullmatch(r"[a-z0-9]+", k) for k in f.keys), (raw, f)
    assert all(n.isdigit() for n in f.numbers)
    assert len(f.keys) == len(f.tokens)
    assert f.core == " ".join(f.tokens)
    # joined keeps inner function words ("van der bilt" -> "vanderbilt"), so it may be longer
    assert bool(f.joined) == bool(f.core)
    assert f.key_string == " ".join(sorted(set(f.keys)))
    assert f.script in _SCRIPTS
    assert (f.legal_form is None) == (f.legal_class is None)
    # Idempotence: the romanized name gives the same evidence.
    g = name_features(f.latin)
    assert (g.latin, g.core, g.tokens, g.keys, g.legal_class, g.legal_form) == (
        f.latin, f.core, f.tokens, f.keys, f.legal_class, f.legal_form,
    ), (raw, f, g)  # fmt: skip


@_SETTINGS
@given(names)
def test_name_features_total_ascii_idempotent(raw):
    _check_features(raw)


@_SETTINGS_SMALL
@given(st.text(alphabet="\u200f\u200d\u200e\u202e\u0301\u0308\x00\ud800\ud83d İıŞşÇç AaОо.-'"))
def test_name_features_invisible_and_combining(raw):
    _check_features(raw)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.characters(codec=None), min_size=1, max_size=40))
def test_name_features_long_input(piece):
    _check_features((piece + " ") * (10_000 // (len(piece) + 1)))


def test_name_features_is_deterministic():
    raw = "ООО «Ай Машин Технолоджи» 深圳市华为技术有限公司 Ščukin"
    assert name_features(raw) == name_features(raw)


@_SETTINGS_SMALL
@given(names)
def test_other_normalizers_never_raise(raw):
    country = normalize_country(raw)
    assert country is None or re.fullmatch(r"[A-Z]{2}", country)
    city = normalize_city(raw)
    assert _ASCII_WORDS.match(city) and normalize_city(city) == city, (raw, city)
    address = normalize_address(raw)
    assert _ASCII_WORDS.match(address), (raw, address)
    tax_id = normalize_tax_id(raw)
    assert tax_id is None or re.fullmatch(r"[0-9A-Z]+", tax_id)
    assert tax_id is None or normalize_tax_id(tax_id) == tax_id
