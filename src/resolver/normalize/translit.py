"""Any script -> lowercase ascii tokens, and romanization-invariant phonetic keys per token."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from itertools import chain

from unidecode import unidecode

from resolver.normalize._resources import read_json, read_table
from resolver.normalize.arabic import ARABIC_RE, romanize_arabic
from resolver.normalize.japanese import is_japanese, romanize_japanese
from resolver.normalize.korean import HANGUL_RE, romanize_hangul
from resolver.normalize.text import MAX_INPUT_CHARS, Memo, clean_unicode, split_ascii_tokens

__all__ = [
    "MAX_LATIN_CHARS",
    "chinese_syllable",
    "latin_tokens",
    "latin_tokens_memo",
    "romanize",
    "token_fold",
    "token_folds",
    "token_key",
    "token_keys",
]


#: Romanized output is cut (at a token boundary) to this many characters.
MAX_LATIN_CHARS = 1000

_HAN_RE = re.compile(
    "[\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002fa1f]+"
)


# ---------------------------------------------------------------------------------------------
# Character-level romanization (everything except Han)
# ---------------------------------------------------------------------------------------------


@cache
def _char_overrides() -> dict[str, str]:
    """Cyrillic and Latin-diacritic replacements from the data files."""
    table: dict[str, str] = {}
    for row in read_table("cyrillic.tsv"):
        table[row[0]] = row[1] if len(row) > 1 else ""
    for row in read_table("latin_fold.tsv"):
        table[row[0]] = row[1] if len(row) > 1 else ""
    return table


def _romanize_char(ch: str) -> str:
    """Ascii for one non-Han character: data tables, else unidecode for letters/marks/digits."""
    if ch.isascii():
        return ch
    override = _char_overrides().get(ch)
    if override is not None:
        return override
    category = unicodedata.category(ch)
    if category[0] in "LMN":
        # unidecode marks aspiration / ayin with "`" or "'" (Georgian ქ -> k`, Armenian): no
        # letter, and outside a word it would split the word
        return unidecode(ch).replace("`", "").replace("'", "")
    return " "


class _CharMap(dict[int, str]):
    """str.translate table that fills itself lazily, one code point at a time."""

    def __missing__(self, cp: int) -> str:
        out = _romanize_char(chr(cp))
        self[cp] = out
        return out


_CHARMAP = _CharMap()


# ---------------------------------------------------------------------------------------------
# Han (Chinese characters) -> pinyin words
# ---------------------------------------------------------------------------------------------


@cache
def _han_terms() -> tuple[dict[str, tuple[str, str]], dict[str, int]]:
    """Han break terms {term: (fixed latin or "", kind)} and {first character: longest term}."""
    terms: dict[str, tuple[str, str]] = {}
    for entry in read_json("org_types_rigour.json"):
        for alias in entry["aliases"]:
            alias = alias.strip()
            if len(alias) >= 2 and _HAN_RE.fullmatch(alias):
                terms.setdefault(alias, ("", "legal"))
    for row in read_table("han_terms.tsv"):
        term, latin, kind = row[0], row[1] if len(row) > 1 else "", row[2] if len(row) > 2 else ""
        terms[term] = (latin, kind or "word")
    longest: dict[str, int] = {}
    for term in terms:
        longest[term[0]] = max(longest.get(term[0], 0), len(term))
    return terms, longest


@lru_cache(maxsize=1 << 16)
def _toneless(reading: str) -> str:
    """Pinyin with tone marks -> plain ascii syllable (ü -> u)."""
    plain = unicodedata.normalize("NFKD", reading)
    return "".join(c for c in plain if c.isascii() and c.isalpha()).lower()


@cache
def _pinyin_tables() -> tuple[dict[str, list[list[str]]], dict[int, str], dict[str, int]]:
    """pypinyin's phrase dictionary, per-character readings, {first char: longest phrase}."""
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    longest: dict[str, int] = {}
    for phrase in phrases_dict:
        longest[phrase[0]] = max(longest.get(phrase[0], 0), min(len(phrase), 6))
    return phrases_dict, pinyin_dict, longest


def _pinyin_syllables(run: str) -> list[str]:
    """One toneless pinyin syllable per character of a Han run.

    Greedy longest match over pypinyin's phrase dictionary (so 银行 -> yin hang, 重庆 -> chong
    qing), else the character's first (most common) reading: the same data lazy_pinyin uses,
    about 20x faster than calling it.
    """
    phrases, chars, longest = _pinyin_tables()
    out: list[str] = []
    i, n = 0, len(run)
    while i < n:
        for length in range(min(longest.get(run[i], 0), n - i), 1, -1):
            readings = phrases.get(run[i : i + length])
            if readings is not None and len(readings) == length:
                out.extend(_toneless(r[0]) for r in readings)
                i += length
                break
        else:
            reading = chars.get(ord(run[i]))
            if reading is None:
                out.append(unidecode(run[i]).strip().lower())
            else:
                out.append(_toneless(reading.split(",", 1)[0]))
            i += 1
    return out


def _han_run_to_latin(run: str, words: bool) -> str:
    """Romanize a run of Han characters.

    words=True: break the run at known terms (legal forms, industry words, places), drop
    administrative suffixes (深圳市 -> shenzhen) and join the syllables of each piece into one
    word, so 华为 -> "huawei" like the English spelling. words=False: one token per syllable.
    """
    syllables = _pinyin_syllables(run)
    if not words:
        return " ".join(syllables)
    terms, longest = _han_terms()
    out: list[str] = []
    pending = -1  # start index of the current ordinary segment, -1 if none
    last_kind = ""
    i, n = 0, len(run)
    while i < n:
        hit: tuple[int, str, str] | None = None
        for length in range(min(longest.get(run[i], 0), n - i), 0, -1):
            info = terms.get(run[i : i + length])
            if info is not None:
                hit = (length, info[0], info[1])
                break
        if hit is not None:
            length, latin, kind = hit
            pending_len = i - pending if pending >= 0 else 0
            if kind == "admin":
                if pending_len >= 2 or (pending_len == 0 and last_kind == "place"):
                    if pending >= 0:
                        out.append("".join(syllables[pending:i]))
                        pending = -1
                    last_kind = "admin"
                    i += length
                    continue
            else:
                if pending >= 0:
                    out.append("".join(syllables[pending:i]))
                    pending = -1
                out.append(latin or "".join(syllables[i : i + length]))
                last_kind = kind
                i += length
                continue
        if pending < 0:
            pending = i
            last_kind = "text"
        i += 1
    if pending >= 0:
        out.append("".join(syllables[pending:n]))
    return " ".join(out)


# ---------------------------------------------------------------------------------------------
# Public romanization
# ---------------------------------------------------------------------------------------------


def romanize(text: str, *, han_words: bool = True) -> str:
    """Romanize already-cleaned (casefolded) text to ascii; punctuation is left for the tokenizer.

    Japanese text (see japanese.is_japanese) is read as Japanese, other Han as Chinese pinyin;
    Hangul and Arabic script have their own word-level romanizers, other scripts go letter by
    letter (data tables, then unidecode).
    """
    if text.isascii():
        return text
    if is_japanese(text):
        text = romanize_japanese(text)
    if HANGUL_RE.search(text) is not None:
        text = romanize_hangul(text)
    if ARABIC_RE.search(text) is not None:
        text = romanize_arabic(text)
    if text.isascii():
        return text
    if _HAN_RE.search(text) is None:
        return text.translate(_CHARMAP)
    parts: list[str] = []
    pos = 0
    for match in _HAN_RE.finditer(text):
        parts.append(text[pos : match.start()].translate(_CHARMAP))
        parts.append(" " + _han_run_to_latin(match.group(), han_words) + " ")
        pos = match.end()
    parts.append(text[pos:].translate(_CHARMAP))
    return "".join(parts)


@cache
def _camel_legal_re() -> re.Pattern[str]:
    """Regex for a legal-form suffix glued to a name in camel case: "SiemensAG", "HuaweiLtd"."""
    short_ok = {"ag", "sa", "ab", "as", "bv", "nv", "kg", "se", "oy"}
    # Only spellings with an inner capital (AG, LLC, GmbH, SpA, KGaA) plus a few Title-case ones:
    # "DaySpa" or "BigBags" must not lose a word.
    forms: set[str] = {"Ltd", "Inc", "Llc", "Gmbh", "Plc"}
    for entry in read_json("org_types_rigour.json"):
        candidates = list(entry["aliases"])
        candidates += [entry.get("display") or "", entry.get("compare") or ""]
        for alias in candidates:
            alias = alias.strip()
            if not (alias.isascii() and alias.isalpha() and 2 <= len(alias) <= 5):
                continue
            if len(alias) == 2 and alias.lower() not in short_ok:
                continue
            if any(c.isupper() for c in alias[1:]):
                forms.add(alias)
                forms.add(alias.upper())
    alternation = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    return re.compile(rf"(?<=[a-z])(?:{alternation})(?![A-Za-z0-9])")


_CAMEL_HINT_RE = re.compile(r"[a-z][A-Z]")


def _split_camel_legal(text: str) -> str:
    """Insert a space before a camel-case legal-form suffix ("SiemensAG" -> "Siemens AG")."""
    if _CAMEL_HINT_RE.search(text) is None:
        return text
    return _camel_legal_re().sub(lambda m: " " + m.group(), text)


def _uncut_tokens(raw: str, han_words: bool = True) -> list[str]:
    """latin_tokens before the output-length cut."""
    text = _split_camel_legal(raw[:MAX_INPUT_CHARS])
    return split_ascii_tokens(romanize(clean_unicode(text), han_words=han_words))


def _cut_tokens(tokens: list[str]) -> list[str]:
    """The tokens whose space-joined text fits in MAX_LATIN_CHARS (a prefix of the list)."""
    if len(tokens) + sum(map(len, tokens)) <= MAX_LATIN_CHARS + 1:
        return tokens  # the joined tokens fit: nothing to cut
    total = 0
    for i, tok in enumerate(tokens):
        total += len(tok) + (1 if i else 0)
        if total > MAX_LATIN_CHARS:
            return tokens[:i]
    return tokens


def latin_tokens(raw: str, *, han_words: bool = True) -> list[str]:
    """Full pipeline raw text -> lowercase [a-z0-9]+ tokens (same for names, aliases, word lists)."""
    return _cut_tokens(_uncut_tokens(raw, han_words))


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    """_uncut_tokens of one whitespace-free chunk, as a tuple (kept in _CHUNK_TOKENS)."""
    return tuple(_uncut_tokens(chunk))


# whitespace-separated chunk -> its uncut tokens (tuples of strings, which the garbage collector
# stops tracking).
_CHUNK_TOKENS: Memo[str, tuple[str, ...]] = Memo(_chunk_tokens, 1 << 17)
# Longer text goes to latin_tokens whole: its input cut (MAX_INPUT_CHARS, applied again after
# camel-case splitting added spaces) must stay out of reach.
_CHUNKED_MAX_CHARS = MAX_INPUT_CHARS // 2


def latin_tokens_memo(raw: str) -> list[str]:
    """latin_tokens(raw), assembled from memoized tokens of its whitespace-separated chunks.

    latin_tokens never looks across whitespace (every step works per character, per Han run or
    with regexes bounded by non-alphanumerics; every whitespace character romanizes to a
    separator), so the chunks' uncut tokens in order are the text's; the output-length cut is
    applied to the whole. Whole-text exceptions go to latin_tokens: long text, non-ascii text
    with a backtick (folded to an apostrophe only when the text is not all ascii), and Japanese
    text, which is recognised on the whole name (株式会社　東芝: the legal form in one chunk says
    the kanji of the other are Japanese, not Chinese).
    """
    if len(raw) > _CHUNKED_MAX_CHARS or (not raw.isascii() and ("`" in raw or is_japanese(raw))):
        return latin_tokens(raw)
    return _cut_tokens(list(chain.from_iterable(map(_CHUNK_TOKENS.__getitem__, raw.split()))))


# ---------------------------------------------------------------------------------------------
# Phonetic keys
# ---------------------------------------------------------------------------------------------


@cache
def _syllable_map() -> dict[str, str]:
    """Every pinyin / Wade-Giles / Taiwanese spelling -> one canonical pinyin per spelling group."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pinyins: set[str] = set()
    for row in read_table("chinese_syllables.tsv"):
        pinyin, variant = row[0], row[1]
        pinyins.add(pinyin)
        ra, rb = find(pinyin), find(variant)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for spelling in list(parent):
        groups.setdefault(find(spelling), []).append(spelling)
    out: dict[str, str] = {}
    for members in groups.values():
        canonical = min(m for m in members if m in pinyins) if pinyins & set(members) else ""
        canonical = canonical or min(members)
        for m in members:
            out[m] = canonical
    return out


def chinese_syllable(token: str) -> str:
    """Canonical pinyin for a token that is a single Chinese syllable spelling, else the token."""
    return _syllable_map().get(token, token)


def _first_chars(pattern: str) -> frozenset[str] | None:
    """Characters a rule pattern can start matching at, or None if unknown (= any)."""
    body = pattern.removeprefix("^")
    if body.startswith(("(?<=", "(?<!")):
        close = body.find(")")
        if close < 0 or "(" in body[1:close]:
            return None
        body = body[close + 1 :]
    if body.startswith("["):
        close = body.find("]")
        if close < 0 or body.startswith("[^"):
            return None
        spec, chars = body[1:close], set()
        i = 0
        while i < len(spec):
            if i + 2 < len(spec) and spec[i + 1] == "-":
                chars.update(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
                i += 3
            else:
                chars.add(spec[i])
                i += 1
        return frozenset(chars)
    if body[:1].isalnum():
        return frozenset(body[0])
    return None


@cache
def _key_rules() -> tuple[dict[str, re.Pattern[str]], dict[str, tuple[str, ...]]]:
    """Key rules compiled per first character: {char: ordered alternation}, {char: outputs}.

    Only rules that can start at a given character are tried there, which keeps the single
    left-to-right pass fast; the first matching rule in file order still wins.
    """
    rules: list[tuple[str, str, frozenset[str] | None]] = []
    for row in read_table("key_rules.tsv"):
        pattern, output = row[0], row[1] if len(row) > 1 else ""
        if re.compile(pattern).groups:
            raise ValueError(f"key rule {pattern!r} must not contain capturing groups")
        rules.append((pattern, output, _first_chars(pattern)))
    regexes: dict[str, re.Pattern[str]] = {}
    outputs: dict[str, tuple[str, ...]] = {}
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
        bucket = [(p, o) for p, o, first in rules if first is None or ch in first]
        if bucket:
            regexes[ch] = re.compile("|".join(f"({p})" for p, _ in bucket))
            outputs[ch] = tuple(o for _, o in bucket)
    return regexes, outputs


def _collapse(key: str) -> str:
    """Collapse runs of the same class letter ("pp" -> "p"); digits are kept as they are."""
    out: list[str] = []
    prev = ""
    for ch in key:
        if ch != prev or ch.isdigit():
            out.append(ch)
        prev = ch
    return "".join(out)


_VOWEL_CLASS = {"a": "a", "e": "i", "i": "i", "y": "i", "o": "u", "u": "u"}
_GLIDES = frozenset("yji")


def _vowel_class(word: str) -> str:
    """Class of the first vowel (a / e,i,y / o,u), skipping glides y/j/i before a vowel.

    Short skeletons collide (Dom, Dim, Dam -> "tm"); this coarse vowel keeps them apart while
    romanization variants still meet (Yug ~ Iug ~ Jug, tools ~ tuls, Mir ~ Myr).
    """
    for i, ch in enumerate(word):
        if ch in _VOWEL_CLASS:
            if ch in _GLIDES and i + 1 < len(word) and word[i + 1] in "aeiouy":
                continue
            return _VOWEL_CLASS[ch]
    return ""


# One Japanese mora in any of Hepburn, Kunrei-shiki or Nihon-shiki: (first letter of a double
# consonant) (consonant) vowel (long-vowel h), or a syllabic n / m.
_MORA_RE = re.compile(
    r"(k(?=k)|s(?=s)|t(?=t)|p(?=p)|t(?=ch)|c(?=ch))?"
    r"(sh|ch|ts|[kgnhbpmr]y|sy|zy|dy|[kgsztdnhbpmrfjwy])?([aeiou])(h(?![aeiou]))?"
    r"|(n)(?![aeiouy])|(m)(?=[bpm])"
)
# Kunrei / Nihon-shiki spellings -> Hepburn where no other language's spelling is hit: ti, hu,
# di, du are left alone (Tatiana, Huawei, Dinamo, Dubai would lose their other romanizations)
_KUNREI = {("t", "u"): "tsu", ("z", "i"): "ji"}
_KUNREI_YOON = {"sy": "sh", "zy": "j", "dy": "j"}
_LONG_VOWELS = frozenset({("o", "u"), ("o", "o"), ("u", "u")})


def _hepburn(token: str) -> str:
    """A token that reads as Japanese moras, in Hepburn without long vowels (Kunrei "tukuba",
    "kaisya", passport "ohno", "kougyou", traditional "shimbun" -> "tsukuba", "kaisha", "ono",
    "kogyo", "shinbun"); any other token unchanged."""
    out: list[str] = []
    pos = 0
    last_vowel = ""
    for m in _MORA_RE.finditer(token):
        if m.start() != pos:
            return token
        pos = m.end()
        double, consonant, vowel, _, n, m_ = m.groups()
        if n or m_:
            out.append("n")
            last_vowel = ""
            continue
        if not consonant and not double and (last_vowel, vowel) in _LONG_VOWELS:
            continue  # long vowel written ou / oo / uu
        consonant = consonant or ""
        mora = _KUNREI.get((consonant, vowel)) or _KUNREI_YOON.get(consonant, consonant) + vowel
        out.append((double or "") + mora)
        last_vowel = vowel
    return "".join(out) if pos == len(token) else token


def _compute_key(token: str) -> str:
    """Uncached token_key."""
    if not token or token.isdigit():
        return token
    syllables = _syllable_map()
    if len(token) >= 3 and token in syllables and not set(token) <= set("aeiouy"):
        # a Chinese syllable: its canonical pinyin is already the key (short or all-vowel
        # tokens such as "i", "ai", "he" are too often English or Russian words)
        return syllables[token]
    word = token if token in syllables else _hepburn(token)
    regexes, outputs = _key_rules()
    parts: list[str] = []
    i, n = 0, len(word)
    while i < n:
        regex = regexes.get(word[i])
        match = regex.match(word, i) if regex is not None else None
        if match is None or match.lastindex is None:
            i += 1  # no rule for this character: skip it
            continue
        out = outputs[word[i]][match.lastindex - 1]
        parts.append(match.group() if out == "=" else out)
        i = max(match.end(), i + 1)
    key = _collapse("".join(parts))
    if not key:
        return token
    key = _collapse(("a" + key[1:].replace("a", "")) if key[0] == "a" else key.replace("a", ""))
    if len(key) >= 3 and key[-1] == "s":  # plural / final sibilant: tools~tuls~tool, x~ks
        key = key[:-1]
    if len(key) <= 2 and key != "a":
        key += _vowel_class(word[1:] if key[0] == "a" else word)
    return key


# token -> key memo (str -> str, cheap for the garbage collector to traverse); emptied when full.
_KEY_CACHE: Memo[str, str] = Memo(_compute_key, 1 << 19)


def token_key(token: str) -> str:
    """Consonant-skeleton key of one lowercase ascii token (see data/key_rules.tsv).

    Transliteration variants of one word share a key: Shchukin/Shhukin/Schtschukin -> "skn",
    Tsentr/Centr/Zentr -> "sntr", Yakutsk/Jakutsk/Iakutsk -> "aksk", machine/mashin -> "msn".
    Pure digit tokens are their own key.
    """
    return _KEY_CACHE[token]


def token_keys(tokens: Iterable[str]) -> tuple[str, ...]:
    """token_key of each token."""
    return tuple(map(_KEY_CACHE.__getitem__, tokens))


# ---------------------------------------------------------------------------------------------
# Folded words
# ---------------------------------------------------------------------------------------------

# Vowel classes of a folded word: romanizations disagree inside a class (e/i/y: Yevrosib ~
# Evrosib, -skiy ~ -skii ~ -skij; o/u: French ou ~ u) but rarely across classes.
_FOLD_VOWELS = {"a": "a", "e": "e", "i": "e", "y": "e", "j": "e", "o": "o", "u": "o"}
_VOWEL_LETTERS = frozenset("aeiouy")


def _compute_fold(token: str) -> str:
    """Uncached token_fold."""
    if not token or token.isdigit():
        return token
    syllables = _syllable_map()
    if token in syllables and not set(token) <= _VOWEL_LETTERS:
        return syllables[token]  # a Chinese syllable: its canonical pinyin
    token = _hepburn(token)
    regexes, outputs = _key_rules()
    parts: list[str] = []
    i, n = 0, len(token)
    while i < n:
        regex = regexes.get(token[i])
        match = regex.match(token, i) if regex is not None else None
        if match is None or match.lastindex is None:
            i += 1
            continue
        out = outputs[token[i]][match.lastindex - 1]
        if out == "a":  # the vowel rule: keep the vowel's class, drop a glide before a vowel
            ch = token[i]
            glide = ch in "yji" and i + 1 < n and token[i + 1] in _VOWEL_LETTERS
            parts.append("" if glide else _FOLD_VOWELS[ch])
        else:
            parts.append(match.group() if out == "=" else out)
        i = max(match.end(), i + 1)
    fold = _collapse("".join(parts))
    if len(token) >= 5 and token[-1] == "s" and fold[-1:] == "s":  # plural: tools ~ tool
        fold = fold[:-1]
    return fold or token


_FOLD_CACHE: Memo[str, str] = Memo(_compute_fold, 1 << 19)


def token_fold(token: str) -> str:
    """A token spelled the same way whatever the romanization standard, vowels kept.

    Consonants go to the classes of the phonetic keys (data/key_rules.tsv: Shchukin ~ Shhukin
    ~ Schtschukin, Khimprom ~ Ximprom ~ Chimprom), vowels to three classes (a; e i y; o u) with
    glides before a vowel dropped (Yakutsk ~ Iakutsk ~ Jakutsk). Unlike the key, which drops
    every vowel and so makes steel ~ citadel ~ stl, a fold keeps words apart that only share a
    consonant skeleton; names are compared on folds, keys only find candidates.
    """
    return _FOLD_CACHE[token]


def token_folds(tokens: Iterable[str]) -> tuple[str, ...]:
    """token_fold of each token."""
    return tuple(map(_FOLD_CACHE.__getitem__, tokens))
