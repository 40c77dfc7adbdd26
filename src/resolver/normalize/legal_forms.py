"""Detect and strip company legal forms (ООО, LLC, GmbH, Co., Ltd., 有限公司, A.Ş., ...) in any position.

The alias table is rigour's organisation-type database (data/org_types_rigour.json, 466 types,
1,905 aliases), normalized with the same romanization pipeline as names, plus the small
data/legal_forms_extra.tsv (missing aliases, pjsc/cjsc classes, ambiguity rules).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import jellyfish

from resolver.normalize._resources import read_json, read_table
from resolver.normalize.text import Memo, clean_unicode, split_ascii_tokens
from resolver.normalize.translit import latin_tokens, romanize, token_key, token_keys

__all__ = [
    "LegalForm",
    "LegalMatch",
    "find_legal_forms",
    "legal_form_table_size",
    "main_legal_form",
]

log = logging.getLogger(__name__)

# Long multi-token aliases are also matched on token keys, so any romanization of
# "общество с ограниченной ответственностью" is recognized.
_KEY_MATCH_MIN_CHARS = 12


@dataclass(frozen=True, slots=True)
class LegalForm:
    """One legal form: compare form, generic class and where in a name it may be stripped."""

    compare: str
    legal_class: str | None
    anywhere: bool = True  # may be stripped from the middle of a name
    prefix_ok: bool = True  # may be stripped from the start of a name
    weak: bool = False  # generic word (Co., Corp.): its class counts only if no other form


@dataclass(frozen=True, slots=True)
class LegalMatch:
    """A legal form found at tokens[start:end]."""

    start: int
    end: int
    form: LegalForm


@dataclass(frozen=True, slots=True)
class _Table:
    """Aliases by token tuple and by key tuple; first/last token (key) -> alias lengths, longest
    first, so a lookup tries only lengths some alias has."""

    exact: dict[tuple[str, ...], LegalForm]
    first: dict[str, tuple[int, ...]]
    last: dict[str, tuple[int, ...]]
    by_keys: dict[tuple[str, ...], tuple[tuple[str, ...], LegalForm]]
    keys_first: dict[str, tuple[int, ...]]
    keys_last: dict[str, tuple[int, ...]]
    words: frozenset[str]  # every token of every alias
    key_words: frozenset[str]  # every key of every key-matched alias
    longest: int  # tokens in the longest alias


def _lengths_by(aliases: Iterable[tuple[str, ...]], edge: int) -> dict[str, tuple[int, ...]]:
    """{alias[edge]: distinct alias lengths, longest first}."""
    lengths: dict[str, set[int]] = {}
    for alias in aliases:
        lengths.setdefault(alias[edge], set()).add(len(alias))
    return {tok: tuple(sorted(ls, reverse=True)) for tok, ls in lengths.items()}


def _plain(text: str) -> str:
    """Romanized, space-joined form of a compare value (no camel-case splitting)."""
    return " ".join(split_ascii_tokens(romanize(clean_unicode(text))))


def _alias_tokens(alias: str) -> tuple[str, ...]:
    """An alias tokenized exactly like a name."""
    return tuple(latin_tokens(alias))


@cache
def _table() -> _Table:
    """Build the alias table once: rigour entries, then the overrides in legal_forms_extra.tsv."""
    extra = read_table("legal_forms_extra.tsv")
    entry_over: dict[str, tuple[str, str]] = {}
    class_over: dict[str, str] = {}
    drops: set[tuple[str, ...]] = set()
    edge_only: set[tuple[str, ...]] = set()
    suffix_only: set[tuple[str, ...]] = set()
    weak: set[tuple[str, ...]] = set()
    adds: list[tuple[tuple[str, ...], str, str]] = []
    for row in extra:
        action, alias = row[0], row[1]
        compare = row[2] if len(row) > 2 else ""
        cls = row[3] if len(row) > 3 else ""
        if action == "entry":
            entry_over[alias] = (compare, cls)
        elif action == "class":
            class_over[_plain(alias)] = cls
        elif action == "drop":
            drops.add(_alias_tokens(alias))
        elif action == "edge":
            edge_only.add(_alias_tokens(alias))
        elif action == "suffix":
            suffix_only.add(_alias_tokens(alias))
        elif action == "weak":
            weak.add(_alias_tokens(alias))
        elif action == "add":
            adds.append((_alias_tokens(alias), _plain(compare), cls))
        else:  # pragma: no cover - data file error
            raise ValueError(f"legal_forms_extra.tsv: unknown action {action!r}")

    raw: dict[tuple[str, ...], tuple[str, str | None]] = {}
    for entry in read_json("org_types_rigour.json"):
        display = entry.get("display") or ""
        compare_raw = entry.get("compare") or display
        generic = entry.get("generic")
        aliases = [*entry["aliases"], display, entry.get("compare") or ""]
        compare = _plain(compare_raw) if compare_raw else ""  # "": each alias is its own
        cls: str | None = generic.lower() if generic else None
        if display in entry_over:
            new_compare, new_cls = entry_over[display]
            compare = _plain(new_compare) or compare
            cls = new_cls or cls
        for alias in aliases:
            toks = _alias_tokens(alias) if alias else ()
            if not toks or toks in drops:
                continue
            if len(toks) == 1 and len(toks[0]) <= 2 and toks not in edge_only:
                continue  # two-letter forms only when whitelisted ("sa", "ag", "ao", ...)
            previous = raw.get(toks)
            if previous is None or (previous[1] is None and cls is not None):
                raw[toks] = (compare or " ".join(toks), cls)
    for toks, compare, cls in adds:
        if toks:
            raw[toks] = (compare, cls or None)

    exact: dict[tuple[str, ...], LegalForm] = {}
    for toks, (compare, cls) in raw.items():
        cls = class_over.get(compare, cls) or compare
        joined = "".join(toks)
        short = (len(toks) == 1 and len(joined) <= 3) or len(joined) <= 2
        anywhere = not short and toks not in edge_only
        exact[toks] = LegalForm(compare, cls, anywhere, toks not in suffix_only, toks in weak)

    by_keys: dict[tuple[str, ...], tuple[tuple[str, ...], LegalForm]] = {}
    for toks, form in exact.items():
        if len(toks) >= 2 and len("".join(toks)) >= _KEY_MATCH_MIN_CHARS:
            by_keys.setdefault(tuple(token_key(t) for t in toks), (toks, form))
    log.debug("legal forms: %d aliases, %d key-matched", len(exact), len(by_keys))
    return _Table(
        exact=exact,
        first=_lengths_by(exact, 0),
        last=_lengths_by(exact, -1),
        by_keys=by_keys,
        keys_first=_lengths_by(by_keys, 0),
        keys_last=_lengths_by(by_keys, -1),
        words=frozenset(t for toks in exact for t in toks),
        key_words=frozenset(k for keys in by_keys for k in keys),
        longest=max(map(len, exact)),
    )


def legal_form_table_size() -> int:
    """Number of distinct normalized aliases (for diagnostics and tests)."""
    return len(_table().exact)


def _spelled_alike(tokens: Sequence[str], alias: Sequence[str]) -> bool:
    """A key match is a romanization of the alias, not a lookalike ("Siemens AkG" is not
    "gemeinnützige UG"): every word starts with the same letter and has a similar length."""
    return all(
        t[0] == a[0] and 0.6 <= len(t) / len(a) <= 1.67 for t, a in zip(tokens, alias, strict=True)
    )


def _by_keys(tokens: Sequence[str], keys: Sequence[str], table: _Table) -> LegalForm | None:
    hit = table.by_keys.get(tuple(keys))
    if hit is None or not _spelled_alike(tokens, hit[0]):
        return None
    return hit[1]


def _starting_at(
    tokens: Sequence[str], keys: Sequence[str], i: int, end: int, table: _Table
) -> tuple[int, LegalForm] | None:
    """Longest alias occupying tokens[i:i+L] with i+L <= end (spelled exactly or, for long
    aliases, any romanization of them)."""
    best: tuple[int, LegalForm] | None = None
    room = end - i
    for length in table.first.get(tokens[i], ()):
        if length <= room:
            form = table.exact.get(tuple(tokens[i : i + length]))
            if form is not None:
                best = (length, form)
                break
    for length in table.keys_first.get(keys[i], ()):  # key-matched aliases have 2+ tokens
        if length > room:
            continue
        if best is not None and length <= best[0]:
            break
        form = _by_keys(tokens[i : i + length], keys[i : i + length], table)
        if form is not None:
            return length, form
    if best is None:
        for length in range(min(room, table.longest), 1, -1):
            form = _typo_form(tokens[i : i + length], table)
            if form is not None:
                return length, form
    return best


def _ending_at(
    tokens: Sequence[str], keys: Sequence[str], j: int, start: int, table: _Table
) -> tuple[int, LegalForm] | None:
    """Longest alias occupying tokens[j-L:j] with j-L >= start (exact or romanization)."""
    best: tuple[int, LegalForm] | None = None
    room = j - start
    for length in table.last.get(tokens[j - 1], ()):
        if length <= room:
            form = table.exact.get(tuple(tokens[j - length : j]))
            if form is not None:
                best = (length, form)
                break
    for length in table.keys_last.get(keys[j - 1], ()):
        if length > room:
            continue
        if best is not None and length <= best[0]:
            break
        form = _by_keys(tokens[j - length : j], keys[j - length : j], table)
        if form is not None:
            return length, form
    if best is None:
        for length in range(min(room, table.longest), 1, -1):
            form = _typo_form(tokens[j - length : j], table)
            if form is not None:
                return length, form
    return best


# A word one typo away from a legal-form word of TYPO_MIN_CHARS+ letters
# (Limsted, Copmany, Obhchestvo) reads as that word: typed records misspell legal forms as
# often as names, and a misspelt form left in the name is a rare word the list name lacks.
TYPO_MIN_CHARS = 7
# From this length a word sharing a one-letter deletion with a legal-form word reads as it too:
# two typos, or one Cyrillic letter moved ("Ощбество": oshchbestvo / obshchestvo).
TWO_TYPOS_MIN_CHARS = 11


def _deletions(word: str) -> set[str]:
    """The word's one-letter deletions: two words one edit apart share one (or are the other)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@cache
def _typo_index() -> tuple[dict[str, frozenset[str]], dict[str, int]]:
    """{a legal-form word of TYPO_MIN_CHARS+ letters, or one of its deletions: those words},
    and the number of aliases each such word is in."""
    index: dict[str, set[str]] = {}
    aliases: dict[str, int] = {}
    for toks in _table().exact:
        for word in set(toks):
            if len(word) >= TYPO_MIN_CHARS and word.isalpha():
                aliases[word] = aliases.get(word, 0) + 1
    for word in aliases:
        for variant in {word} | _deletions(word):
            index.setdefault(variant, set()).add(word)
    return {k: frozenset(v) for k, v in index.items()}, aliases


@lru_cache(maxsize=1 << 16)
def _near_words(token: str) -> tuple[str, ...]:
    """The legal-form words of TYPO_MIN_CHARS+ letters one typo from the token (two from
    TWO_TYPOS_MIN_CHARS letters), the first letter kept (Ilimitada is not Limitada); those most
    aliases have first (the table lists misspellings too, Limted beside Limited)."""
    if len(token) < TYPO_MIN_CHARS - 1 or not token.isalpha():
        return ()
    index, aliases = _typo_index()
    found = set(index.get(token, ()))
    for variant in _deletions(token):
        found |= index.get(variant, frozenset())
    found.discard(token)
    words = [
        w
        for w in found
        if w[0] == token[0]
        and (
            len(token) >= TWO_TYPOS_MIN_CHARS
            or jellyfish.damerau_levenshtein_distance(token, w) == 1
        )
    ]
    return tuple(sorted(words, key=lambda w: (-aliases[w], w)))


def _shape_token(token: str) -> str:
    """The token if it is a word of some alias, else the word it misspells (``_near_words``),
    else the token if it has the key of a word of some key-matched alias, else "" (see
    find_legal_forms)."""
    table = _table()
    if token in table.words:
        return token
    near = _near_words(token)
    return near[0] if near else (token if token_key(token) in table.key_words else "")


def _typo_form(window: Sequence[str], table: _Table) -> LegalForm | None:
    """The multi-word alias ``window`` spells with one word mistyped, though that word is itself
    a word of some other alias (ogranichennoy ovetstvennostyu: rigour lists the misspelling)."""
    if len(window) < 2:
        return None
    for j, token in enumerate(window):
        for word in _near_words(token):
            form = table.exact.get((*window[:j], word, *window[j + 1 :]))
            if form is not None:
                return form
    return None


def _shape_matches(shape: tuple[str, ...]) -> tuple[LegalMatch, ...]:
    return tuple(_find(shape, token_keys(shape), _table()))


_SHAPE_TOKENS: Memo[str, str] = Memo(_shape_token, 1 << 18)
# name shape -> its legal-form matches (see find_legal_forms)
_SHAPE_MATCHES: Memo[tuple[str, ...], tuple[LegalMatch, ...]] = Memo(_shape_matches, 1 << 16)


def find_legal_forms(tokens: Sequence[str]) -> list[LegalMatch]:
    """Legal forms in a token list, in token order.

    Any alias may be peeled off the end (repeatedly: "llc fze"); off the start unless it is
    suffix-only ("limited", "ag"); in the middle only if it is unambiguous (multi-token like
    "co ltd", or 4+ letters like "gmbh") - so "sa", "ao", "ag" count only at the ends. If every token would
    be consumed and there is more than one match, the leftmost match is kept as a name word.
    """
    if not tokens:
        return []
    # Matching only compares tokens (keys) with alias tokens (keys), so a token that is neither
    # may stand as "" (no alias token, key "" no alias key): names of one shape, such as
    # ("", "", "co", "ltd"), have the same matches, memoized per shape.
    return list(_SHAPE_MATCHES[tuple(map(_SHAPE_TOKENS.__getitem__, tokens))])


def _find(tokens: Sequence[str], keys: Sequence[str], table: _Table) -> list[LegalMatch]:
    """Uncached find_legal_forms, given the tokens' keys."""
    n = len(tokens)
    suffixes: list[LegalMatch] = []  # from the end backwards
    end = n
    while end > 0:
        hit = _ending_at(tokens, keys, end, 0, table)
        if hit is None:
            break
        suffixes.append(LegalMatch(end - hit[0], end, hit[1]))
        end -= hit[0]
    found: list[LegalMatch] = []  # in token order: prefixes, middle matches, then suffixes
    start = 0
    while start < end:
        hit = _starting_at(tokens, keys, start, end, table)
        if hit is None or not hit[1].prefix_ok:
            break
        found.append(LegalMatch(start, start + hit[0], hit[1]))
        start += hit[0]
    i = max(start, 1)  # the first token is governed by the prefix rule above
    first, keys_first = table.first, table.keys_first
    while i < end:
        if tokens[i] not in first and keys[i] not in keys_first:
            i += 1
            continue
        hit = _starting_at(tokens, keys, i, end, table)
        if hit is not None and hit[1].anywhere:
            found.append(LegalMatch(i, i + hit[0], hit[1]))
            i += hit[0]
        else:
            i += 1
    found += reversed(suffixes)
    if len(found) > 1 and sum(m.end - m.start for m in found) == n:
        found = found[1:]
    return found


def main_legal_form(matches: Sequence[LegalMatch]) -> LegalForm | None:
    """The form a name is classed by: the first that is not a weak generic word, else the first."""
    for match in matches:
        if not match.form.weak:
            return match.form
    return matches[0].form if matches else None


@cache
def _families() -> dict[str, str]:
    return {row[0]: row[1] for row in read_table("legal_families.tsv") if row and row[0] != "class"}


def legal_family(legal_class: str | None) -> str | None:
    """The family of compatible legal-form classes (pjsc, cjsc -> jsc); the class itself otherwise."""
    if legal_class is None:
        return None
    return _families().get(legal_class, legal_class)
