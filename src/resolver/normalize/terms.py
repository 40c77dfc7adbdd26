"""Generic words that split runs of scripts written without spaces (katakana, Hangul)."""

from __future__ import annotations

from functools import cache

from resolver.normalize._resources import read_lines, read_table

__all__ = ["split_at_terms"]


@cache
def _terms(script_chars: str) -> tuple[dict[str, int], frozenset[str]]:
    """Terms wholly in the given character range (translated-word variants, the compound
    breaks of data/compound_breaks.txt, data/japanese_words.tsv words of three characters or
    more: shorter ones would cut brand names, ヒロタグループ): {first character: longest term},
    and the terms."""
    low, high = script_chars[0], script_chars[-1]
    candidates = list(read_lines("compound_breaks.txt"))
    for row in read_table("translated_words.tsv"):
        candidates += [v.strip() for v in row[2].split(",")]
    candidates = [t for t in candidates if len(t) >= 2]
    candidates += [row[0] for row in read_table("japanese_words.tsv") if len(row[0]) >= 3]
    terms = frozenset(t for t in candidates if all(low <= c <= high for c in t))
    longest: dict[str, int] = {}
    for term in terms:
        longest[term[0]] = max(longest.get(term[0], 0), len(term))
    return longest, terms


def split_at_terms(run: str, script_chars: str) -> list[str]:
    """Split a run before and after every known term in ``script_chars`` (a two-character
    string: the first and last code point of the script), longest term first."""
    longest, terms = _terms(script_chars)
    pieces: list[str] = []
    start = i = 0
    n = len(run)
    while i < n:
        for size in range(min(longest.get(run[i], 0), n - i), 1, -1):
            if run[i : i + size] in terms:
                if start < i:
                    pieces.append(run[start:i])
                pieces.append(run[i : i + size])
                i = start = i + size
                break
        else:
            i += 1
    if start < n:
        pieces.append(run[start:])
    return pieces
