"""The entity universe: companies with a country, role, name parts, address, tax ids, twins."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from resolver.synth import ids
from resolver.synth.addresses import make_address, make_postcode
from resolver.synth.names import brand_list
from resolver.synth.romanize import romanize
from resolver.synth.vocab import (
    Country,
    Weighted,
    ch,
    cn_words,
    countries,
    latin_words,
    ri,
    rr,
    ru_persons,
    ru_words,
)

# (country, kind, weight): who takes part in the trade. Intermediaries are third-country
# companies that buy from manufacturers and re-export to Russia.
MIX: list[tuple[tuple[str, str], float]] = [
    (("RU", "buyer"), 26),
    (("CN", "manufacturer"), 12),
    (("CN", "trader"), 7),
    (("HK", "intermediary"), 8),
    (("TW", "manufacturer"), 6),
    (("DE", "manufacturer"), 4.5),
    (("IT", "manufacturer"), 1.5),
    (("US", "manufacturer"), 1.5),
    (("IN", "manufacturer"), 1.5),
    (("TR", "intermediary"), 6),
    (("TR", "buyer"), 1),
    (("AE", "intermediary"), 6),
    (("KZ", "intermediary"), 4),
    (("KZ", "buyer"), 1),
    (("AM", "intermediary"), 3),
    (("KG", "intermediary"), 2),
    (("UZ", "intermediary"), 1),
    (("UZ", "buyer"), 0.5),
    (("RS", "intermediary"), 1.5),
    (("RU", "forwarder"), 1.5),
    (("CN", "forwarder"), 1),
    (("HK", "forwarder"), 0.5),
    (("TR", "forwarder"), 0.5),
    (("AE", "forwarder"), 0.5),
    (("KZ", "forwarder"), 0.5),
]
_MIX = Weighted(MIX)
# The first entities cover every role so that even tiny universes can trade.
_SEED_CLASSES = (
    ("RU", "buyer"),
    ("CN", "manufacturer"),
    ("HK", "intermediary"),
    ("TW", "manufacturer"),
    ("RU", "buyer"),
    ("TR", "intermediary"),
    ("DE", "manufacturer"),
    ("AE", "intermediary"),
    ("KZ", "intermediary"),
    ("RU", "forwarder"),
)
# Registries that refuse a name already taken: no exact namesakes there.
UNIQUE_NAME_REGISTRIES = ("HK", "TW")
INTERMEDIARY_COUNTRIES = ("HK", "AE", "TR", "KZ", "AM", "KG", "RS", "UZ")
_CROSS = Weighted(
    [("HK", 25), ("AE", 25), ("TR", 18), ("KZ", 12), ("AM", 8), ("KG", 6), ("RS", 3), ("UZ", 3)]
)
# Sector mix of manufacturers per country.
_SECTORS = {
    "CN": Weighted(
        [
            ("electronics", 35),
            ("machinery", 30),
            ("computers", 15),
            ("aviation", 6),
            ("general", 14),
        ]
    ),
    "TW": Weighted([("machinery", 55), ("electronics", 35), ("computers", 10)]),
    "DE": Weighted([("machinery", 70), ("electronics", 25), ("aviation", 5)]),
    "IT": Weighted([("machinery", 85), ("electronics", 15)]),
    "US": Weighted([("electronics", 45), ("computers", 30), ("aviation", 15), ("machinery", 10)]),
    "IN": Weighted([("machinery", 60), ("electronics", 25), ("computers", 15)]),
}
_CYR_TAILS = (
    "",
    "-Трейд",
    " Трейдинг",
    " Трейдинг Групп",
    " Групп",
    "-М",
    " Плюс",
    "-Импорт",
    "-Техно",
    "-Сервис",
    " Холдинг",
)
_BRANDS = brand_list()
_BRAND_BY_KIND: dict[str, list[int]] = {}
for _i, _b in enumerate(_BRANDS):
    _BRAND_BY_KIND.setdefault(_b[2], []).append(_i)


@dataclass(slots=True)
class Entity:
    """One real-world company (or sole trader): the unit that party mentions resolve to."""

    idx: int
    country: str
    kind: str
    sector: str
    lf: int
    city: int
    name: tuple
    addr: tuple
    postcode: str
    tax: str
    tax2: str
    family: int = -1
    addr2: tuple | None = None

    @property
    def entity_id(self) -> str:
        """Stable string id of the entity."""
        return f"E{self.idx:07d}"


def _pick_sector(items: list, sector: str | None, rng: Random, key=lambda x: x[1]) -> int:
    """Index of an item, preferring the wanted sector."""
    if sector and rng.random() < 0.8:
        idx = [i for i, it in enumerate(items) if key(it) == sector]
        if idx:
            return ch(rng, idx)
    return rr(rng, len(items))


def _sector_of(*sectors: str) -> str:
    for s in sectors:
        if s != "general":
            return s
    return "general"


def _brand(rng: Random, sector: str | None) -> tuple[tuple, str]:
    lead = ch(rng, _BRAND_BY_KIND["lead"])
    words = [lead]
    if rng.random() < 0.7:
        pool = _BRAND_BY_KIND["word"]
        words.append(
            pool[_pick_sector([_BRANDS[i] for i in pool], sector, rng, key=lambda x: x[3])]
        )
    if len(words) == 1 or rng.random() < 0.65:
        pool = _BRAND_BY_KIND["tail"]
        words.append(
            pool[_pick_sector([_BRANDS[i] for i in pool], sector, rng, key=lambda x: x[3])]
        )
    return ("brand", tuple(words)), _sector_of(*(_BRANDS[i][3] for i in words))


def _name_cyr(c: Country, rng: Random, sector: str | None) -> tuple[tuple, str]:
    """Russian-language company names (Russia, Kazakhstan, Kyrgyzstan)."""
    w = ru_words()
    stems = w["stem"]
    if c.iso2 == "KZ" and rng.random() < 0.4:
        stems = w["stem_kz"]
    elif c.iso2 == "KG" and rng.random() < 0.4:
        stems = w["stem_kg"]
    r = rng.random()
    if sector == "logistics":
        stem = ch(rng, stems)
        tail = ch(rng, ("-Логистик", " Транс", "-Экспедиция", " Карго", "ТрансСервис"))
        return ("cyr", stem[0], tail), "logistics"
    if r < 0.22:
        return _brand(rng, sector)
    if r < 0.5:
        stem = ch(rng, stems)
        tail = ch(rng, w["tail"]) if rng.random() < 0.25 else ("", "general")
        return (
            "cyr",
            stem[0],
            tail[0] if tail[0].startswith("-") or not tail[0] else " " + tail[0],
        ), stem[1]
    if r < 0.72:
        pre = w["prefix"][_pick_sector(w["prefix"], sector, rng)]
        suf = w["suffix"][_pick_sector(w["suffix"], sector, rng)]
        if pre[0].lower().endswith(suf[0][:3]):
            suf = ("снаб", "general")
        body = pre[0] + (suf[0].capitalize() if rng.random() < 0.2 else suf[0])
        tail = ch(rng, w["tail"])[0] if rng.random() < 0.15 else ""
        if tail and not tail.startswith("-"):
            tail = " " + tail
        return ("cyr", body, tail), _sector_of(pre[1], suf[1])
    if r < 0.85:
        stem = ch(rng, stems)
        pre = ch(rng, w["prefix"])
        return ("cyr", stem[0], "-" + pre[0]), _sector_of(stem[1], pre[1])
    if r < 0.93:
        stem = ch(rng, stems)
        return ("cyr", "Торговый дом " + stem[0], ""), stem[1]
    stem = ch(rng, stems)
    return ("cyr", ch(rng, ("НПО ", "НПП ", "НПФ ")) + stem[0], ""), _sector_of(
        stem[1], "electronics"
    )


def _name_zh(c: Country, rng: Random, sector: str | None) -> tuple[tuple, str]:
    """Chinese names: trade name + industry word (+ city for mainland companies)."""
    words = cn_words()
    ind = _pick_sector(words["industry"], sector, rng, key=lambda x: x.sector)
    trade = rr(rng, len(words["trade"]))
    s = words["industry"][ind].sector
    if c.iso2 == "CN":
        return ("cn", trade, ind, rng.random() < 0.85), s
    if c.iso2 == "TW":
        return ("tw", trade, ind), s
    if rng.random() < 0.45:
        return ("hk", -1, ind, ch(rng, latin_words()["EN"]["stems"])), s
    return ("hk", trade, ind, ""), s


def _name_lat(c: Country, rng: Random, sector: str | None) -> tuple[tuple, str]:
    """Latin-script names: stem + industry word in the country's language."""
    lw = latin_words()[c.iso2]
    stems, inds = lw["stems"], lw["industry"]
    ind = inds[_pick_sector(inds, sector, rng)]
    stem = ch(rng, stems)
    if c.iso2 == "TR" and rng.random() < 0.15:
        stem = f"{stem} {ch(rng, stems)}"
    elif c.iso2 == "DE":
        r = rng.random()
        if r < 0.15:
            return ("lat", stem, ch(rng, lw["joins"])), "machinery"
        if r < 0.25:
            return ("lat", f"{stem} & {ch(rng, stems)}", ""), "machinery"
        if r < 0.32:
            acr = "".join(ch(rng, "ABCDEFGHKLMNPRSTW") for _ in range(ri(rng, 2, 4)))
            return ("lat", acr, ind[0]), ind[1]
    elif c.iso2 == "IT" and rng.random() < 0.4:
        return ("lat", ind[0], stem), ind[1]
    tag = "rs" if c.iso2 == "RS" else "lat"
    if c.iso2 == "RS" and rng.random() < 0.3:
        return (tag, stem, ""), "general"
    return (tag, stem, ind[0]), ind[1]


def _name_ae(rng: Random, sector: str | None) -> tuple[tuple, str]:
    lw = latin_words()
    inds = lw["AE"]["industry"]
    ind = _pick_sector(inds, sector, rng)
    if rng.random() < 0.25:
        return ("lat", ch(rng, lw["EN"]["stems"]), inds[ind][0]), inds[ind][1]
    return ("ae", rr(rng, len(lw["AE"]["names"])), ind), inds[ind][1]


def _name_am(rng: Random, sector: str | None) -> tuple[tuple, str]:
    lw = latin_words()["AM"]
    word = _pick_sector(lw["words"], sector, rng, key=lambda x: x[3]) if rng.random() < 0.8 else -1
    return ("am", rr(rng, len(lw["stems"])), word), lw["words"][word][3] if word >= 0 else "general"


def _name_uz(rng: Random, sector: str | None) -> tuple[tuple, str]:
    lw = latin_words()["UZ"]
    word = _pick_sector(lw["words"], sector, rng, key=lambda x: x[2])
    return ("uz", rr(rng, len(lw["stems"])), word), lw["words"][word][2]


def make_name(c: Country, kind: str, rng: Random) -> tuple[tuple, str]:
    """Name parts and sector for a new company of country ``c`` and role ``kind``."""
    sector = _SECTORS[c.iso2].pick(rng) if c.iso2 in _SECTORS and kind == "manufacturer" else None
    if kind == "forwarder":
        sector = "logistics"
    style = c.style
    if style == "cyr":
        return _name_cyr(c, rng, sector)
    if style == "zh":
        return _name_zh(c, rng, sector)
    if style == "ae":
        return _name_ae(rng, sector)
    if style == "am":
        return _name_am(rng, sector)
    if style == "uz":
        return _name_uz(rng, sector)
    return _name_lat(c, rng, sector)


def make_tax(c: Country, city_i: int, rng: Random, person: bool = False) -> tuple[str, str]:
    """Primary tax/registration id and a secondary one (KPP, HRB, tax office) for a company."""
    city = c.cities[city_i]
    t = c.tax
    if t == "ru_inn":
        if person:
            return ids.ru_inn12(rng, city.extra["reg"]), ""
        inn = ids.ru_inn(rng, city.extra["reg"])
        return inn, ids.ru_kpp(inn)
    if t == "kz_bin":
        return ids.kz_bin(rng), ""
    if t == "kg_inn":
        return ids.kg_inn(rng), ""
    if t == "am_tin":
        return ids.am_tin(rng), ""
    if t == "uz_stir":
        return ids.uz_stir(rng), ""
    if t == "rs_pib":
        return ids.rs_pib(rng), f"MB {ri(rng, 10000000, 29999999)}"
    if t == "tr_vkn":
        d = city.extra.get("districts", [city.native])
        return ids.tr_vkn(rng), f"{ch(rng, d)} V.D."
    if t == "ae_trn":
        return ids.ae_trn(rng), ""
    if t == "cn_uscc":
        return ids.cn_uscc(rng, city.extra["admin"]), ""
    if t == "hk_br":
        return ids.hk_br(rng), ""
    if t == "tw_ubn":
        return ids.tw_ubn(rng), ""
    if t == "de_vat":
        return ids.de_vat(rng), f"Amtsgericht {city.extra['court']} {ids.de_hrb(rng)}"
    if t == "it_piva":
        return ids.it_piva(rng), ""
    if t == "in_gstin":
        return ids.in_gstin(rng, city.extra["state"]), ""
    if t == "us_ein":
        return ids.us_ein(rng), ""
    raise ValueError(f"unknown tax kind {t}")


def _lf_index(c: Country, key: str) -> int:
    for i, lf in enumerate(c.legal_forms):
        if lf.key == key:
            return i
    raise KeyError(key)


def new_entity(
    idx: int,
    iso2: str,
    kind: str,
    rng: Random,
    name: tuple | None = None,
    sector: str = "general",
    avoid_city: int = -1,
) -> Entity:
    """A new entity with a fresh city, address, postcode and tax ids (name given or generated)."""
    c = countries()[iso2]
    person = False
    if name is None:
        if iso2 == "RU" and kind == "buyer" and rng.random() < 0.03:
            p = ru_persons()
            name = ("person", ch(rng, p["surname"]), ch(rng, p["given"]), ch(rng, p["patronymic"]))
            person = True
        else:
            name, sector = make_name(c, kind, rng)
    lf = _lf_index(c, "IP") if person or name[0] == "person" else c.lf_pick.pick(rng)
    city = c.city_pick.pick(rng)
    for _ in range(6):
        if city != avoid_city or len(c.cities) == 1:
            break
        city = c.city_pick.pick(rng)
    tax, tax2 = make_tax(c, city, rng, person=name[0] == "person")
    addr = make_address(c, city, rng)
    addr2 = make_address(c, city, rng) if rng.random() < 0.12 else None
    return Entity(
        idx,
        iso2,
        kind,
        sector,
        lf,
        city,
        name,
        addr,
        make_postcode(c, c.cities[city], rng),
        tax,
        tax2,
        -1,
        addr2,
    )


def latin_core(e: Entity) -> str:
    """A Latin-script core name of the entity (for twins in third countries)."""
    n = e.name
    if n[0] == "cyr":
        return romanize(n[1] + n[2], "bgn")
    if n[0] == "brand":
        return " ".join(_BRANDS[i][0] for i in n[1])
    if n[0] in ("lat", "rs"):
        return n[1]
    if n[0] in ("cn", "tw", "hk"):
        if n[0] == "hk" and n[3]:
            return n[3]
        w = cn_words()["trade"][n[1]]
        parts = w.wg if n[0] == "tw" else (w.canto if n[0] == "hk" else w.pinyin)
        return (
            parts[0].capitalize() + "".join(parts[1:])
            if n[0] == "cn"
            else " ".join(p.capitalize() for p in parts)
        )
    if n[0] == "ae":
        return latin_words()["AE"]["names"][n[1]][0]
    if n[0] == "am":
        return latin_words()["AM"]["stems"][n[1]][0]
    if n[0] == "uz":
        return latin_words()["UZ"]["stems"][n[1]][0].replace("ʻ", "'")
    return "Alfa"


def _extended(base: Entity, rng: Random) -> tuple:
    """A name sharing the base's core with a different suffix or industry word."""
    n = base.name
    tag = n[0]
    if tag == "cyr":
        tails = [t for t in _CYR_TAILS if t != n[2]]
        return ("cyr", n[1], ch(rng, tails))
    if tag == "brand":
        words = list(n[1])
        tails = [i for i in _BRAND_BY_KIND["tail"] if i not in words]
        if len(words) > 1 and rng.random() < 0.6:
            words[-1] = ch(rng, tails)
        else:
            words.append(ch(rng, tails))
        return ("brand", tuple(words))
    if tag in ("cn", "tw", "hk"):
        inds = cn_words()["industry"]
        ind = ch(rng, [i for i in range(len(inds)) if i != n[2]])
        return (tag, n[1], ind, *n[3:])
    if tag in ("lat", "rs"):
        c = countries()[base.country]
        key = c.iso2 if "industry" in latin_words().get(c.iso2, {}) else "EN"
        inds = [x[0] for x in latin_words()[key]["industry"] if x[0] != n[2]]
        return (tag, n[1], ch(rng, inds))
    if tag == "ae":
        return (
            "ae",
            n[1],
            ch(rng, [i for i in range(len(latin_words()["AE"]["industry"])) if i != n[2]]),
        )
    if tag in ("am", "uz"):
        words = latin_words()[tag.upper()]["words"]
        return (tag, n[1], ch(rng, [i for i in range(len(words)) if i != n[2]]))
    return n


def _cross_name(base: Entity, iso2: str, rng: Random) -> tuple:
    """The base's name as registered by a company in another country."""
    n = base.name
    c = countries()[iso2]
    if c.style == "cyr" and n[0] in ("cyr", "brand"):
        return n
    core = latin_core(base)
    if iso2 == "HK":
        inds = cn_words()["industry"]
        return ("hk", -1, _pick_sector(inds, base.sector, rng, key=lambda x: x.sector), core)
    if iso2 == "AE":
        return ("lat", core, ch(rng, latin_words()["AE"]["industry"])[0])
    if iso2 in ("TR", "RS"):
        rest = ch(rng, latin_words()[iso2]["industry"])[0] if rng.random() < 0.8 else ""
        return ("rs" if iso2 == "RS" else "lat", core, rest)
    if iso2 in ("TW", "CN"):
        if n[0] == "brand" and len(n[1]) > 1:
            lead = " ".join(_BRANDS[i][0] for i in n[1][:-1])
            tails = [
                _BRANDS[i][0]
                for i in _BRAND_BY_KIND["tail"] + _BRAND_BY_KIND["word"]
                if i not in n[1]
            ]
            return ("lat", lead, ch(rng, tails))
        return ("lat", core, ch(rng, cn_words()["industry"]).english)
    return ("lat", core, ch(rng, ("Trade", "Group", "Trading", "", "Logistics")))


def make_twin(base: Entity, idx: int, rng: Random) -> Entity:
    """A different entity whose name nearly matches ``base`` (hard negative)."""
    r = rng.random()
    tag = base.name[0]
    if tag == "person":
        p = ru_persons()
        name = ("person", base.name[1], ch(rng, p["given"]), ch(rng, p["patronymic"]))
        return new_entity(idx, base.country, base.kind, rng, name, base.sector)
    if r < 0.3 and base.country not in UNIQUE_NAME_REGISTRIES:
        return new_entity(idx, base.country, base.kind, rng, base.name, base.sector, base.city)
    if r < 0.6:
        return new_entity(idx, base.country, base.kind, rng, _extended(base, rng), base.sector)
    if tag == "brand" and rng.random() < 0.5:
        iso2 = ch(rng, ("TW", "TW", "CN", "DE"))
        if iso2 == "DE":
            lead = " ".join(_BRANDS[i][0] for i in base.name[1][:1])
            name = ("lat", lead, ch(rng, latin_words()["DE"]["industry"])[0])
        else:
            name = _cross_name(base, iso2, rng)
        return new_entity(idx, iso2, "manufacturer", rng, name, base.sector)
    if tag in ("cn", "tw"):
        return new_entity(idx, "HK", "intermediary", rng, _cross_name(base, "HK", rng), base.sector)
    iso2 = _CROSS.pick(rng)
    if iso2 == base.country:
        iso2 = "RU" if base.country != "RU" else "HK"
    kind = "buyer" if iso2 == "RU" else "intermediary"
    if iso2 == "RU" and tag not in ("cyr", "brand"):
        return new_entity(idx, base.country, base.kind, rng, _extended(base, rng), base.sector)
    return new_entity(idx, iso2, kind, rng, _cross_name(base, iso2, rng), base.sector)


def build_universe(n: int, rng: Random, twin_rate: float = 0.12) -> tuple[list[Entity], int]:
    """``n`` entities; about ``twin_rate`` of them are near-twins of earlier ones."""
    out: list[Entity] = []
    families = 0
    for i in range(n):
        if i < len(_SEED_CLASSES):
            e = new_entity(i, *_SEED_CLASSES[i], rng)
        elif i >= 10 and rng.random() < twin_rate:
            base = out[rr(rng, i)]
            e = make_twin(base, i, rng)
            if base.family < 0:
                base.family = families
                families += 1
            e.family = base.family
        else:
            iso2, kind = _MIX.pick(rng)
            e = new_entity(i, iso2, kind, rng)
        out.append(e)
    return out, families
