"""One party mention of an entity: name, address, city, postcode, country and tax id with noise."""

from __future__ import annotations

from random import Random

from resolver.synth.addresses import render_address
from resolver.synth.companies import Entity
from resolver.synth.names import pick_standard, render_name
from resolver.synth.noise import homoglyphs, mangle, truncate
from resolver.synth.romanize import fold_ascii, fold_german, romanize, serbian_to_cyrillic
from resolver.synth.vocab import City, Country, countries

Mention = tuple[str, str, str, str, str, str]

# Probability that a party is written in its own non-Latin script, per country.
NATIVE_P = {
    "RU": 0.42,
    "KZ": 0.38,
    "KG": 0.38,
    "AM": 0.12,
    "UZ": 0.15,
    "RS": 0.2,
    "CN": 0.2,
    "TW": 0.16,
    "HK": 0.08,
    "AE": 0.02,
}
# Probability that a tax id is filled in, per country.
TAX_P = {"RU": 0.5, "KZ": 0.45, "KG": 0.4, "CN": 0.4, "TR": 0.4, "DE": 0.3, "AE": 0.35, "UZ": 0.4}
_THETA, _DISCOUNT, _CAP = 0.8, 0.4, 48
_COUNTRIES = countries()


def city_text(c: Country, city: City, native: bool, std: str, rng: Random) -> str:
    """The city as written in one mention."""
    style = c.style
    r = rng.random()
    if style == "cyr":
        if native:
            return city.native if r < 0.9 else f"г. {city.native}"
        if r < 0.5:
            return city.en
        if r < 0.8 or not city.alt:
            return romanize(city.native, std)
        return romanize(city.alt[int(rng.random() * len(city.alt))], std)
    if native:
        if style == "zh":
            if c.iso2 == "CN":
                return city.native + ("市" if r < 0.5 else "")
            return city.native if r < 0.6 else city.extra.get("simp", city.native)
        if style == "am":
            return city.extra.get("cyr", city.native) if r < 0.6 else city.native
        if style == "uz":
            return city.extra.get("cyr", city.native)
        if style == "rs":
            return serbian_to_cyrillic(city.native)
        if style == "ae" and "ar" in city.extra:
            return city.extra["ar"]
    if r < 0.55:
        text = city.native if style in ("tr", "de", "rs", "uz") or c.iso2 in ("IT",) else city.en
    elif r < 0.8 or not city.alt:
        text = city.en
    else:
        text = city.alt[int(rng.random() * len(city.alt))]
    if style == "tr" and rng.random() < 0.35:
        return fold_ascii(text)
    if style == "de" and rng.random() < 0.2:
        return fold_german(text)
    if style == "rs" and rng.random() < 0.3:
        return fold_ascii(text)
    return text


def postcode_text(c: Country, pc: str, rng: Random) -> str:
    """The postcode as written (local formats, P.O. boxes, placeholder codes)."""
    iso = c.iso2
    r = rng.random()
    if iso == "AE":
        if r < 0.5:
            return f"{('P.O. Box', 'PO BOX', 'P.O.Box', 'POB')[int(rng.random() * 4)]} {int(rng.random() * 390000) + 1000}"
        return "00000" if r < 0.8 else "0000"
    if iso == "HK":
        return "000000" if r < 0.6 else "999077"
    if not pc:
        return ""
    if iso == "DE" and r < 0.06:
        return f"D-{pc}"
    if iso == "US" and r < 0.15:
        return f"{pc}-{int(rng.random() * 9000) + 1000}"
    if iso == "IN" and r < 0.12:
        return f"{pc[:3]} {pc[3:]}"
    if iso == "TW" and r < 0.3:
        return pc + f"{int(rng.random() * 100):02d}"
    if iso in ("RU", "KZ") and r < 0.03:
        return pc[:3] + " " + pc[3:]
    return pc


def tax_text(e: Entity, native: bool, rng: Random) -> str:
    """The tax or registration number as written, with labels the country uses."""
    t, t2 = e.tax, e.tax2
    iso = e.country
    r = rng.random()
    if r < 0.01 and len(t) > 5:
        i = int(rng.random() * (len(t) - 2)) + 1
        t = t[:i] + t[i + 1] + t[i] + t[i + 2 :]
    r = rng.random()
    if iso == "RU":
        if r < 0.55:
            return t
        if r < 0.7:
            return f"INN {t}"
        if r < 0.8:
            return f"ИНН {t}" if native or r < 0.75 else f"INN: {t}"
        if t2 and r < 0.92:
            return f"{t}/{t2}" if r < 0.86 else f"INN/KPP {t}/{t2}"
        return f"ИНН/КПП {t}/{t2}" if t2 else t
    if iso == "KZ":
        return t if r < 0.6 else (f"BIN {t}" if r < 0.85 else f"БИН {t}")
    if iso == "KG":
        return t if r < 0.6 else (f"INN {t}" if r < 0.85 else f"ИНН {t}")
    if iso == "UZ":
        return t if r < 0.6 else (f"STIR {t}" if r < 0.8 else f"INN {t}")
    if iso == "AM":
        return t if r < 0.6 else (f"TIN {t}" if r < 0.85 else f"ՀՎՀՀ {t}")
    if iso == "TR":
        if r < 0.55:
            return t
        if r < 0.8:
            return f"VKN: {t}" if r < 0.7 else f"Tax No: {t}"
        return f"{t2} {t}"
    if iso == "DE":
        if r < 0.55:
            return t
        if r < 0.7:
            return f"USt-IdNr. {t}"
        if r < 0.8:
            return f"DE {t[2:5]} {t[5:8]} {t[8:]}"
        return t2 if r < 0.93 else t2.split("Amtsgericht ")[-1].split(" ", 1)[-1]
    if iso == "CN":
        return t if r < 0.8 else (f"USCC: {t}" if r < 0.9 else f"统一社会信用代码 {t}")
    if iso == "TW":
        return t if r < 0.6 else (f"UBN {t}" if r < 0.85 else f"統一編號 {t}")
    if iso == "HK":
        return t if r < 0.5 else f"BR No. {t}"
    if iso == "AE":
        return t if r < 0.6 else f"TRN {t}" if r < 0.9 else f"TRN: {t}"
    if iso == "IT":
        return t if r < 0.6 else f"P.IVA {t[2:]}"
    if iso == "RS":
        return t if r < 0.6 else f"PIB {t}" if r < 0.9 else f"ПИБ {t}"
    if iso == "IN":
        return t if r < 0.8 else f"GSTIN: {t}"
    if iso == "US":
        return t if r < 0.7 else f"EIN {t}"
    return t


def fresh_mention(e: Entity, native: bool, upper: bool, rng: Random) -> Mention:
    """A newly drawn mention of entity ``e`` (all fields, noise applied)."""
    c = _COUNTRIES[e.country]
    city = c.cities[e.city]
    std = pick_standard(e, rng)
    turkish = c.style == "tr"
    name = mangle(render_name(e, native, rng, std), rng, upper, turkish)
    r = rng.random()
    if r < 0.012:
        name = homoglyphs(name, rng)
    elif r < 0.05 and len(name) > 35:
        name = truncate(name)
    r = rng.random()
    in_city = False
    if r < 0.12:
        address = ""
    else:
        a = e.addr2 if e.addr2 is not None and rng.random() < 0.35 else e.addr
        address, in_city = render_address(c, city, a, e.postcode, native, std, rng)
        if r < 0.2:
            address = address.split(", ")[0]
        address = (
            mangle(address, rng, upper, turkish)
            if rng.random() < 0.5
            else (address.upper() if upper else address)
        )
    r = rng.random()
    if r < (0.45 if in_city else 0.1):
        city_s = ""
    else:
        city_s = city_text(c, city, native, std, rng)
        if upper:
            city_s = city_s.upper()
    postcode = "" if rng.random() < 0.4 else postcode_text(c, e.postcode, rng)
    country = "" if rng.random() < 0.04 else c.names.pick(rng)
    if upper:
        country = country.upper()
    tax = tax_text(e, native, rng) if rng.random() < TAX_P.get(e.country, 0.3) else ""
    return (name, address, city_s, postcode, country, tax)


class MentionMaker:
    """Draws mentions; repeated entities reuse earlier spellings (Pitman-Yor), as real data does.

    ``remaining`` holds each entity's number of mentions still to come; an entity's pool of
    spellings is dropped after its last mention, which bounds memory.
    """

    def __init__(self, remaining: list[int]):
        self.remaining = remaining
        # key -> (spellings, use counts, history of spelling indices, [mentions, distinct])
        self.pools: dict[int, tuple[list[Mention], list[int], list[int], list[int]]] = {}

    def mention(self, e: Entity, native: bool, upper: bool, rng: Random) -> Mention:
        """One mention of ``e``; repeated spellings for entities with several mentions."""
        left = self.remaining[e.idx] - 1
        self.remaining[e.idx] = left
        key = e.idx * 2 + native
        pool = self.pools.get(key)
        if pool is None:
            if not left:
                return fresh_mention(e, native, upper, rng)
            pool = ([], [], [], [0, 0])
            self.pools[key] = pool
        elif not left:
            del self.pools[key]
            self.pools.pop(key ^ 1, None)
        variants, counts, history, stat = pool
        n, k = stat
        stat[0] = n + 1
        random = rng.random
        if k == 0 or random() * (n + _THETA) < _THETA + _DISCOUNT * k:
            m = fresh_mention(e, native, upper, rng)
            stat[1] = k + 1
            if len(variants) < _CAP:
                history.append(len(variants))
                variants.append(m)
                counts.append(1)
            return m
        # P(i) ~ counts[i] - discount: draw a past use uniformly, accept with (c - d) / c.
        while True:
            i = history[int(random() * len(history))]
            if random() * counts[i] >= _DISCOUNT:
                break
        counts[i] += 1
        history.append(i)
        m = variants[i]
        if upper and not m[0].isupper() and random() < 0.5:
            return tuple(s.upper() for s in m)  # type: ignore[return-value]
        return m
