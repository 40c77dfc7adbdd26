"""Forward romanization of Cyrillic text under several standards, plus Latin folding helpers."""

from __future__ import annotations

import re
from functools import lru_cache

# Standards: key -> (lowercase table, context rules). Tables cover Russian plus the extra letters
# of Kazakh, Kyrgyz, Ukrainian and Serbian so every Cyrillic name in the data romanizes.
_BASE = dict(
    zip("абвгдзиклмнопрстуф", "abvgdziklmnoprstuf", strict=True),
    ы="y",
    э="e",
    е="e",
)
_EXTRA = {
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
    "ї": "i",
    "є": "e",
    "ґ": "g",
    "ђ": "dj",
    "ј": "j",
    "љ": "lj",
    "њ": "nj",
    "ћ": "c",
    "џ": "dz",
}


def _table(**kw: str) -> dict[str, str]:
    """A full lowercase table: base letters, extra letters, then the standard's own letters."""
    t = dict(_BASE)
    t.update(_EXTRA)
    t.update(kw)
    return t


TABLES: dict[str, dict[str, str]] = {
    # BGN/PCGN 1947 as used in practice (OFAC, UK lists): diacritics and primes dropped.
    "bgn": _table(
        ё="e",
        ж="zh",
        й="y",
        х="kh",
        ц="ts",
        ч="ch",
        ш="sh",
        щ="shch",
        ъ="",
        ь="",
        ю="yu",
        я="ya",
        ғ="gh",
        қ="q",
        ң="ng",
        ү="u",
        ђ="đ",
        ћ="ć",
        џ="dž",
    ),
    # Russian internal passports 1997-2010: like BGN but no contextual "ye".
    "passport": _table(
        ё="e",
        ж="zh",
        й="y",
        х="kh",
        ц="ts",
        ч="ch",
        ш="sh",
        щ="shch",
        ъ="",
        ь="",
        ю="yu",
        я="ya",
    ),
    # ICAO Doc 9303 (Russian passports since 2013).
    "icao": _table(
        ё="e",
        ж="zh",
        й="i",
        х="kh",
        ц="ts",
        ч="ch",
        ш="sh",
        щ="shch",
        ъ="ie",
        ь="",
        ю="iu",
        я="ia",
    ),
    # GOST 7.79-2000 system B (Latin-only transliteration, with its ` and ' marks).
    "gost": _table(
        ё="yo",
        ж="zh",
        й="j",
        х="x",
        ц="cz",
        ч="ch",
        ш="sh",
        щ="shh",
        ъ="``",
        ы="y'",
        ь="`",
        э="e`",
        ю="yu",
        я="ya",
        ә="a`",
        ө="o`",
        ү="u`",
        ұ="u'",
        қ="k`",
        ғ="g`",
        ң="n`",
        і="i`",
    ),
    # ISO 9:1995 (one letter per letter, with diacritics).
    "iso9": _table(
        ё="ë",
        ж="ž",
        й="j",
        х="h",
        ц="c",
        ч="č",
        ш="š",
        щ="ŝ",
        ъ="ʺ",
        ь="ʹ",
        э="è",
        ю="û",
        я="â",
        ә="ä",
        ө="ô",
        ү="ù",
        ғ="ġ",
        қ="ķ",
        ң="ṇ",
        і="ì",
        ђ="đ",
        ћ="ć",
        џ="d̂",
        ј="ǰ",
    ),
    # Informal "translit" of chats, e-mail and small exporters' paperwork.
    "informal": _table(
        ё="jo",
        ж="zh",
        й="j",
        х="h",
        ц="c",
        ч="ch",
        ш="sh",
        щ="sch",
        ъ="",
        ь="'",
        ю="ju",
        я="ja",
        қ="q",
    ),
    # German (Duden) style, used by German suppliers and their ERP systems.
    "german": _table(
        в="w",
        з="s",
        ё="jo",
        ж="sch",
        й="j",
        х="ch",
        ц="z",
        ч="tsch",
        ш="sch",
        щ="schtsch",
        ъ="",
        ь="",
        ю="ju",
        я="ja",
    ),
    # What the unidecode library produces (character by character, no context).
    "unidecode": _table(
        ё="io",
        ж="zh",
        й="i",
        х="kh",
        ц="ts",
        ч="ch",
        ш="sh",
        щ="shch",
        ъ="'",
        ь="'",
        ю="iu",
        я="ia",
    ),
}
STANDARDS: tuple[str, ...] = tuple(TABLES)

_VOWELS = "аеёиоуыэюяъьєіїәөүұ"
_CYR_WORD = re.compile(r"[\u0400-\u04ff]+")
_CYR = re.compile(r"[\u0400-\u04ff]")
_YE = re.compile(rf"(?<=[{_VOWELS}])([её])")
_CZ = re.compile(r"ц(?=[еёиыйяюєі])")
_SS = re.compile(r"(?<=[аеёиоуыэюя])с(?=[аеёиоуыэюя])")
_TRANS = {k: str.maketrans(v) for k, v in TABLES.items()}
_UPPER_TRANS = {
    k: str.maketrans({c.upper(): r[:1].upper() + r[1:] for c, r in v.items() if c.upper() != c})
    for k, v in TABLES.items()
}


def has_cyrillic(text: str) -> bool:
    """True when the text contains at least one Cyrillic letter."""
    return _CYR.search(text) is not None


@lru_cache(maxsize=65536)
def _word_lower(word: str, std: str) -> str:
    """Romanize one lowercase Cyrillic word with the standard's context rules."""
    if std == "bgn":
        if word[0] in "её":
            word = "ye" + word[1:]
        word = _YE.sub("ye", word)
    elif std == "german":
        if word[0] in "её":
            word = ("je" if word[0] == "е" else "jo") + word[1:]
        word = _SS.sub("ss", word)
        word = re.sub(rf"(?<=[{_VOWELS}])е", "je", word)
    elif std == "gost":
        word = _CZ.sub("c", word)
    return word.translate(_TRANS[std])


@lru_cache(maxsize=65536)
def _word(word: str, std: str) -> str:
    """Romanize one Cyrillic word keeping its case pattern (all caps, capitalized, lower)."""
    if std == "unidecode":
        return word.translate(_UPPER_TRANS[std]).translate(_TRANS[std])
    low = word.lower()
    out = _word_lower(low, std)
    if not out:
        return out
    if len(word) > 1 and word.isupper():
        return out.upper()
    if word[0].isupper():
        return out[0].upper() + out[1:]
    return out


@lru_cache(maxsize=1 << 16)
def romanize(text: str, std: str = "bgn") -> str:
    """Romanize every Cyrillic word of ``text`` under standard ``std`` (see STANDARDS)."""
    if not _CYR.search(text):
        return text
    return _CYR_WORD.sub(lambda m: _word(m.group(0), std), text)


# --- Latin folding ------------------------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "ş": "s",
        "Ş": "S",
        "ğ": "g",
        "Ğ": "G",
        "ı": "i",
        "İ": "I",
        "ç": "c",
        "Ç": "C",
        "ö": "o",
        "Ö": "O",
        "ü": "u",
        "Ü": "U",
        "ä": "a",
        "Ä": "A",
        "ß": "ss",
        "é": "e",
        "è": "e",
        "à": "a",
        "ò": "o",
        "ù": "u",
        "ì": "i",
        "č": "c",
        "Č": "C",
        "ć": "c",
        "Ć": "C",
        "š": "s",
        "Š": "S",
        "ž": "z",
        "Ž": "Z",
        "đ": "dj",
        "Đ": "Dj",
        "â": "a",
        "ê": "e",
        "î": "i",
        "ô": "o",
        "û": "u",
        "ë": "e",
        "ï": "i",
        "ʻ": "'",
        "ʼ": "'",
        "‘": "'",
        "’": "'",
    }
)
_FOLD_DE = str.maketrans(
    {"ä": "ae", "Ä": "Ae", "ö": "oe", "Ö": "Oe", "ü": "ue", "Ü": "Ue", "ß": "ss"}
)
_FOLD_TR_ODD = str.maketrans({"ı": "i", "ş": "s", "ğ": "g", "İ": "I", "Ş": "S", "Ğ": "G"})


def fold_ascii(text: str) -> str:
    """Strip diacritics the way a plain-ASCII system does (ş->s, ä->a, ß->ss)."""
    return text.translate(_FOLD)


def fold_german(text: str) -> str:
    """German transcription of umlauts (ä->ae, ß->ss), then strip anything else."""
    return text.translate(_FOLD_DE).translate(_FOLD)


def fold_turkish_partial(text: str) -> str:
    """Lose only the letters missing from Latin-1 keyboards (ı ş ğ) and keep ç ö ü."""
    return text.translate(_FOLD_TR_ODD)


def upper_turkish(text: str) -> str:
    """Uppercase with Turkish rules (i->İ, ı->I)."""
    return text.replace("i", "İ").replace("ı", "I").upper()


# --- Serbian: Latin <-> Cyrillic (one-to-one with digraphs) --------------------------------------

_SR_DIGRAPHS = {
    "lj": "љ",
    "nj": "њ",
    "dž": "џ",
    "Lj": "Љ",
    "Nj": "Њ",
    "Dž": "Џ",
    "LJ": "Љ",
    "NJ": "Њ",
    "DŽ": "Џ",
}
_SR_SINGLE = dict(
    zip("abvgdđežzijklmnoprstćufhcčšwqy", "абвгдђежзијклмнопрстћуфхцчшвкј", strict=True)
)
_SR_SINGLE["x"] = "кс"
_SR_RE = re.compile(r"lj|nj|dž|Lj|Nj|Dž|LJ|NJ|DŽ|.", re.S)


@lru_cache(maxsize=4096)
def serbian_to_cyrillic(text: str) -> str:
    """Serbian Latin to Serbian Cyrillic (Vuk's alphabet)."""
    out = []
    for m in _SR_RE.finditer(text):
        s = m.group(0)
        if s in _SR_DIGRAPHS:
            out.append(_SR_DIGRAPHS[s])
        elif s.lower() in _SR_SINGLE:
            c = _SR_SINGLE[s.lower()]
            out.append((c[0].upper() + c[1:]) if s.isupper() else c)
        else:
            out.append(s)
    return "".join(out)
