"""Tax / registration identifiers -> compact upper-case strings (INN, VAT, USCC, VKN, ...)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from resolver.normalize._resources import read_table

__all__ = ["normalize_tax_id"]

# Cyrillic letters that look like Latin ones in ids typed on a Russian keyboard.
_HOMOGLYPHS = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
_NON_ALNUM_RE = re.compile(r"[^0-9A-Z]+")
_MULTI_SPLIT_RE = re.compile(r"(?<=\w)\s*[/;,|]\s*(?=\w)")


@cache
def _tables() -> tuple[re.Pattern[str], re.Pattern[str], frozenset[str]]:
    """(regex for a leading label, regex for a tax-office prefix, set of placeholder values)."""
    labels: list[str] = []
    offices: list[str] = []
    placeholders: set[str] = set()
    for row in read_table("tax_ids.tsv"):
        kind, value = row[0], row[1]
        pattern = r"\W*".join(re.escape(part) for part in value.upper().split())
        if kind == "label":
            labels.append(pattern)
        elif kind == "office":
            offices.append(pattern)
        else:
            placeholders.add(value.upper())
    alternation = "|".join(sorted(labels, key=len, reverse=True))
    label_re = re.compile(rf"^\W*(?:{alternation})(?:\W+|(?=\d))", re.UNICODE)
    office = "|".join(sorted(offices, key=len, reverse=True))
    office_re = re.compile(rf"^.*?\b(?:{office})\b\W*(?=\d)", re.UNICODE)
    return label_re, office_re, frozenset(placeholders)


@lru_cache(maxsize=65536)
def _normalize_tax_id(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).upper()
    label_re, office_re, placeholders = _tables()
    text = office_re.sub("", text, count=1)
    for _ in range(3):  # "ИНН/КПП 7707083893/770701001": several labels in a row
        stripped = label_re.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    compact = _NON_ALNUM_RE.sub("", text)
    if not compact or compact in placeholders or set(compact) == {"0"}:
        return None
    # Several ids in one cell ("7707083893/770701001", "A; B"): keep the first one.
    text = _MULTI_SPLIT_RE.split(text.strip(), maxsplit=1)[0]
    text = _NON_ALNUM_RE.sub("", text.translate(_HOMOGLYPHS))
    if not text or text in placeholders or set(text) == {"0"}:
        return None
    return text


def normalize_tax_id(raw: str | None) -> str | None:
    """Strip labels/spaces/punctuation, upper-case, drop placeholders ("0", "N/A", "-", all
    zeros); None if nothing is left. Letters outside A-Z (after Cyrillic look-alike folding) drop;
    of several ids separated by / ; , | only the first is kept.
    """
    if raw is None or not isinstance(raw, str):
        return None
    return _normalize_tax_id(raw[:200])
