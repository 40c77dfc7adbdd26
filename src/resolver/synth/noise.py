"""Mention-level noise: typos, casing, quotes, abbreviations, homoglyphs, truncation."""

from __future__ import annotations

import re
from random import Random

from resolver.synth.romanize import upper_turkish
from resolver.synth.vocab import Weighted, ch, rr

# Quote pairs used around a company name; weights differ for Cyrillic and Latin renderings.
QUOTES_CYR = Weighted(
    [
        (("«", "»"), 55),
        (('"', '"'), 25),
        (("", ""), 12),
        (("„", "“"), 4),
        (("'", "'"), 2),
        (("“", "”"), 2),
    ]
)
QUOTES_LAT = Weighted(
    [
        (("", ""), 50),
        (('"', '"'), 34),
        (("'", "'"), 5),
        (("«", "»"), 5),
        (("“", "”"), 3),
        (("„", "“"), 2),
        (("``", "''"), 1),
    ]
)

_ROWS_LAT = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_ROWS_CYR = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")


def _neighbours(rows: tuple[str, ...]) -> dict[str, str]:
    """Keys next to each key on a keyboard layout."""
    out: dict[str, str] = {}
    for r, row in enumerate(rows):
        for i, key in enumerate(row):
            near = row[max(0, i - 1) : i] + row[i + 1 : i + 2]
            for other in (r - 1, r + 1):
                if 0 <= other < len(rows):
                    near += rows[other][max(0, i - 1) : i + 1]
            out[key] = near
    return out


_NEAR = _neighbours(_ROWS_LAT) | _neighbours(_ROWS_CYR)
_HOMO_C2L = str.maketrans("аеорсухАВЕКМНОРСТХ", "aeopcyxABEKMHOPCTX")
_HOMO_L2C = str.maketrans("aeopcyxABEKMHOPCTX", "аеорсухАВЕКМНОРСТХ")
_CYR = re.compile(r"[\u0400-\u04ff]")

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "International": ("Int'l", "Intl", "Intl."),
    "Trading": ("Trdg", "Trad."),
    "Technology": ("Tech.", "Tech", "Techn."),
    "Technologies": ("Tech", "Techs"),
    "Machinery": ("Mach.", "Mchy"),
    "Electronics": ("Elec.", "Electr."),
    "Electronic": ("Elec.",),
    "Corporation": ("Corp.",),
    "Company": ("Co.", "Comp."),
    "Industrial": ("Ind.", "Indl."),
    "Industry": ("Ind.",),
    "Import and Export": ("Imp. & Exp.", "I/E", "Imp & Exp", "Imp.-Exp."),
    "Import & Export": ("Imp/Exp", "I&E"),
    "Precision": ("Prec.", "Precis."),
    "Equipment": ("Equip.", "Eqpt"),
    "Engineering": ("Eng.", "Engg."),
    "General Trading": ("Gen. Trading", "Gen Trdg", "G.T."),
    "Manufacturing": ("Mfg.", "Mfg"),
    "Logistics": ("Log.",),
    "Supply Chain": ("SCM",),
    "Group": ("Grp",),
    "Limited": ("Ltd",),
    "Dış Ticaret": ("Dış Tic.", "Dis Tic."),
    "Sanayi ve Ticaret": ("San. ve Tic.", "San. Tic."),
    "Mühendislik": ("Müh.",),
    "Makina": ("Mak.",),
    "Handelsgesellschaft": ("Handelsges.", "HG"),
    "Maschinenbau": ("Masch.-Bau", "Maschb."),
    "Торговый дом": ("ТД", "Т.Д."),
    "Научно-производственное объединение": ("НПО",),
}
_ABBR_RE = re.compile("|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True)))


def abbreviate(text: str, rng: Random) -> str:
    """Replace each known long word with one of its abbreviations."""
    return _ABBR_RE.sub(lambda m: ch(rng, ABBREVIATIONS[m.group(0)]), text)


def typo(text: str, rng: Random) -> str:
    """One keyboard typo: substitute a neighbour key, delete, insert or transpose a letter."""
    n = len(text)
    if n < 4:
        return text
    for _ in range(4):
        i = 1 + rr(rng, n - 1)
        cur = text[i]
        if cur.isalpha():
            break
    else:
        return text
    op = rng.random()
    low = cur.lower()
    if op < 0.35:
        near = _NEAR.get(low)
        if not near:
            return text[:i] + text[i + 1 :]
        rep = ch(rng, near)
        return text[:i] + (rep.upper() if cur.isupper() else rep) + text[i + 1 :]
    if op < 0.6:
        return text[:i] + text[i + 1 :]
    if op < 0.8:
        near = _NEAR.get(low, low)
        rep = ch(rng, near + low)
        return text[:i] + (rep.upper() if cur.isupper() else rep) + text[i:]
    if i + 1 < n:
        return text[:i] + text[i + 1] + cur + text[i + 2 :]
    return text[: i - 1] + cur + text[i - 1]


def homoglyphs(text: str, rng: Random) -> str:
    """Mix Latin and Cyrillic look-alike letters, as keyboard-layout slips do."""
    if _CYR.search(text):
        words = text.split(" ")
        i = rr(rng, len(words))
        words[i] = words[i].translate(_HOMO_C2L)
        return " ".join(words)
    return text.translate(_HOMO_L2C) if rng.random() < 0.3 else text


def casing(text: str, rng: Random, upper: bool, turkish: bool = False) -> str:
    """Letter case of one mention: UPPER when ``upper``, else mostly as written, some Title/lower."""
    if upper:
        return upper_turkish(text) if turkish and rng.random() < 0.5 else text.upper()
    r = rng.random()
    if r < 0.86:
        return text
    if r < 0.96:
        return text.title()
    return text.lower()


def spacing(text: str, rng: Random) -> str:
    """Whitespace and punctuation slips: doubled spaces, space before comma, dropped dots."""
    r = rng.random()
    if r < 0.35:
        return text.replace(" ", "  ", 1)
    if r < 0.6:
        return text.replace(".", "")
    if r < 0.8:
        return text.replace(", ", " ,", 1)
    return text + " "


def truncate(text: str, width: int = 35) -> str:
    """Cut to a fixed field width, as EDIFACT/legacy 35-character fields do."""
    return text[:width].rstrip()


def mangle(text: str, rng: Random, upper: bool, turkish: bool = False) -> str:
    """Apply the standard mention-level noise chain to a name or address."""
    if rng.random() < 0.12:
        text = abbreviate(text, rng)
    text = casing(text, rng, upper, turkish)
    r = rng.random()
    if r < 0.085:
        text = typo(text, rng)
        if r < 0.015:
            text = typo(text, rng)
    if rng.random() < 0.05:
        text = spacing(text, rng)
    return text
