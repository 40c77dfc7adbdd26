"""Hangul -> Revised Romanization words: 삼성전자 주식회사 -> "samseong jeonja jusikhoesa".

Syllable blocks are split into jamo arithmetically (Unicode Hangul composition) and read with
data/hangul.tsv; runs are split at known words first (전자, 산업, 주식회사, ...), so the generic
word meets its translation and the distinctive word stands alone.
"""

from __future__ import annotations

import re
from functools import cache

from resolver.normalize._resources import read_table
from resolver.normalize.terms import split_at_terms

__all__ = ["HANGUL_RE", "romanize_hangul"]

HANGUL_RE = re.compile("[\uac00-\ud7a3]+")
_SYLLABLES = "\uac00\ud7a3"  # split_at_terms range: precomposed syllable blocks
_MARK_RE = re.compile(r"\((?:주|유)\)")
_MARKS = {"(주)": " 주식회사 ", "(유)": " 유한회사 "}
_N_VOWELS, _N_FINALS = 21, 28


@cache
def _jamo() -> tuple[list[str], list[str], list[str], dict[int, str]]:
    """Initial, vowel and final readings in Unicode order, and {final index: initial reading}
    for a final carried over to a following silent ㅇ."""
    parts: dict[str, list[tuple[str, str]]] = {"initial": [], "vowel": [], "final": []}
    for row in read_table("hangul.tsv"):
        parts[row[0]].append((row[1], row[2] if len(row) > 2 else ""))
    initials = [latin for _, latin in parts["initial"]]
    initial_of = dict(parts["initial"])
    finals = [latin for _, latin in parts["final"]]
    carried = {
        i: initial_of[jamo] for i, (jamo, _) in enumerate(parts["final"]) if jamo in initial_of
    }
    carried.pop(finals.index("ng"), None)  # ㅇ as a final is a sound of its own
    return initials, [latin for _, latin in parts["vowel"]], finals, carried


def _syllables(word: str) -> str:
    """Revised Romanization of a run of syllable blocks."""
    initials, vowels, finals, carried = _jamo()
    codes = [ord(c) - 0xAC00 for c in word]
    out: list[str] = []
    for i, code in enumerate(codes):
        initial, rest = divmod(code, _N_VOWELS * _N_FINALS)
        vowel, final = divmod(rest, _N_FINALS)
        out.append(initials[initial] + vowels[vowel])
        silent_next = i + 1 < len(codes) and codes[i + 1] // (_N_VOWELS * _N_FINALS) == 11  # ㅇ
        out.append(carried[final] if silent_next and final in carried else finals[final])
    return "".join(out)


def romanize_hangul(text: str) -> str:
    """Every Hangul run of the text romanized (split at known words) and set off by spaces;
    (주) is 주식회사."""
    text = _MARK_RE.sub(lambda m: _MARKS[m.group()], text)
    return HANGUL_RE.sub(
        lambda m: (
            " " + " ".join(_syllables(p) for p in split_at_terms(m.group(), _SYLLABLES)) + " "
        ),
        text,
    )
