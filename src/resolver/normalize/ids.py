"""Tax / registration identifiers -> compact upper-case strings (INN, VAT, USCC, VKN, ...)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import NamedTuple

from resolver.normalize._resources import read_table

__all__ = ["normalize_tax_id"]

# Cyrillic letters that look like Latin ones in ids typed on a Russian keyboard.
_HOMOGLYPHS = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
_NON_ALNUM_RE = re.compile(r"[^0-9A-Z]+")
_MULTI_SPLIT_RE = re.compile(r"(?<=\w)\s*[/;,|]\s*(?=\w)")


class _Tables(NamedTuple):
    label_re: re.Pattern[str]  # a leading label
    office_re: re.Pattern[str]  # text up to and including a tax-office label
    placeholders: frozenset[str]
    digits_only_safe: bool  # every label / office has a non-digit: no match in ascii digits


@cache
def _tables() -> _Tables:
    """Compiled label / office regexes and the placeholder values of data/tax_ids.tsv."""
    labels: list[str] = []
    offices: list[str] = []
    placeholders: set[str] = set()
    digits_only_safe = True
    for row in read_table("tax_ids.tsv"):
        kind, value = row[0], row[1]
        pattern = r"\W*".join(re.escape(part) for part in value.upper().split())
        if kind == "label":
            labels.append(pattern)
        elif kind == "office":
            offices.append(pattern)
        else:
            placeholders.add(value.upper())
            continue
        digits_only_safe &= not "".join(value.upper().split()).isdigit()
    alternation = "|".join(sorted(labels, key=len, reverse=True))
    label_re = re.compile(rf"^\W*(?:{alternation})(?:\W+|(?=\d))", re.UNICODE)
    office = "|".join(sorted(offices, key=len, reverse=True))
    office_re = re.compile(rf"^.*?\b(?:{office})\b\W*(?=\d)", re.UNICODE)
    return _Tables(label_re, office_re, frozenset(placeholders), digits_only_safe)


def _is_id(text: str, placeholders: frozenset[str]) -> bool:
    """Not empty, not a placeholder and not all zeros."""
    return bool(text) and text not in placeholders and bool(text.strip("0"))


@lru_cache(maxsize=65536)
def _normalize_tax_id(raw: str) -> str | None:
    tables = _tables()
    if raw.isdigit() and raw.isascii() and tables.digits_only_safe:
        # no label, office, separator or look-alike can be in ascii digits
        return raw if _is_id(raw, tables.placeholders) else None
    text = unicodedata.normalize("NFKC", raw).upper()
    match = tables.office_re.match(text)
    if match is not None:
        text = text[match.end() :]
    for _ in range(3):  # "ИНН/КПП 7707083893/770701001": several labels in a row
        match = tables.label_re.match(text)
        if match is None or not match.end():
            break
        text = text[match.end() :]
    compact = _NON_ALNUM_RE.sub("", text)
    if not _is_id(compact, tables.placeholders):
        return None
    if compact == text:  # nothing but A-Z0-9: no separator, look-alike or punctuation left
        return compact
    # Several ids in one cell ("7707083893/770701001", "A; B"): keep the first one.
    text = _MULTI_SPLIT_RE.split(text.strip(), maxsplit=1)[0]
    text = _NON_ALNUM_RE.sub("", text.translate(_HOMOGLYPHS))
    return text if _is_id(text, tables.placeholders) else None


def normalize_tax_id(raw: str | None) -> str | None:
    """Strip labels/spaces/punctuation, upper-case, drop placeholders ("0", "N/A", "-", all
    zeros); None if nothing is left. Letters outside A-Z (after Cyrillic look-alike folding) drop;
    of several ids separated by / ; , | only the first is kept.
    """
    if raw is None or not isinstance(raw, str):
        return None
    return _normalize_tax_id(raw[:200])
