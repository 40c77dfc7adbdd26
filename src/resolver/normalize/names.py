"""Per-record company-name features (NameFeatures) that splink compares as strings / token sets."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from unidecode import unidecode

from resolver.normalize.arabic import split_latin_compounds
from resolver.normalize.legal_forms import find_legal_forms, main_legal_form
from resolver.normalize.text import detect_script, split_ascii_tokens
from resolver.normalize.tokens import (
    NUMBER_RULE,
    STOP_RULE,
    SYNONYM_RULE,
    apply_synonyms,
    initials,
    numbers,
    read_numbers,
    remove_stopwords,
    word_rules,
)
from resolver.normalize.translit import latin_tokens_memo, token_folds, token_keys

__all__ = ["ABJAD_SCRIPTS", "NameFeatures", "clear_name_cache", "name_features"]

log = logging.getLogger(__name__)

# Scripts that write consonants and long vowels only (abjads): a name detected as one of these
# romanizes to consonant skeletons ("sdam hasin tkriti" for Saddam Hussein al-Tikriti), which
# the name comparison matches against other scripts' spellings by skeleton.
ABJAD_SCRIPTS = frozenset({"arabic"})


@dataclass(frozen=True, slots=True)
class NameFeatures:
    """Normalized views of one company name; every string is lowercase ascii."""

    latin: str
    core: str
    tokens: tuple[str, ...]
    keys: tuple[str, ...]
    key_string: str
    folds: tuple[str, ...]
    joined: str
    legal_form: str | None
    legal_class: str | None
    numbers: tuple[str, ...]
    initials: str
    script: str


EMPTY = NameFeatures("", "", (), (), "", (), "", None, None, (), "", "none")


def _name_words(rest: list[str]) -> tuple[tuple[str, ...], str]:
    """Core tokens and joined spelling of the tokens a legal form leaves (each word rule runs
    only if it may change some token)."""
    rules = word_rules(rest)
    if rules & NUMBER_RULE:
        rest = read_numbers(rest)
        rules = word_rules(rest)
    stops = rules & STOP_RULE
    plain = remove_stopwords(rest) if stops else rest
    synonyms = (word_rules(plain) if stops else rules) & SYNONYM_RULE
    core_toks = tuple(apply_synonyms(plain) if synonyms else plain)
    if not core_toks or not stops:
        return core_toks, "".join(core_toks)
    # joined keeps inner function words: "van der bilt" ~ "vanderbilt" ("the" at an edge goes)
    inner = remove_stopwords(rest, keep_inner=True)
    return core_toks, "".join(core_toks if inner == plain else apply_synonyms(inner))


def _build(latin_toks: list[str], script: str) -> NameFeatures:
    """Features from the romanized tokens; everything below depends on latin only (idempotence)."""
    latin = " ".join(latin_toks)
    matches = find_legal_forms(latin_toks)
    if matches:
        rest: list[str] = []  # the tokens outside the matches (sorted, non-overlapping)
        pos = 0
        for m in matches:
            rest += latin_toks[pos : m.start]
            pos = m.end
        rest += latin_toks[pos:]
        main = main_legal_form(matches)
        legal_form: str | None = main.compare if main else None
        legal_class: str | None = main.legal_class if main else None
    else:
        rest, legal_form, legal_class = latin_toks, None, None
    core_toks, joined = _name_words(rest)
    keys = token_keys(core_toks)
    return NameFeatures(
        latin=latin,
        core=" ".join(core_toks),
        tokens=core_toks,
        keys=keys,
        key_string=" ".join(sorted(set(keys))),
        folds=token_folds(core_toks),
        joined=joined,
        legal_form=legal_form,
        legal_class=legal_class,
        numbers=numbers(core_toks),
        initials=initials(core_toks),
        script=script,
    )


def _fallback(raw: str) -> NameFeatures:
    """Plain unidecode tokens, used only if the full pipeline fails on some input."""
    toks = tuple(split_ascii_tokens(unidecode(raw[:2000])))
    core = " ".join(toks)
    return NameFeatures(
        latin=core,
        core=core,
        tokens=toks,
        keys=toks,
        key_string=" ".join(sorted(set(toks))),
        folds=toks,
        joined=core.replace(" ", ""),
        legal_form=None,
        legal_class=None,
        numbers=(),
        initials="".join(t[0] for t in toks),
        script="other",
    )


@lru_cache(maxsize=1 << 17)
def _cached(raw: str) -> NameFeatures:
    try:
        return _build(split_latin_compounds(latin_tokens_memo(raw)), detect_script(raw))
    except Exception:  # pragma: no cover - defensive: a bad record must not stop a batch
        log.warning("name normalization failed for %r; using plain ascii fallback", raw[:200])
        return _fallback(raw)


def name_features(raw: str | None) -> NameFeatures:
    """Normalized features of a company name in any script; never raises (None/non-str -> empty).

    Cached (LRU, 131,072 names; ``clear_name_cache()`` empties it).
    """
    if raw is None or not isinstance(raw, str):
        return EMPTY
    return _cached(raw)


def clear_name_cache() -> None:
    """Empty the name_features LRU cache (tests, benchmarks, long-running services)."""
    _cached.cache_clear()
