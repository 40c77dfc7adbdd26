"""Addresses per country: a compact per-entity record and its many written forms per mention."""

from __future__ import annotations

from random import Random

from resolver.synth.romanize import fold_ascii, fold_german, romanize, serbian_to_cyrillic
from resolver.synth.vocab import City, Country, ch, ri, rr, streets

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st..."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _house(rng: Random) -> int:
    """A house number skewed toward small values."""
    return min(int(rng.paretovariate(1.1)) + ri(rng, 0, 8), 350)


def make_address(c: Country, city_i: int, rng: Random) -> tuple:
    """A compact address record for one entity (ints index the street vocabularies)."""
    st = streets()
    style = c.style
    r = rng.random
    if style == "cyr":
        lst = st[c.iso2]
        return (
            "cyr",
            rr(rng, len(lst)),
            _house(rng),
            ri(rng, 1, 12) if r() < 0.4 else 0,
            ri(rng, 1, 5) if r() < 0.15 else 0,
            ri(rng, 1, 650) if r() < 0.55 else 0,
            ri(rng, 1, 12) if r() < 0.12 else 0,
            rr(rng, 12) if r() < 0.5 else -1,
        )
    if style == "am":
        return ("am", rr(rng, len(st["AM"])), _house(rng), ri(rng, 1, 120) if r() < 0.5 else 0)
    if style == "uz":
        return ("uz", rr(rng, len(st["UZ"])), _house(rng), ri(rng, 1, 90) if r() < 0.4 else 0)
    if style == "rs":
        return ("rs", rr(rng, len(st["RS"])), _house(rng))
    if style == "tr":
        t = st["TR"]
        districts = c.cities[city_i].extra.get("districts", [""])
        return (
            "tr",
            rr(rng, len(t["mahalle"])),
            rr(rng, len(t["streets"])),
            rng.choices(range(len(t["types"])), [x[3] for x in t["types"]])[0],
            _house(rng),
            ri(rng, 1, 40) if r() < 0.5 else 0,
            ri(rng, 1, 9) if r() < 0.3 else 0,
            rr(rng, len(districts)),
            ri(rng, 1, 30) if r() < 0.3 else 0,
        )
    if style == "de":
        return ("de", rr(rng, len(st["DE"])), _house(rng), ch(rng, "abc") if r() < 0.1 else "")
    if c.iso2 == "IT":
        return ("it", rr(rng, len(st["IT"])), _house(rng))
    if c.iso2 == "IN":
        return ("in", rr(rng, len(st["IN"])), ri(rng, 1, 400), rr(rng, 4))
    if c.iso2 == "US":
        return (
            "us",
            ri(rng, 100, 19999),
            rr(rng, len(st["US"])),
            ri(rng, 100, 2400) if r() < 0.6 else 0,
        )
    if style == "ae":
        a = st["AE"]
        return (
            "ae",
            rng.choices((0, 1, 2), (55, 30, 15))[0],
            rr(rng, len(a["buildings"])),
            ri(rng, 101, 3905),
            rr(rng, len(a["roads"])),
            rr(rng, 64),
            rr(rng, 64),
            ri(rng, 1000, 399999),
            f"{ch(rng, 'ABSLT')}{ri(rng, 1, 9)}{ri(rng, 100, 999)}",
        )
    if c.iso2 == "CN":
        cn = st["CN"]
        return (
            "cn",
            rr(rng, len(c.cities[city_i].extra["districts"])),
            rr(rng, len(cn["road_stems"])),
            rng.choices(range(len(cn["road_types"])), [x[4] for x in cn["road_types"]])[0],
            _house(rng) + (ri(rng, 0, 300) if r() < 0.3 else 0),
            rr(rng, len(cn["parks"])) if r() < 0.6 else -1,
            ch(rng, "ABCDEFGH12345") if r() < 0.5 else "",
            ri(rng, 1, 28) * 100 + ri(rng, 1, 20) if r() < 0.7 else 0,
        )
    if c.iso2 == "TW":
        tw = st["TW"]
        return (
            "tw",
            rr(rng, len(c.cities[city_i].extra["districts"])),
            rr(rng, len(tw["roads"])),
            ri(rng, 1, 4) if r() < 0.5 else 0,
            ri(rng, 1, 600) if r() < 0.45 else 0,
            ri(rng, 1, 60) if r() < 0.15 else 0,
            _house(rng),
            ri(rng, 2, 15) if r() < 0.35 else 0,
        )
    if c.iso2 == "HK":
        hk = st["HK"]
        return (
            "hk",
            rr(rng, len(hk["districts"])),
            rr(rng, len(hk["buildings"])),
            rr(rng, len(hk["roads"])),
            ri(rng, 1, 300),
            ri(rng, 1, 38),
            ri(rng, 1, 28),
            ch(rng, "ABCDEFGH"),
        )
    raise ValueError(f"no address style for {c.iso2}")


def make_postcode(c: Country, city: City, rng: Random) -> str:
    """The entity's postcode in the country's format ('' where none is used)."""
    if not c.pc_len or not city.pc:
        return ""
    prefix = ch(rng, city.pc)
    k = c.pc_len - len(prefix)
    return prefix + str(int(rng.random() * 10**k)).zfill(k)


# --- rendering ----------------------------------------------------------------------------------


def _cyr_street(name: str, typ: str, order: str, rng: Random) -> str:
    """A Cyrillic street with its type keyword in front (ул. Ленина) or after (Садовая ул.)."""
    full, abbrs, _, _ = streets()["cyr_types"][typ]
    word = ch(rng, abbrs) if rng.random() < 0.75 else full
    if order == "adj" and rng.random() < 0.5:
        return f"{name} {word}"
    return f"{word} {name}"


def _cyr_native(c: Country, city: City, a: tuple, pc: str, rng: Random) -> tuple[str, bool]:
    """A Russian-style address in Cyrillic: ул. Ленина, д. 5, стр. 2, оф. 301."""
    st = streets()
    name, typ, order = st[c.iso2][a[1]]
    house = st["cyr_house"]
    parts = []
    in_city = rng.random() < 0.25
    if in_city:
        if pc and rng.random() < 0.6:
            parts.append(pc)
        parts.append(f"г. {city.native}" if rng.random() < 0.8 else city.native)
    districts = city.extra.get("districts")
    if districts and a[7] >= 0 and rng.random() < 0.15:
        parts.append(f"вн.тер.г. муниципальный округ {districts[a[7] % len(districts)]}")
    parts.append(_cyr_street(name, typ, order, rng))
    r = rng.random()
    if r < 0.6:
        parts.append(f"{house['house'][1]} {a[2]}" if rng.random() < 0.8 else f"д.{a[2]}")
    elif r < 0.7:
        parts.append(f"дом {a[2]}")
    else:
        parts[-1] += f" {a[2]}" if rng.random() < 0.5 else f", {a[2]}"
    drop = 0.25
    if a[3] and rng.random() > drop:
        parts.append(f"стр. {a[3]}" if rng.random() < 0.85 else f"строение {a[3]}")
    if a[4] and rng.random() > drop:
        parts.append(ch(rng, (f"корп. {a[4]}", f"к. {a[4]}", f"корпус {a[4]}")))
    if a[6] and rng.random() > drop:
        parts.append(f"эт. {a[6]}" if rng.random() < 0.7 else f"этаж {a[6]}")
    if a[5] and rng.random() > drop:
        r = rng.random()
        if r < 0.5:
            parts.append(f"оф. {a[5]}")
        elif r < 0.7:
            parts.append(f"офис {a[5]}")
        elif r < 0.85:
            parts.append(f"пом. {a[5]}")
        else:
            parts.append(f"пом. {_ROMAN[a[5] % 12]}, ком. {a[5] % 40 + 1}")
    sep = ", " if rng.random() < 0.9 else " "
    return sep.join(parts), in_city


def _cyr_latin(
    c: Country, city: City, a: tuple, pc: str, std: str, rng: Random
) -> tuple[str, bool]:
    """A Russian-style address in Latin script: romanized as written, or rewritten English-style."""
    if rng.random() < 0.5:
        text, in_city = _cyr_native(c, city, a, pc, rng)
        if in_city:
            text = text.replace(
                f"г. {city.native}", f"g. {city.en}" if rng.random() < 0.4 else city.en
            )
        return romanize(text, std), in_city
    st = streets()
    name, typ, order = st[c.iso2][a[1]]
    full, abbrs, en_full, en_abbrs = st["cyr_types"][typ]
    rname = romanize(name, std)
    r = rng.random()
    if r < 0.45:
        street = f"{rname} {ch(rng, en_abbrs)}"
    elif r < 0.65:
        street = f"{rname} {en_full}"
    elif r < 0.85:
        street = f"{romanize(full, std)} {rname}"
    else:
        street = f"{romanize(ch(rng, abbrs), std)} {rname}"
    house = a[2]
    r = rng.random()
    if a[3] and r < 0.3:
        num = f"{house}/{a[3]}" if rng.random() < 0.5 else f"{house}-{a[3]}"
        bldg = ""
    else:
        num = str(house)
        bldg = (
            f", {ch(rng, ('bldg.', 'bld.', 'building', 'str.', 'stroenie'))} {a[3]}" if a[3] else ""
        )
    if rng.random() < 0.3:
        text = f"{num} {street}{bldg}"
    else:
        text = f"{street}, {ch(rng, ('', 'd. ', 'h. ', 'house ', 'bld. '))}{num}{bldg}"
    if a[5] and rng.random() < 0.7:
        text += f", {ch(rng, ('office', 'of.', 'off.', 'room', 'premises', 'apt.'))} {a[5]}"
    in_city = rng.random() < 0.2
    if in_city:
        text += f", {city.en}" + (f" {pc}" if pc and rng.random() < 0.5 else "")
    return text, in_city


def _am(city: City, a: tuple, native: bool, rng: Random) -> str:
    st = streets()
    lat, cyr, arm, typ = st["AM"][a[1]]
    t = st["am_types"][typ]
    if native and rng.random() < 0.6:
        text = f"{t[2]} {cyr}, {ch(rng, ('д. ', ''))}{a[2]}"
        return text + (f", оф. {a[3]}" if a[3] else "")
    if native:
        return f"{arm} {t[4]} {a[2]}" + (f", {a[3]}" if a[3] else "")
    r = rng.random()
    if r < 0.4:
        text = f"{a[2]} {lat} {ch(rng, t[:2])}"
    elif r < 0.8:
        text = f"{lat} {ch(rng, t[:2])} {a[2]}"
    else:
        text = f"{lat} {a[2]}" + (f"/{a[3]}" if a[3] else "")
        return text
    return text + (f", {ch(rng, ('apt.', 'office', 'off.', 'room'))} {a[3]}" if a[3] else "")


def _uz(a: tuple, native: bool, rng: Random) -> str:
    lat, cyr, typ = streets()["UZ"][a[1]]
    if native:
        text = f"ул. {cyr}, {ch(rng, ('д. ', ''))}{a[2]}"
    elif rng.random() < 0.6:
        text = f"{lat} {typ}, {a[2]}".replace("‘", ch(rng, ("‘", "'", "`", "ʻ")))
    else:
        text = f"{lat} {ch(rng, ('str.', 'street', 'St.'))} {a[2]}"
    return text + (f", {ch(rng, ('кв.', 'office', 'of.'))} {a[3]}" if a[3] else "")


def _rs(a: tuple, native: bool, rng: Random) -> str:
    street = streets()["RS"][a[1]]
    if rng.random() < 0.2:
        street = street.replace("Bulevar", "Bul.")
    text = f"{street} {'br. ' if rng.random() < 0.15 else ''}{a[2]}"
    return serbian_to_cyrillic(text) if native else text


def _tr(c: Country, city: City, a: tuple, rng: Random) -> str:
    t = streets()["TR"]
    mah = t["mahalle"][a[1]]
    st_name = t["streets"][a[2]]
    typ, abbrs, _, _ = t["types"][a[3]]
    parts = []
    if rng.random() < 0.7:
        mt, mabbrs = t["mahalle_types"][0]
        parts.append(f"{mah} {ch(rng, mabbrs) if rng.random() < 0.75 else mt}")
    street = f"{st_name} {ch(rng, abbrs) if rng.random() < 0.7 else typ}"
    if a[8] and rng.random() < 0.6:
        street = f"{a[8]}. {ch(rng, abbrs)}" if rng.random() < 0.5 else street
    parts.append(street)
    no = ch(rng, (f"No:{a[4]}", f"No: {a[4]}", f"No.{a[4]}", f"No {a[4]}", f"No:{a[4]}"))
    if a[5] and rng.random() < 0.8:
        no += ch(rng, (f"/{a[5]}", f" D:{a[5]}", f" Daire:{a[5]}", f" İç Kapı No:{a[5]}"))
    if a[6] and rng.random() < 0.6:
        no += ch(rng, (f" Kat:{a[6]}", f" K:{a[6]}", f" Kat {a[6]}"))
    parts.append(no)
    text = " ".join(parts) if rng.random() < 0.6 else ", ".join(parts)
    districts = city.extra.get("districts")
    if districts and rng.random() < 0.55:
        d = districts[a[7] % len(districts)]
        text += ch(rng, (f" {d}/{city.native}", f" {d} / {city.native}", f", {d}", f" {d}"))
    if rng.random() < 0.35:
        text = fold_ascii(text)
    return text


def _de(city: City, a: tuple, pc: str, rng: Random) -> str:
    street = streets()["DE"][a[1]]
    r = rng.random()
    if r < 0.3:
        street = street.replace("straße", "str.").replace("Straße", "Str.")
    elif r < 0.45:
        street = street.replace("ß", "ss")
    text = f"{street} {a[2]}{a[3]}"
    if rng.random() < 0.15:
        text += f", {pc} {city.native}"
    if rng.random() < 0.12:
        text = fold_german(text)
    return text


def _it(a: tuple, rng: Random) -> str:
    street = streets()["IT"][a[1]]
    r = rng.random()
    if r < 0.4:
        return f"{street}, {a[2]}"
    if r < 0.7:
        return f"{street} {a[2]}"
    if r < 0.85:
        return f"{street} n. {a[2]}"
    return f"{street.replace('Via ', 'V. ').replace('Viale ', 'V.le ')} {a[2]}"


def _in(city: City, a: tuple, pc: str, rng: Random) -> str:
    area = streets()["IN"][a[1]]
    n = a[2]
    text = (
        f"Plot No. {n}, {area}",
        f"{n}, {area}",
        f"Shed No. {n}, {area}",
        f"Unit No. {n}, {area}",
    )[a[3]]
    if rng.random() < 0.3:
        text += f", {city.native}" + (f" - {pc}" if pc and rng.random() < 0.5 else "")
    return text


def _us(a: tuple, rng: Random) -> str:
    name, typ = streets()["US"][a[2]]
    t = ch(rng, streets()["us_types"][typ]) if typ else ""
    text = f"{a[1]} {name} {t}".strip()
    if a[3]:
        text += ch(
            rng, (f", Suite {a[3]}", f" Ste {a[3]}", f" #{a[3]}", f", Unit {a[3]}", f" STE {a[3]}")
        )
    return text


def _ae(city: City, a: tuple, rng: Random) -> str:
    ae = streets()["AE"]
    areas = ae["areas"].get(city.native, ["Deira"])
    area = areas[a[5] % len(areas)]
    fzs = ae["free_zones"].get(city.native)
    kind = a[1] if (a[1] != 1 or fzs) else 0
    if kind == 0:
        building, road = ae["buildings"][a[2]], ae["roads"][a[4]]
        r = rng.random()
        if r < 0.4:
            text = f"Office {a[3]}, {building}, {road}, {area}"
        elif r < 0.7:
            text = f"Office No. {a[3]}, {building}, {area}"
        else:
            text = f"{building}, {ch(rng, ('Office', 'Unit', 'Suite'))} {a[3]}, {area}"
    elif kind == 1:
        fz = fzs[a[6] % len(fzs)]
        r = rng.random()
        if r < 0.4:
            text = f"Warehouse No. {a[3] % 60 + 1}, Plot {a[8]}, {fz}"
        elif r < 0.7:
            text = f"{fz}, {ch(rng, ('Warehouse', 'Office', 'LOB', 'Unit'))} {a[3] % 60 + 1}"
        else:
            text = f"Plot No. {a[8]}, {fz}"
    else:
        text = (
            f"Shop No. {a[3] % 40 + 1}, {area}" if rng.random() < 0.5 else f"{area}, {city.native}"
        )
    if rng.random() < 0.3:
        text += f", {ch(rng, ('P.O. Box', 'PO Box', 'P.O.Box', 'POB'))} {a[7]}"
    return text


def _cn(c: Country, city: City, a: tuple, native: bool, rng: Random) -> str:
    cn = streets()["CN"]
    dist_n, dist_en = city.extra["districts"][a[1]]
    stem_n, stem_py = cn["road_stems"][a[2]]
    rt_n, rt_en, rt_abbr, rt_py, _ = cn["road_types"][a[3]]
    prov = city.extra.get("prov")
    if native:
        out = ""
        if prov and rng.random() < 0.3:
            out += prov[0] + "省"
        if rng.random() < 0.5:
            out += city.native + "市"
        dist_suffix = "" if dist_n.endswith(("镇", "湖", "园")) else "区"
        out += f"{dist_n}{dist_suffix}{stem_n}{rt_n}{a[4]}号"
        if a[5] >= 0:
            park = cn["parks"][a[5]]
            out += dist_n + park[0] if park[0] not in ("大厦", "商务中心") else stem_n + park[0]
        if a[6]:
            out += f"{a[6]}栋"
        if a[7]:
            out += f"{a[7]}室"
        return out
    road = "".join(p.capitalize() if i == 0 else p for i, p in enumerate(stem_py.split()))
    rtype = ch(rng, (rt_en, rt_abbr, rt_py)) if rng.random() < 0.9 else rt_py
    parts = []
    if a[7]:
        parts.append(ch(rng, (f"Room {a[7]}", f"Rm. {a[7]}", f"Rm {a[7]}", f"{a[7] // 100}/F")))
    if a[6]:
        parts.append(
            ch(rng, (f"Building {a[6]}", f"Bldg {a[6]}", f"Block {a[6]}", f"Tower {a[6]}"))
        )
    if a[5] >= 0 and rng.random() < 0.8:
        park = cn["parks"][a[5]]
        owner = road if park[0] in ("大厦", "商务中心") else dist_en
        parts.append(f"{owner} {ch(rng, park[1:])}")
    r = rng.random()
    if r < 0.5:
        parts.append(f"No. {a[4]} {road} {rtype}")
    elif r < 0.75:
        parts.append(f"No.{a[4]}, {road} {rtype}")
    else:
        parts.append(f"{a[4]} {road} {rtype}")
    if rng.random() < 0.8:
        parts.append(f"{dist_en} {ch(rng, ('District', 'Dist.', 'District', 'Qu'))}")
    if rng.random() < 0.4:
        parts.append(
            city.en
            + (f", {prov[1]}" + ch(rng, ("", " Province")) if prov and rng.random() < 0.6 else "")
        )
    return ", ".join(parts)


_TW_NUM = "〇一二三四五六七八九"


def _tw(city: City, a: tuple, pc: str, native: bool, rng: Random) -> str:
    tw = streets()["TW"]
    d_n, d_py, d_wg = city.extra["districts"][a[1]]
    r_n, r_py, r_wg = tw["roads"][a[2]]
    if native:
        out = (
            (pc if pc and rng.random() < 0.5 else "")
            + (city.native if rng.random() < 0.6 else "")
            + d_n
            + r_n
        )
        if a[3]:
            out += tw["sections"][a[3] - 1][0]
        if a[4]:
            out += f"{a[4]}巷"
        if a[5]:
            out += f"{a[5]}弄"
        out += f"{a[6]}號"
        if a[7]:
            out += (
                f"{a[7]}樓" if rng.random() < 0.6 else f"{_TW_NUM[a[7]] if a[7] < 10 else a[7]}樓"
            )
        return out
    wg = rng.random() < 0.35
    parts = []
    if a[7]:
        parts.append(ch(rng, (f"{a[7]}F.", f"{a[7]}F", f"{_ordinal(a[7])} Fl.", f"{a[7]}/F")))
    parts.append(ch(rng, (f"No. {a[6]}", f"No.{a[6]}", f"No {a[6]}")))
    if a[5]:
        parts.append(ch(rng, (f"Aly. {a[5]}", f"Alley {a[5]}")))
    if a[4]:
        parts.append(ch(rng, (f"Ln. {a[4]}", f"Lane {a[4]}")))
    if a[3]:
        parts.append(ch(rng, (f"Sec. {a[3]}", f"Section {a[3]}")))
    road = r_wg if wg else r_py
    if rng.random() < 0.3:
        road = road.replace("Rd.", "Road").replace("Blvd.", "Boulevard")
    parts.append(road)
    if rng.random() < 0.85:
        parts.append(f"{d_wg} District" if wg else d_py)
    if rng.random() < 0.5:
        parts.append(
            f"{city.en} {ch(rng, ('City', 'City', ''))}".strip()
            + (f" {pc}" if pc and rng.random() < 0.6 else "")
        )
    return ", ".join(parts)


def _hk(a: tuple, rng: Random) -> str:
    hk = streets()["HK"]
    district, region = hk["districts"][a[1]]
    building, road = hk["buildings"][a[2]], hk["roads"][a[3]]
    floor, room = a[5], a[6]
    r = rng.random()
    if r < 0.35:
        unit = f"Room {floor:02d}{room:02d}, {floor}/F"
    elif r < 0.55:
        unit = f"Flat {a[7]}, {floor}/F"
    elif r < 0.7:
        unit = f"Unit {floor}{room:02d}, {_ordinal(floor)} Floor"
    elif r < 0.85:
        unit = f"RM {floor}{room:02d} {floor}/F"
    else:
        unit = f"Flat/Rm {floor}{room:02d}, {floor}/F"
    parts = [unit, building]
    if rng.random() < 0.7:
        parts.append(f"{a[4]} {road}")
    if rng.random() < 0.8:
        parts.append(district)
    if rng.random() < 0.5:
        parts.append(
            region
            if rng.random() < 0.7
            else {"Kowloon": "KLN", "Hong Kong": "HK", "New Territories": "N.T."}[region]
        )
    return ", ".join(parts)


def render_address(
    c: Country, city: City, a: tuple, pc: str, native: bool, std: str, rng: Random
) -> tuple[str, bool]:
    """One written form of an address; the flag says whether the city is already in it."""
    tag = a[0]
    if tag == "cyr":
        if native:
            return _cyr_native(c, city, a, pc, rng)
        return _cyr_latin(c, city, a, pc, std, rng)
    if tag == "am":
        return _am(city, a, native, rng), False
    if tag == "uz":
        return _uz(a, native, rng), False
    if tag == "rs":
        return _rs(a, native, rng), False
    if tag == "tr":
        return _tr(c, city, a, rng), False
    if tag == "de":
        return _de(city, a, pc, rng), False
    if tag == "it":
        return _it(a, rng), False
    if tag == "in":
        return _in(city, a, pc, rng), False
    if tag == "us":
        return _us(a, rng), False
    if tag == "ae":
        return _ae(city, a, rng), False
    if tag == "cn":
        return _cn(c, city, a, native, rng), False
    if tag == "tw":
        return _tw(city, a, pc, native, rng), False
    if tag == "hk":
        return _hk(a, rng), False
    raise ValueError(f"unknown address tag {tag!r}")


def canonical_street(c: Country, city: City, a: tuple, pc: str) -> str:
    """A plain English rendering of the street line for the watch list (deterministic).

    The city and postcode are separate list columns, as OFAC's add.csv and the UN XML keep them;
    a rendering that already names the city (some Russian addresses) keeps it.
    """
    return render_address(c, city, a, pc, False, "bgn", Random(0))[0]
