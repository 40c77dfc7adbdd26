"""Japanese names -> Hepburn romaji words: kanji read with SudachiPy's dictionary, kana by table.

Kanji in a Japanese name are read the Japanese way (日本精鉱 -> nihon seiko), not as Chinese
pinyin. SudachiPy (Apache-2.0, Rust wheels) segments the name and gives each word's reading from
the SudachiDict "core" dictionary it ships (nothing is downloaded at run time); readings become
romaji with data/kana.tsv. Words whose English form is another word become that word, so a name
meets the company's own English name: katakana loanwords (data/japanese_words.tsv, then UniDic's
loanwords in data/katakana_loanwords_unidic.tsv: ヒロタグループホールディングス -> hirota group
holdings) and generic kanji words (倉庫 -> warehouse); katakana runs are split at known words.
Unknown katakana words spelled like loanwords lose their epenthetic vowels (テノックス -> tenox),
and katakana letter names spell initialisms (アイ・エス・ビー -> isb)."""

from __future__ import annotations

import re
from functools import cache

from unidecode import unidecode

from resolver.normalize._resources import read_table
from resolver.normalize.terms import split_at_terms

__all__ = ["is_japanese", "kana_to_romaji", "romanize_japanese"]

# Kana (hiragana, katakana, phonetic extensions, half-width katakana; NFKC folds the last).
_KANA_RE = re.compile("[\u3041-\u3096\u30a1-\u30fa\u31f0-\u31ff\uff66-\uff9d]")
_HAN_RE = re.compile("[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
# Legal-form marks written in parentheses (after NFKC, ㈱ and （株） are "(株)") -> full form.
_MARKS = {"株": "株式会社", "有": "有限会社", "合": "合同会社", "資": "合資会社", "名": "合名会社"}
_MARK_RE = re.compile(r"\(([株有合資名])\)")
_LEGAL_RE = re.compile(
    "株式会社|有限会社|合同会社|合資会社|合名会社|[(\uff08][株有][)\uff09]|[\u3231\u3232]"
)
_KATAKANA_RUN_RE = re.compile("[\u30a1-\u30fa\u30fc]+")
# Katakana words joined by the middle dot or a full stop (NFKC folds ． to "."): アイ・エス・ビー
_KATAKANA_SEQUENCE_RE = re.compile("[\u30a1-\u30fa\u30fc]+(?:[\u30fb.][\u30a1-\u30fa\u30fc]+)*")
_SEPARATOR_RE = re.compile("[\u30fb.]")
# Katakana spellings found in loanwords (long-vowel mark, sokuon, small vowels, ヴ)
_LOANWORD_SPELLING_RE = re.compile("[\u30fc\u30c3\u30a1\u30a3\u30a5\u30a7\u30a9\u30f4]")
_LONG_VOWEL_RE = re.compile("o[ou]|uu")
KATAKANA = "\u30a1\u30fc"  # katakana letters and the long-vowel mark (split_at_terms range)
_SKIPPED_POS = frozenset({"助詞", "補助記号", "空白"})  # particles (の), punctuation, spaces


def is_japanese(text: str) -> bool:
    """Kana anywhere, or kanji in a name with a Japanese legal form (株式会社, (株), 有限会社, ...)."""
    if _KANA_RE.search(text) is not None:
        return True
    return _HAN_RE.search(text) is not None and _LEGAL_RE.search(text) is not None


@cache
def _kana_table() -> tuple[dict[str, str], int]:
    """{katakana: romaji} from data/kana.tsv and the longest key."""
    table = {row[0]: row[1] for row in read_table("kana.tsv")}
    return table, max(map(len, table))


@cache
def _letter_names() -> tuple[dict[str, str], int]:
    """{katakana letter name: Latin letter} from data/katakana_letters.tsv and the longest name."""
    table = {row[0]: row[1] for row in read_table("katakana_letters.tsv")}
    return table, max(map(len, table))


def _spell_letters(word: str) -> str | None:
    """The Latin letters a katakana word spells when it is wholly letter names (エーアイ -> ai),
    else None; the longest name is tried first, then shorter ones (エイチ h, エイ a)."""
    names, longest = _letter_names()

    def parse(start: int) -> str | None:
        if start == len(word):
            return ""
        for size in range(min(longest, len(word) - start), 1, -1):
            letter = names.get(word[start : start + size])
            if letter is not None:
                rest = parse(start + size)
                if rest is not None:
                    return letter + rest
        return None

    return parse(0)


def _initialism(match: re.Match[str]) -> str:
    """A katakana sequence made wholly of letter names, two letters or more, as one Latin word
    (アイ・エス・ビー -> isb, ディー.ジー -> dg); in a sequence of several words, a word that is
    letter names as those letters (ブイ・テクノロジー -> v テクノロジー); one word unchanged."""
    words = _SEPARATOR_RE.split(match.group())
    spelled = [_spell_letters(word) or "" for word in words]
    if all(spelled):
        letters = "".join(spelled)
        return f" {letters} " if len(words) > 1 or len(letters) >= 2 else match.group()
    if len(words) == 1:
        return match.group()
    return " " + " ".join(s or w for w, s in zip(words, spelled, strict=True)) + " "


def _to_katakana(text: str) -> str:
    """Hiragana -> katakana (same sounds, code points 0x60 apart)."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def kana_to_romaji(kana: str) -> str:
    """Modified Hepburn for a kana string: シュビョウ -> shubyo, ニッスイ -> nissui, ー dropped;
    characters that are not kana are kept."""
    table, longest = _kana_table()
    text = _to_katakana(kana)
    out: list[str] = []
    double = False  # a sokuon ッ is pending: double the next consonant
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "ッッ":
            double = True
            i += 1
            continue
        if ch == "ー":
            i += 1
            continue
        for size in range(min(longest, n - i), 0, -1):
            romaji = table.get(text[i : i + size])
            if romaji is not None:
                break
        else:
            romaji, size = ch, 1
        if double and romaji[:1].isalpha() and romaji[0] not in "aeiou":
            romaji = ("t" if romaji.startswith("ch") else romaji[0]) + romaji
        double = False
        out.append(romaji)
        i += size
    return _LONG_VOWEL_RE.sub(lambda m: m.group()[0], "".join(out))


@cache
def _tokenizer():
    """SudachiPy tokenizer on the shipped core dictionary, middle split mode (words such as
    株式 / 会社, 製作所, 工業 stay whole, compounds are split)."""
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="core").tokenizer(mode=SplitMode.B, fields={"pos", "reading_form"})


@cache
def _english_words() -> dict[str, str]:
    """{Japanese word: its English form in company names}: data/japanese_words.tsv (our
    company-name words: ファーマ -> pharma, 倉庫 -> warehouse), then the katakana loanwords of
    UniDic (data/katakana_loanwords_unidic.tsv: ホテル -> hotel) where the first has none."""
    table = {row[0]: row[1] for row in read_table("katakana_loanwords_unidic.tsv")}
    table.update((row[0], row[1]) for row in read_table("japanese_words.tsv"))
    return table


@cache
def _loanword_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, replacement) rules taking a loanword's romaji toward its source spelling
    (data/katakana_loanword_rules.tsv)."""
    return tuple(
        (re.compile(row[0]), row[1] if len(row) > 1 else "")
        for row in read_table("katakana_loanword_rules.tsv")
    )


def _unknown_word_romaji(word: str, katakana: bool) -> str:
    """Romaji of a kana word no table knows; a katakana word spelled like a loanword (ー, ッ,
    small vowels, ヴ) loses its epenthetic vowels: テノックス -> tenox, ソディック -> sodikk."""
    romaji = kana_to_romaji(word)
    if katakana and _LOANWORD_SPELLING_RE.search(word) is not None:
        for pattern, replacement in _loanword_rules():
            romaji = pattern.sub(replacement, romaji)
    return romaji


def _kana_run_words(run: str, katakana: bool) -> str:
    """Words of one kana run (in katakana; ``katakana``: written so), split at known words:
    loanwords as their English word (ファーマ -> pharma), letter names beside them as letters,
    the rest in romaji."""
    english = _english_words()
    pieces = split_at_terms(run, KATAKANA)
    if len(pieces) == 1:
        return " " + (english.get(run) or _unknown_word_romaji(run, katakana)) + " "
    # beside a known word, letter names are letters: キュービーネット -> qb net (QB Net)
    words = [
        _spell_letters(p) or english.get(p) or _unknown_word_romaji(p, katakana) for p in pieces
    ]
    return " " + " ".join(words) + " "


def _word_romaji(surface: str, reading: str) -> str:
    """Romaji of one word: Latin letters and digits as written, kana as written (katakana split
    at loanwords; a dictionary entry such as エイチ・ツー・オー　リテイリング keeps its spaces),
    kanji by the dictionary reading (unidecode where the dictionary has none); words of
    data/japanese_words.tsv as their English form (倉庫 -> warehouse)."""
    if surface.isascii():
        return surface
    english = _english_words().get(surface)
    if english is not None:
        return english
    if _HAN_RE.search(surface) is None:
        text = _to_katakana(surface)
        katakana = text == surface
        return _KATAKANA_RUN_RE.sub(lambda m: _kana_run_words(m.group(), katakana), text)
    if reading and _KATAKANA_RUN_RE.fullmatch(reading):
        return kana_to_romaji(reading)
    return unidecode(surface)


def romanize_japanese(text: str) -> str:
    """Romaji and English words of a cleaned (NFKC, casefolded) Japanese name, separated by
    spaces; particles (の, と) are dropped, (株)-style marks are read as the full legal form,
    katakana letter names as the letters they spell (アイ・エス・ビー -> isb)."""
    text = _MARK_RE.sub(lambda m: f" {_MARKS[m.group(1)]} ", text)
    text = _KATAKANA_SEQUENCE_RE.sub(_initialism, text)
    words: list[str] = []
    for morpheme in _tokenizer().tokenize(text):
        surface = morpheme.surface()
        if morpheme.part_of_speech()[0] in _SKIPPED_POS:
            words.append(surface if surface.isascii() else " ")  # "&", "." go to the tokenizer
        else:
            words.append(_word_romaji(surface, morpheme.reading_form()))
    return " ".join(words)
