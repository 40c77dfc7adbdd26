"""Word evidence helpers on romanized tokens: stopwords, cross-lingual synonyms, numbers, initials."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache, reduce
from operator import or_

import jellyfish

from resolver.normalize._resources import read_lines, read_table
from resolver.normalize.text import Memo
from resolver.normalize.translit import latin_tokens, token_fold

__all__ = [
    "NUMBER_RULE",
    "STOP_RULE",
    "SYNONYM_RULE",
    "apply_synonyms",
    "generic_word_folds",
    "initials",
    "numbers",
    "read_numbers",
    "remove_stopwords",
    "stopwords",
    "word_rules",
]

log = logging.getLogger(__name__)

_DIGITS_RE = re.compile(r"[0-9]+")
# Number labels dropped before a number: "No. 5", "№ 5", "Nr 5" all give "5".
_NUMBER_LABELS = frozenset({"no", "nr", "num", "number", "nomer"})
_GLUED_LABEL_RE = re.compile(r"^(?:no|nr|nomer)([0-9]+)$")
_DIGIT_ORDINAL_RE = re.compile(r"^([0-9]+)(?:st|nd|rd|th)$")


@cache
def _number_words() -> dict[str, tuple[int, str]]:
    """{word: (value, kind)} from data/number_words.tsv."""
    return {row[0]: (int(row[1]), row[2]) for row in read_table("number_words.tsv")}


def read_numbers(tokens: Sequence[str]) -> list[str]:
    """Number words and ordinals as digits: "forty four" -> "44", "three" -> "3",
    "first" / "1st" -> "1", "twenty first" -> "21"; other tokens unchanged."""
    words = _number_words()
    out: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        ordinal = _DIGIT_ORDINAL_RE.match(tok) if tok[:1].isdigit() else None
        if ordinal:
            out.append(ordinal.group(1).lstrip("0") or "0")
            i += 1
            continue
        entry = words.get(tok)
        if entry is None:
            out.append(tok)
            i += 1
            continue
        value, kind = entry
        i += 1
        if kind == "ten" and i < n:
            nxt = tokens[i]
            unit = words.get(nxt)
            if unit is not None and (unit[1] == "unit" or (unit[1] == "ordinal" and unit[0] < 10)):
                value += unit[0]
                i += 1
        out.append(str(value))
    return out


@cache
def stopwords() -> frozenset[str]:
    """Function words (data/stopwords.txt), romanized like names."""
    out: set[str] = set()
    for line in read_lines("stopwords.txt"):
        out.update(latin_tokens(line))
    return frozenset(out)


@cache
def _synonym_table() -> tuple[dict[tuple[str, ...], tuple[str, ...]], int]:
    """{variant token tuple: canonical token tuple} from data/synonyms.tsv and
    data/translated_words.tsv (canonical, languages, variants), and the longest variant."""
    rows = [(row[0], row[1] if len(row) > 1 else "") for row in read_table("synonyms.tsv")]
    rows += [(row[0], row[2]) for row in read_table("translated_words.tsv")]
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for canonical_text, variant_list in rows:
        canonical = tuple(latin_tokens(canonical_text))
        if not canonical:  # pragma: no cover - data file error
            continue
        for variant in [canonical_text, *variant_list.split(",")]:
            toks = tuple(latin_tokens(variant))
            if not toks:
                continue
            if toks in table and table[toks] != canonical:
                log.debug("synonym %r: %r overrides %r", toks, canonical, table[toks])
            table[toks] = canonical
    return table, max(len(k) for k in table)


# A variant matches a name's words in another romanization too (the same folds,
# ``translit.token_fold``, and each word one edit from the variant's, two from one of
# FOLD_MATCH_TWO_EDITS_CHARS+ letters): the table lists the usual spellings, a name may use
# another (Kompaniia, Menedjment, Huse). Words shorter than FOLD_MATCH_MIN_CHARS must be spelled
# as listed (Teh is not Tekh), and the edit bound keeps words that only share a fold apart
# (Congo is not the pinyin Konggu, Shhukin not the Japanese Shoken).
FOLD_MATCH_MIN_CHARS = 4
FOLD_MATCH_TWO_EDITS_CHARS = 8

Variant = tuple[str, ...]


def _fold_key(tokens: Sequence[str]) -> Variant:
    """Tokens as a fold-matched variant compares them: folds, short words as they are."""
    return tuple(token_fold(t) if len(t) >= FOLD_MATCH_MIN_CHARS else "=" + t for t in tokens)


@cache
def _synonym_index() -> tuple[dict[Variant, dict[Variant, Variant]], frozenset[str], int]:
    """Variants by fold key (``_fold_key``): {key: {spelling: canonical}}; the first keys of
    phrase variants; the longest variant."""
    table, max_len = _synonym_table()
    by_fold: dict[Variant, dict[Variant, Variant]] = {}
    for variant, canonical in table.items():
        by_fold.setdefault(_fold_key(variant), {})[variant] = canonical
    phrase_first = frozenset(k[0] for k in by_fold if len(k) > 1)
    return by_fold, phrase_first, max_len


def _canonical(tokens: Variant, key: Variant) -> Variant | None:
    """The canonical tokens of a variant spelled ``tokens`` (fold key ``key``): the listed
    spelling's, else the one canonical of the variants these words may be another
    romanization of (None when none, or when they disagree)."""
    spellings = _synonym_index()[0].get(key)
    if not spellings:
        return None
    if tokens in spellings:
        return spellings[tokens]
    found = {
        canonical
        for spelling, canonical in spellings.items()
        if all(
            jellyfish.levenshtein_distance(t, u) <= 1 + (len(u) >= FOLD_MATCH_TWO_EDITS_CHARS)
            for t, u in zip(tokens, spelling, strict=True)
        )
    }
    return found.pop() if len(found) == 1 else None


def remove_stopwords(tokens: Sequence[str], keep_inner: bool = False) -> list[str]:
    """Tokens without stopwords and number labels ("No. 5", "№5" -> "5"); all-stopword names
    are kept as they are. ``keep_inner`` removes stopwords only at the start and end
    ("the van der bilt" -> "van der bilt"), for the joined spelling of a name."""
    stop = stopwords()
    first, last = 0, -1
    if keep_inner:
        words = [i for i, tok in enumerate(tokens) if tok not in stop]
        if words:
            first, last = words[0], words[-1]
    n = len(tokens)
    kept: list[str] = []
    for i, tok in enumerate(tokens):
        if tok in stop and not (keep_inner and first < i < last):
            continue
        if tok in _NUMBER_LABELS and i + 1 < n and tokens[i + 1].isdigit():
            continue
        glued = _GLUED_LABEL_RE.match(tok) if tok[:1] == "n" else None
        kept.append(glued.group(1) if glued else tok)
    return kept if kept else list(tokens)


# Folds shorter than this are shared by too many other words (uk ~ yug, seed ~ sad) to mark a
# word as generic.
GENERIC_FOLD_MIN_CHARS = 5


@cache
def generic_word_folds() -> frozenset[str]:
    """Folds of the generic company words: the canonical words of data/synonyms.tsv and
    data/translated_words.tsv (technology, trade, plant ...), which every listed spelling of
    them becomes, for folds of GENERIC_FOLD_MIN_CHARS+ letters. Screening gives a name that is
    one such word no rarity, however few list names have it ("Tehnologii" is no evidence for
    "Terra Tekh")."""
    folds = {token_fold(t) for canonical in _synonym_table()[0].values() for t in canonical}
    return frozenset(f for f in folds if len(f) >= GENERIC_FOLD_MIN_CHARS)


def apply_synonyms(tokens: Sequence[str]) -> list[str]:
    """Replace known variants (longest phrase first), spelled as listed or in another
    romanization of them, by their canonical English tokens."""
    _, phrase_first, max_len = _synonym_index()
    keys = _fold_key(tokens)
    out: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        longest = min(max_len, n - i) if keys[i] in phrase_first else 1
        for length in range(longest, 0, -1):
            canonical = _canonical(tuple(tokens[i : i + length]), keys[i : i + length])
            if canonical is not None or length == 1:
                out += canonical or (tokens[i],)
                i += length
                break
    return out


#: word_rules bits: the rules that may change some of the tokens.
NUMBER_RULE, STOP_RULE, SYNONYM_RULE = 1, 2, 4


def _rules_for(token: str) -> int:
    """The word_rules bits of one token."""
    phrase_first = _synonym_index()[1]
    key = _fold_key((token,))
    rules = 0
    if token in _number_words() or _DIGIT_ORDINAL_RE.match(token):
        rules |= NUMBER_RULE  # read alone or with the next token
    if token in stopwords() or token in _NUMBER_LABELS or _GLUED_LABEL_RE.match(token):
        rules |= STOP_RULE
    if key[0] in phrase_first or _canonical((token,), key) not in (None, (token,)):
        rules |= SYNONYM_RULE
    return rules


_RULES: Memo[str, int] = Memo(_rules_for, 1 << 18)


def word_rules(tokens: Sequence[str]) -> int:
    """Bitmask of the rules that may change the tokens: NUMBER_RULE (read_numbers), STOP_RULE
    (remove_stopwords, either mode), SYNONYM_RULE (apply_synonyms). A rule whose bit is not set
    returns the tokens unchanged; 0 for plain name words."""
    return reduce(or_, map(_RULES.__getitem__, tokens), 0)


def numbers(tokens: Sequence[str]) -> tuple[str, ...]:
    """Digit runs in the tokens, leading zeros dropped ("No. 007" -> "7"), in order."""
    out: list[str] = []
    for tok in tokens:
        if tok.isalpha():
            continue
        for run in _DIGITS_RE.findall(tok):
            out.append(run.lstrip("0") or "0")
    return tuple(out)


def initials(tokens: Sequence[str]) -> str:
    """First letter of each non-numeric token ("international business machines" -> "ibm")."""
    return "".join([t[0] for t in tokens if t and not t.isdigit()])
