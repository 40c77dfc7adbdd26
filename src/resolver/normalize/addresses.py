"""Cities and free-text addresses in any script -> comparable lowercase ascii tokens."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache

import jellyfish

from resolver.normalize._resources import read_table
from resolver.normalize.translit import latin_tokens, latin_tokens_memo, token_folds, token_key

__all__ = ["normalize_address", "normalize_city", "normalize_postcode"]

# Leading/trailing words that only say "this is a city": г. Москва, City of London, 深圳市 (市
# is already dropped by the Han romanizer).
_HAN_RE = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_CITY_PREFIXES = frozenset({"g", "gor", "gorod", "city"})
_CITY_SUFFIXES = frozenset({"city", "gorod", "shi", "sehri"})

_Words = tuple[str, ...]
# A city spelled within one edit of a known alias is that city, within two from this length.
CITY_TWO_EDITS_CHARS = 8
POSTCODE_JUNK = re.compile(r"[^0-9A-Z]")  # what a postcode loses after upper-casing
# Country-wide codes that forms require and places without postcodes fill in (Hong Kong's
# 999077); codes of one repeated digit (000000) are placeholders too.
PLACEHOLDER_POSTCODES = frozenset({"999077", "999078"})
PLACEHOLDER_POSTCODE_RE = r"^(0+|1+|2+|3+|4+|5+|6+|7+|8+|9+)$"


@cache
def _city_tables() -> tuple[dict[str, str], dict[str, list[tuple[_Words, str]]], int]:
    """(romanized alias -> canonical, key string -> [(alias tokens, canonical)], longest alias
    in tokens)."""
    exact: dict[str, str] = {}
    by_key: dict[str, list[tuple[_Words, str]]] = {}
    longest = 1
    for row in read_table("cities.tsv"):
        canonical = " ".join(latin_tokens(row[0]))
        variants = row[1].split(",") if len(row) > 1 else []
        for variant in [row[0], *variants]:
            toks = latin_tokens(variant)
            if not toks:
                continue
            longest = max(longest, len(toks))
            exact[" ".join(toks)] = canonical
            key = " ".join(token_key(t) for t in toks)
            by_key.setdefault(key, []).append((tuple(toks), canonical))
    return exact, by_key, longest


def _near_word(a: str, b: str) -> bool:
    """Two romanized words within one edit (two from CITY_TWO_EDITS_CHARS letters)."""
    return jellyfish.levenshtein_distance(a, b) <= 1 + (min(len(a), len(b)) >= CITY_TWO_EDITS_CHARS)


def _keyed_city(toks: Sequence[str]) -> str | None:
    """The one known city whose alias shares the tokens' phonetic keys and is the same folded
    words (another romanization: Tscheljabinsk ~ Chelyabinsk, Jerewan ~ Yerevan) or spelled
    within an edit or two of them (Jekaterinburg ~ Ekaterinburg). The consonant key alone is
    too coarse (Gyumri ~ Samara, Thane ~ Tianjin, Changsha ~ Hangzhou share one), so it only
    finds the candidates."""
    candidates = _city_tables()[1].get(" ".join(token_key(t) for t in toks))
    if not candidates:
        return None
    folds = token_folds(toks)
    found = {
        canonical
        for alias, canonical in candidates
        if folds == token_folds(alias)
        or all(_near_word(a, b) for a, b in zip(toks, alias, strict=True))
    }
    return found.pop() if len(found) == 1 else None


def _strip_city_words(toks: list[str]) -> list[str]:
    """Drop "g." / "gorod" / "city (of)" decorations around a city name."""
    while len(toks) > 1 and toks[0] in _CITY_PREFIXES:
        toks = toks[1:]
        if len(toks) > 1 and toks[0] == "of":
            toks = toks[1:]
    while len(toks) > 1 and toks[-1] in _CITY_SUFFIXES:
        toks = toks[:-1]
    return toks


@lru_cache(maxsize=65536)
def _normalize_city(raw: str) -> str:
    toks = _strip_city_words(latin_tokens(raw))
    if not toks:
        return ""
    text = " ".join(toks)
    hit = _city_tables()[0].get(text)
    if hit is None:
        hit = _keyed_city(toks)
    return hit if hit is not None else text


def _is_known_city(raw: str) -> str | None:
    """The canonical name of a city of data/cities.tsv written as ``raw``, else None."""
    toks = _strip_city_words(latin_tokens(raw))
    if not toks:
        return None
    return _city_tables()[0].get(" ".join(toks)) or _keyed_city(toks)


# An address of at most this many words, no digit and no street or unit word names a place.
PLACE_ONLY_MAX_WORDS = 3
# short forms of street and unit words (data/address_terms.tsv) and a few it leaves as they are
_STREET_FORMS = frozenset(
    "ave bld blvd d dr fl k kv ln mah mkr nab of per pl pom pos pr proezd rd rm rn sh st ste ul "
    "flat apt apartment suite unit office floor zone road street lane".split()
)


def place_in_address(raw: str | None) -> tuple[bool, str]:
    """(whether the address is only a place name, the city it states or "").

    Lists and forms often hold the city in the address field: the whole field ("Yerevan", "g.
    Moskva") or its last comma-separated parts ("164 Baghramyan St., Yerevan"). A short field
    without digits is taken as the city itself; a part is taken only when it is a known city
    (data/cities.tsv), so "12 Lenina St., Office 4" gives no city.
    """
    if raw is None or not isinstance(raw, str) or not raw.strip():
        return False, ""
    text = raw[:300]
    words = latin_tokens(text)
    single, _ = _one_word_forms()
    street_words = any(single.get(w, w) in _STREET_FORMS for w in words)
    if (
        words
        and len(words) <= PLACE_ONLY_MAX_WORDS
        and not street_words
        and not any(c.isdigit() or c == "," for c in text)
    ):
        return True, _normalize_city(text)
    for part in reversed(text.split(",")[-3:]):
        if part.strip() and not any(c.isdigit() for c in part):
            city = _is_known_city(part)
            if city:
                return False, city
    return False, ""


def normalize_city(raw: str | None) -> str:
    """Romanized lowercase city; known cities in any spelling/script give one English name.

    Moskva / Moscow / Москва -> "moscow"; Sankt-Peterburg / St. Petersburg / Санкт-Петербург ->
    "saint petersburg"; Shenzhen / 深圳 -> "shenzhen". Unknown cities: romanized tokens. Blank -> "".
    """
    if raw is None or not isinstance(raw, str):
        return ""
    return _normalize_city(raw[:300])


@cache
def _address_terms() -> tuple[dict[tuple[str, ...], str], re.Pattern[str], dict[str, str]]:
    """Keyword tables: romanized phrase -> short ("" = drop), Han keyword regex and Han
    keyword -> short."""
    table: dict[tuple[str, ...], str] = {}
    han: dict[str, str] = {}
    for row in read_table("address_terms.tsv"):
        short = "" if row[0] == "-" else row[0]
        variants = row[1].split(",") if len(row) > 1 else []
        for variant in variants:
            if _HAN_RE.fullmatch(variant):
                han[variant] = short
                continue
            toks = tuple(latin_tokens(variant))
            if toks:
                table[toks] = short
    exact, _, _ = _city_tables()
    for alias, canonical in exact.items():
        table.setdefault(tuple(alias.split()), canonical)
    han_re = re.compile("|".join(sorted(map(re.escape, han), key=len, reverse=True)))
    return table, han_re, han


@cache
def _phrases() -> tuple[dict[str, tuple[int, _Words | None]], dict[_Words, _Words]]:
    """({first word: (longest phrase in words, short form of the one-word phrase or None)},
    {phrase of 2+ words: short form}); short forms are split into words ("" = drop = ())."""
    first: dict[str, tuple[int, _Words | None]] = {}
    multi: dict[_Words, _Words] = {}
    for phrase, short in _address_terms()[0].items():
        longest, single = first.get(phrase[0], (0, None))
        if len(phrase) == 1:
            single = tuple(short.split())
        else:
            multi[phrase] = tuple(short.split())
        first[phrase[0]] = (max(longest, len(phrase)), single)
    first["str"] = (0, None)  # special-cased in _rewrite; longest 0 makes it a context word
    return first, multi


def _rewrite(tokens: Sequence[str]) -> list[str]:
    """Replace keyword / city phrases (longest first) by their short forms.

    Only phrases starting with the current word are tried (most words start none).
    """
    first, multi = _phrases()
    out: list[str] = []
    n = len(tokens)
    skip = 0
    for i, tok in enumerate(tokens):
        if skip:
            skip -= 1
            continue
        entry = first.get(tok)
        if entry is None:
            out.append(tok)
        elif tok == "str":  # Russian стр. (building) after a number, else German Str.
            out.append("bld" if out and (out[-1].isdigit() or out[-1] == "d") else "st")
        else:
            longest, single = entry
            for length in range(min(longest, n - i), 1, -1):
                short = multi.get(tuple(tokens[i : i + length]))
                if short is not None:
                    out += short
                    skip = length - 1
                    break
            else:
                if single is None:
                    out.append(tok)
                else:
                    out += single
    return out


@cache
def _one_word_forms() -> tuple[dict[str, str], frozenset[str]]:
    """({word: short form as text} for one-word phrases, words whose rewrite depends on their
    neighbours: "str" and the first words of longer phrases)."""
    first, _ = _phrases()
    single = {word: " ".join(short) for word, (_, short) in first.items() if short is not None}
    return single, frozenset(word for word, (longest, _) in first.items() if longest != 1)


def _shorten(tokens: list[str]) -> str:
    """Space-joined _rewrite(tokens); without context words, one dict lookup per word."""
    single, context = _one_word_forms()
    if context.isdisjoint(tokens):
        return " ".join(filter(None, map(single.get, tokens, tokens)))
    return " ".join(_rewrite(tokens))


@lru_cache(maxsize=65536)
def _normalize_address(raw: str) -> str:
    if not raw.isascii() and _HAN_RE.search(raw):
        _, han_re, han = _address_terms()
        raw = han_re.sub(lambda m: f" {han[m.group()]} ", raw)
    return _shorten(latin_tokens_memo(raw))


def normalize_address(raw: str | None) -> str:
    """Romanized lowercase address tokens with keywords shortened (улица/ulitsa/ул. -> ul,
    street -> st, строение/building -> bld), punctuation removed, house numbers kept; "" if blank.
    """
    if raw is None or not isinstance(raw, str):
        return ""
    return _normalize_address(raw[:1000])


def normalize_postcode(raw: str | None) -> str | None:
    """Upper-case alphanumerics only; None when nothing is left or the code is a placeholder,
    which would make unrelated parties "same postcode"."""
    if raw is None:
        return None
    value = POSTCODE_JUNK.sub("", raw.upper())
    if not value or value in PLACEHOLDER_POSTCODES or re.match(PLACEHOLDER_POSTCODE_RE, value):
        return None
    return value
