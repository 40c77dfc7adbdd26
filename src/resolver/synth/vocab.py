"""Vocabularies loaded from the data files beside this module (countries, words, streets, HS codes)."""

from __future__ import annotations

import csv
import json
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Any, Generic, TypeVar

DATA_DIR = Path(__file__).parent / "data"
T = TypeVar("T")


def ch(rng: Random, seq: Sequence[T]) -> T:
    """A uniformly chosen element (faster than Random.choice, same determinism)."""
    return seq[int(rng.random() * len(seq))]


def rr(rng: Random, n: int) -> int:
    """A uniform integer in [0, n)."""
    return int(rng.random() * n)


def ri(rng: Random, a: int, b: int) -> int:
    """A uniform integer in [a, b]."""
    return a + int(rng.random() * (b - a + 1))


class Weighted(Generic[T]):
    """Items with weights; ``pick`` draws one with a given Random in O(log n)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: list[tuple[T, float]] | list[list[Any]]):
        if not pairs:
            raise ValueError("Weighted needs at least one item")
        self.items: list[T] = [p[0] for p in pairs]
        self.cum = list(accumulate(float(p[1]) for p in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: Random) -> T:
        """One item drawn with probability proportional to its weight."""
        return self.items[bisect(self.cum, rng.random() * self.total)]

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class LegalForm:
    """One legal form of a country with its renderings."""

    key: str
    weight: float
    native: Weighted[str]
    english: Weighted[str] | None
    latin: Weighted[str] | None
    cyr: Weighted[str] | None
    native_pos: str
    english_pos: str
    list_name: str
    native_short: str


@dataclass(frozen=True)
class City:
    """A city: native name, English name, other spellings, postcode prefixes, extra codes."""

    native: str
    en: str
    alt: tuple[str, ...]
    weight: float
    pc: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Country:
    """A country's conventions for party records."""

    iso2: str
    iso3: str
    name: str
    style: str
    names: Weighted[str]
    legal_forms: tuple[LegalForm, ...]
    lf_pick: Weighted[int]
    cities: tuple[City, ...]
    city_pick: Weighted[int]
    pc_len: int
    tax: str


def _weighted(raw: list | None) -> Weighted[str] | None:
    return Weighted(raw) if raw else None


@cache
def countries() -> dict[str, Country]:
    """All countries of the generator keyed by ISO2 code."""
    raw = json.loads((DATA_DIR / "countries.json").read_text(encoding="utf-8"))
    out: dict[str, Country] = {}
    for iso2, c in raw.items():
        if iso2.startswith("_"):
            continue
        lfs = tuple(
            LegalForm(
                key=lf["key"],
                weight=lf["w"],
                native=Weighted(lf["native"]),
                english=_weighted(lf.get("english")),
                latin=_weighted(lf.get("latin")),
                cyr=_weighted(lf.get("cyr")),
                native_pos=lf["native_pos"],
                english_pos=lf["english_pos"],
                list_name=lf["list"],
                native_short=lf["native"][0][0],
            )
            for lf in c["legal_forms"]
        )
        cities = tuple(
            City(
                native=ct["n"],
                en=ct["en"],
                alt=tuple(ct.get("alt", ())),
                weight=ct["w"],
                pc=tuple(ct.get("pc", ())),
                extra={k: v for k, v in ct.items() if k not in ("n", "en", "alt", "w", "pc")},
            )
            for ct in c["cities"]
        )
        out[iso2] = Country(
            iso2=iso2,
            iso3=c["iso3"],
            name=c["name"],
            style=c["style"],
            names=Weighted(c["names"]),
            legal_forms=lfs,
            lf_pick=Weighted([(i, lf.weight) for i, lf in enumerate(lfs) if lf.weight > 0]),
            cities=cities,
            city_pick=Weighted([(i, ct.weight) for i, ct in enumerate(cities)]),
            pc_len=c["pc_len"],
            tax=c["tax"],
        )
    return out


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def ru_words() -> dict[str, list[tuple[str, str]]]:
    """Russian name parts by kind (stem, prefix, suffix, tail) as (word, sector)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in _csv("ru_words.csv"):
        out.setdefault(row["kind"], []).append((row["word"], row["sector"]))
    return out


@cache
def brand_words() -> dict[str, list[tuple[str, str, str]]]:
    """English brand words with their Cyrillic transcription by kind, as (en, cyr, sector)."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for row in _csv("brand_words.csv"):
        out.setdefault(row["kind"], []).append((row["en"], row["cyr"], row["sector"]))
    return out


@cache
def ru_persons() -> dict[str, list[str]]:
    """Russian surnames, given names and patronymics."""
    out: dict[str, list[str]] = {}
    for row in _csv("ru_persons.csv"):
        out.setdefault(row["kind"], []).append(row["word"])
    return out


@dataclass(frozen=True)
class CnWord:
    """A Chinese name word in both character sets and three romanizations."""

    simp: str
    trad: str
    pinyin: tuple[str, ...]
    wg: tuple[str, ...]
    canto: tuple[str, ...]
    english: str
    sector: str


@cache
def cn_words() -> dict[str, list[CnWord]]:
    """Chinese trade-name words ('trade') and industry words ('industry')."""
    out: dict[str, list[CnWord]] = {}
    for r in _csv("cn_words.csv"):
        w = CnWord(
            r["simp"],
            r["trad"],
            tuple(r["pinyin"].split()),
            tuple(r["wg"].split()),
            tuple(r["canto"].split()),
            r["english"],
            r["sector"],
        )
        out.setdefault(r["kind"], []).append(w)
    return out


@cache
def latin_words() -> dict[str, Any]:
    """Name vocabularies of Latin-script countries (and AE/AM/UZ/RS renderings)."""
    return json.loads((DATA_DIR / "latin_words.json").read_text(encoding="utf-8"))


@cache
def streets() -> dict[str, Any]:
    """Street and address vocabularies per country."""
    return json.loads((DATA_DIR / "streets.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class HsCode:
    """An HS subheading with a plausible unit-value and quantity range."""

    code: str
    description: str
    sector: str
    weight: float
    unit_min: float
    unit_max: float
    qty_min: int
    qty_max: int


@cache
def hs_codes() -> list[HsCode]:
    """HS codes used for shipments."""
    return _hs_table("hs_codes.csv")


@cache
def consumer_codes() -> list[HsCode]:
    """Consumer goods (furniture, clothing, food) for shipments that are not of concern."""
    return _hs_table("hs_consumer.csv")


def _hs_table(name: str) -> list[HsCode]:
    return [
        HsCode(
            r["hs"],
            r["description"],
            r["sector"],
            float(r["weight"]),
            float(r["unit_usd_min"]),
            float(r["unit_usd_max"]),
            int(r["qty_min"]),
            int(r["qty_max"]),
        )
        for r in _csv(name)
    ]
