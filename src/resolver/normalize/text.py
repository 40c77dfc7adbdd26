"""Unicode cleanup, script detection and ascii tokenization shared by all normalizers."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

__all__ = [
    "MAX_INPUT_CHARS",
    "Memo",
    "clean_unicode",
    "detect_script",
    "split_ascii_tokens",
]

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """A dict that computes a missing value with ``fn`` and keeps it; emptied when it holds
    ``max_size`` values. ``map(memo.__getitem__, keys)`` looks up a whole sequence at C speed."""

    __slots__ = ("_fn", "_max_size")

    def __init__(self, fn: Callable[[K], V], max_size: int) -> None:
        super().__init__()
        self._fn = fn
        self._max_size = max_size

    def __missing__(self, key: K) -> V:
        if len(self) >= self._max_size:
            self.clear()
        value = self[key] = self._fn(key)
        return value


#: Inputs are cut to this many characters before any work (names longer than this are junk).
MAX_INPUT_CHARS = 2000

# Lone surrogates, C0/C1 controls, and "format" (Cf) characters: bidi marks, zero-width
# (non-)joiners, soft hyphen, BOM, word joiners, tag characters. They carry no letters.
_INVISIBLE_RE = re.compile(
    "[\ud800-\udfff\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# Apostrophe look-alikes become "'" before NFKC (which would turn ´ into a space + accent);
# trademark signs are dropped before NFKC (which would turn ™ into "TM").
_PRE_NFKC = str.maketrans({**dict.fromkeys("’‘‛`´′ʹʼʻ", "'"), **dict.fromkeys("™℠®©℗", " ")})


def clean_unicode(raw: str) -> str:
    """Cut, drop invisible/control characters, fold apostrophes, NFKC and casefold (Turkish-safe)."""
    text = raw[:MAX_INPUT_CHARS]
    if not text.isascii():
        text = _INVISIBLE_RE.sub("", text)
        text = text.translate(_PRE_NFKC)
        text = text.replace("İ", "i")  # Turkish dotted capital I; casefold would add U+0307
        text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():  # every _CONTROL_RE character is unprintable (Cc, Zl, Zp)
        text = _CONTROL_RE.sub(" ", text)
    return text.casefold()


# ---------------------------------------------------------------------------------------------
# Script detection
# ---------------------------------------------------------------------------------------------

# (start, end_inclusive, script) for letters of the scripts we report; everything else "other".
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "latin"),
    (0x0061, 0x007A, "latin"),
    (0x00AA, 0x00AA, "latin"),
    (0x00BA, 0x00BA, "latin"),
    (0x00C0, 0x024F, "latin"),
    (0x0250, 0x02AF, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x08A0, 0x08FF, "arabic"),
    (0x1100, 0x11FF, "hangul"),
    (0x1C80, 0x1C8F, "cyrillic"),
    (0x1E00, 0x1EFF, "latin"),
    (0x1F00, 0x1FFF, "greek"),
    (0x2C60, 0x2C7F, "latin"),
    (0x2DE0, 0x2DFF, "cyrillic"),
    (0x2E80, 0x2FDF, "han"),
    (0x3005, 0x3007, "han"),
    (0x3021, 0x3029, "han"),
    (0x3038, 0x303B, "han"),
    (0x3040, 0x309F, "kana"),
    (0x30A0, 0x30FF, "kana"),
    (0x3130, 0x318F, "hangul"),
    (0x31F0, 0x31FF, "kana"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xA640, 0xA69F, "cyrillic"),
    (0xA720, 0xA7FF, "latin"),
    (0xA960, 0xA97F, "hangul"),
    (0xAC00, 0xD7AF, "hangul"),
    (0xD7B0, 0xD7FF, "hangul"),
    (0xF900, 0xFAFF, "han"),
    (0xFB00, 0xFB06, "latin"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0xFF21, 0xFF3A, "latin"),
    (0xFF41, 0xFF5A, "latin"),
    (0xFF66, 0xFF9F, "kana"),
    (0x20000, 0x2FA1F, "han"),
)
_RANGE_STARTS = [r[0] for r in _SCRIPT_RANGES]


@lru_cache(maxsize=65536)
def _char_script(ch: str) -> str | None:
    """Script of one character, or None if it is not a letter."""
    if not ch.isalpha():
        return None
    cp = ord(ch)
    i = bisect_right(_RANGE_STARTS, cp) - 1
    if i >= 0:
        start, end, script = _SCRIPT_RANGES[i]
        if start <= cp <= end:
            return script
    return "other"


# One code character per reported script, so a whole text is classified by one str.translate.
_SCRIPT_CODES = {
    script: chr(0x41 + i)
    for i, script in enumerate(sorted({r[2] for r in _SCRIPT_RANGES} | {"other"}))
}
_CODE_SCRIPTS = {code: script for script, code in _SCRIPT_CODES.items()}


class _ScriptMap(dict[int, str]):
    """str.translate table: code point -> its script code ("" for non-letters), filled lazily."""

    def __missing__(self, cp: int) -> str:
        script = _char_script(chr(cp))
        out = "" if script is None else _SCRIPT_CODES[script]
        self[cp] = out
        return out


_SCRIPT_MAP = _ScriptMap()
# whitespace-free chunk -> its script codes (whitespace is no letter, so a text's codes are its
# chunks' codes joined)
_CHUNK_CODES: Memo[str, str] = Memo(lambda chunk: chunk.translate(_SCRIPT_MAP), 1 << 17)
_ASCII_LETTER_RE = re.compile("[A-Za-z]")


def detect_script(raw: str | None) -> str:
    """Dominant script of the letters in raw: one script >= 80% of letters, else "mixed".

    Japanese (kana with or without kanji) reports "kana". No letters at all gives "none".
    """
    if not raw:
        return "none"
    text = raw[:MAX_INPUT_CHARS]
    if text.isascii():
        return "latin" if _ASCII_LETTER_RE.search(text) else "none"
    codes = "".join(map(_CHUNK_CODES.__getitem__, text.split()))
    if not codes:
        return "none"
    counts = {_CODE_SCRIPTS[code]: codes.count(code) for code in set(codes)}
    total = len(codes)
    if "kana" in counts and set(counts) <= {"kana", "han", "latin"}:
        if counts["kana"] + counts.get("han", 0) >= 0.8 * total:
            return "kana"
    script = max(sorted(counts), key=counts.__getitem__)
    if len(counts) == 1 or counts[script] >= 0.8 * total:
        return script
    return "mixed"


# ---------------------------------------------------------------------------------------------
# Tokenization of romanized (ascii) text
# ---------------------------------------------------------------------------------------------

_INNER_APOSTROPHE_RE = re.compile(r"(?<=[a-z0-9])'+(?=[a-z0-9])")
# Single letters joined by dots: "s.a." "a.s." "u.s.a." "i.b.m" -> one token without dots.
_DOTTED_RE = re.compile(r"(?<![a-z0-9.])[a-z](?:\.[a-z])+\.?(?![a-z0-9])")
_TOKEN_RE = re.compile(r"[a-z0-9]+")


def _undot(match: re.Match[str]) -> str:
    return match.group().replace(".", "")


# Arabic article assimilated to a sun letter and hyphenated (ad-Dawla, ash-Sham, an-Nusra, ul-):
# "al" like the plain article, which is a stopword; the Persian / Urdu ezafe written with a
# hyphen (Sherkat-e Naft, Tehrik-i-Taliban, Bank-e) is dropped.
_SUN_ARTICLE_RE = re.compile(r"(?<![a-z0-9])(?:a[dnrstz]|ash|ath|adh|ud|un|ur|us|ut|uz)-(?=[a-z])")
_EZAFE_RE = re.compile(r"(?<=[a-z])-(?:e|ye|i)(?![a-z0-9])")


def split_ascii_tokens(text: str) -> list[str]:
    """Split romanized text into [a-z0-9]+ tokens.

    Apostrophes inside words vanish (Ch'en -> chen, O'Neil -> oneil), "&" becomes "and",
    dotted single-letter abbreviations are joined (S.A. -> sa), a hyphenated Arabic article
    is "al" (ash-Sham -> al sham) and a hyphenated ezafe goes (Bank-e Melli -> bank melli);
    any other character separates.
    """
    text = text.lower()
    if "-" in text:
        text = _EZAFE_RE.sub(" ", _SUN_ARTICLE_RE.sub("al ", text))
    if "'" in text:
        text = _INNER_APOSTROPHE_RE.sub("", text)
    if "&" in text:
        text = text.replace("&", " and ")
    if "." in text:
        text = _DOTTED_RE.sub(_undot, text)
    return _TOKEN_RE.findall(text)
