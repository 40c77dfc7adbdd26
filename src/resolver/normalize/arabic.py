"""Arabic-script words (Arabic, Persian, Urdu) -> Latin consonant skeletons with their vowel
letters, the article split off: القاعدة -> "al qaida", صنایع -> "sanai", گروه -> "gruh".

Short vowels are not written, and lists spell them every way (sanaye / sanaat / sinaat), so
the phonetic keys compare consonants; the letters come from data/arabic.tsv.
"""

from __future__ import annotations

import re
from functools import cache

from resolver.normalize._resources import read_table

__all__ = ["ARABIC_RE", "romanize_arabic", "split_latin_compounds"]

ARABIC_RE = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]+")
# Article prefixes (al-, wal-, bil-, fal-, kal-, lil-) -> "al"; the rest of the word must
# keep two letters or more.
_ARTICLE_RE = re.compile("^(?:[وبفك]?ال|لل)(?=..)")
_ALEF = "اآأإ"
_DIGRAPH_FIRST = frozenset("tkscdgzph")  # letters that would read as one sound with a next h
_VOWEL_LETTERS = frozenset("اآأإوؤيیئىة")
_GLIDES = {"و": "w", "ي": "y", "ی": "y"}  # consonant at a word start or next to an alef


@cache
def _letters() -> dict[str, str]:
    return {row[0]: row[1] if len(row) > 1 else "" for row in read_table("arabic.tsv")}


def _word(word: str) -> str:
    """One Arabic-script word (a run without spaces) -> Latin."""
    letters = _letters()
    article = ""
    if _ARTICLE_RE.match(word):
        article = "al "
        word = _ARTICLE_RE.sub("", word)
    out: list[str] = []
    last = len(word) - 1
    if word[:1].isalpha() and not any(ch in _VOWEL_LETTERS for ch in word):
        word = word[:1] + "\u064e" + word[1:]  # no vowel letter: read the first vowel as a
    for i, ch in enumerate(word):
        glide = _GLIDES.get(ch)
        if glide is not None and (
            i == 0 or word[i - 1] in _ALEF or (i < last and word[i + 1] in _ALEF + "ة")
        ):
            out.append(glide)
        else:
            latin = letters.get(ch, ch)
            if latin[:1] == "h" and out and out[-1][-1:] in _DIGRAPH_FIRST:
                latin = "a" + latin  # ت + ح is t-h (tahrik), ش + ه sh-h (shahid), no digraph
            out.append(latin)
    latin_word = "".join(out)
    if latin_word.startswith("hs"):
        latin_word = "ha" + latin_word[1:]  # ح + س is h-s (Hussein), not Wade-Giles hs (xin)
    return article + latin_word


@cache
def _compounds() -> tuple[tuple[tuple[re.Pattern[str], str], ...], ...]:
    """(Arabic-script rules, Latin rules) of data/arabic_compounds.tsv: (regex, replacement)."""
    rules: dict[str, list[tuple[re.Pattern[str], str]]] = {"arabic": [], "latin": []}
    for row in read_table("arabic_compounds.tsv"):
        rules[row[0]].append((re.compile(row[1]), row[2] if len(row) > 2 else ""))
    return tuple(rules["arabic"]), tuple(rules["latin"])


def _split_word(word: str, rules: tuple[tuple[re.Pattern[str], str], ...]) -> list[str]:
    """A word split by the compound rules (each applied in turn to the whole word)."""
    for pattern, replacement in rules:
        word = pattern.sub(replacement, word)
    return [part for part in word.split("|") if part]


# A romanized token that a Latin compound rule may split (the rules' anchors: abd- and the
# endings of Allah / al-Din)
_LATIN_COMPOUND_RE = re.compile(r"^abd|(?:ll|l)ah?$|din$|dine$|deen$")


def split_latin_compounds(tokens: list[str]) -> list[str]:
    """Romanized name tokens with Arabic compound names split as in data/arabic_compounds.tsv
    (Abdullah -> abd lah, Abdelkader -> abd kader, Nureddine -> nur din), the way the
    Arabic-script forms split (عبدالله -> abd lah, نورالدين -> nur din)."""
    if not any(_LATIN_COMPOUND_RE.search(t) for t in tokens):
        return tokens
    rules = _compounds()[1]
    out: list[str] = []
    for token in tokens:
        out += _split_word(token, rules) if _LATIN_COMPOUND_RE.search(token) else [token]
    return out


def _run(run: str) -> str:
    """One Arabic-script run: its compound names split, each word romanized."""
    return " ".join(map(_word, _split_word(run, _compounds()[0])))


def romanize_arabic(text: str) -> str:
    """Every Arabic-script run of the text romanized and set off by spaces (a Latin brand
    glued to it stays a word of its own); other characters are left as they are."""
    return ARABIC_RE.sub(lambda m: f" {_run(m.group())} ", text)
