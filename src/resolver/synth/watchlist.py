"""A synthetic watch list: listed entities with canonical names, aliases and distractors."""

from __future__ import annotations

from random import Random

from resolver.synth.addresses import canonical_street
from resolver.synth.companies import Entity, latin_core, make_twin, new_entity
from resolver.synth.names import canonical_name, render_name
from resolver.synth.romanize import romanize
from resolver.synth.trade import Plan
from resolver.synth.vocab import Weighted, countries

LIST_HEADER = ("list_id", "name", "aliases", "country", "address", "tax_id", "city", "postcode")
# Which address parts a list entry keeps, after entity (non-individual) entries of real lists:
# of OFAC's (2023-12-28, even half, 3,034 entities) first addresses 81% have a street, 88% a
# city, 45% a postcode and 99% a country; a street without a city is rare (2%), a city without
# a street 9%, a country alone 9%. (UN entities keep less: street 40%, city 46%, country 64%.)
# Here: street + city 80%, city alone 10%, country alone 10%; a postcode with 56% of streets.
_P_STREET = 0.80
_P_CITY_ONLY = 0.10
_P_POSTCODE = 0.56
_LIST_WEIGHT = {
    "intermediary": 6.0,
    "buyer": 3.0,
    "trader": 1.0,
    "forwarder": 0.5,
    "manufacturer": 0.15,
}
_N_ALIASES = Weighted([(0, 25), (1, 35), (2, 25), (3, 15)])


def choose_listed(
    entities: list[Entity], plan: Plan, size: int, rng: Random
) -> tuple[list[Entity], list[Entity]]:
    """Listed entities that trade (mostly intermediaries and Russian buyers) and distractors."""
    n_party = min(round(size * 0.8), len(entities))
    keyed = []
    for e in entities:
        if plan.total(e.idx) <= 0:
            continue
        w = _LIST_WEIGHT.get(e.kind, 0.1) * (0.2 if e.name[0] == "person" else 1.0)
        keyed.append((rng.random() ** (1.0 / w), e.idx))
    keyed.sort(reverse=True)
    listed = [entities[i] for _, i in keyed[:n_party]]
    distractors = []
    base_idx = len(entities)
    for j in range(size - len(listed)):
        r = rng.random()
        if r < 0.45 and listed:
            base = listed[int(rng.random() * len(listed))]
            d = make_twin(base, base_idx + j, rng)
        elif r < 0.8:
            base = entities[int(rng.random() * len(entities))]
            d = make_twin(base, base_idx + j, rng)
        else:
            iso2 = ("HK", "AE", "TR", "KZ", "AM", "RU", "RU", "CN")[int(rng.random() * 8)]
            d = new_entity(base_idx + j, iso2, "intermediary", rng)
        d.kind = "listed_only"
        distractors.append(d)
    return listed, distractors


def _cyr_list_names(e: Entity) -> tuple[str, list[str]]:
    """OFAC/EU style names of a Cyrillic-registered company."""
    c = countries()[e.country]
    lf = c.legal_forms[e.lf]
    native, latin = canonical_name(e)
    core = native.split("«", 1)[-1].rstrip("»") if "«" in native else native.split(" ", 1)[-1]
    short = lf.native_short
    names = [
        f"{lf.list_name} {romanize(core, 'bgn')}".upper(),
        f"{romanize(lf.native.items[min(1, len(lf.native) - 1)], 'bgn')} {romanize(core, 'bgn')}".upper(),
        f'{romanize(short, "bgn")} "{romanize(core, "icao")}"',
        f"{romanize(core, 'gost')} {romanize(short, 'gost')}",
        native,
        latin,
        romanize(core, "bgn").upper(),
    ]
    return names[0], names[1:]


def list_names(e: Entity, rng: Random) -> tuple[str, list[str]]:
    """Primary name and 0-3 aliases in other scripts and romanizations."""
    if e.name[0] in ("cyr", "brand", "person"):
        primary, pool = _cyr_list_names(e)
    else:
        native, latin = canonical_name(e)
        primary = latin.upper() if rng.random() < 0.5 else latin
        pool = [native] if native else []
        core = latin_core(e)
        if " " in core:
            pool.append(core)
    pool += [render_name(e, rng.random() < 0.3, rng) for _ in range(3)]
    seen = {primary.casefold()}
    aliases = []
    k = _N_ALIASES.pick(rng)
    rng.shuffle(pool)
    for a in pool:
        a = a.strip()
        if len(aliases) >= k:
            break
        if a and a.casefold() not in seen:
            seen.add(a.casefold())
            aliases.append(a.replace(";", ","))
    return primary, aliases


def list_row(list_id: str, e: Entity, rng: Random) -> tuple[str, ...]:
    """One row of list.csv for entity ``e`` (columns ``LIST_HEADER``)."""
    c = countries()[e.country]
    city = c.cities[e.city]
    primary, aliases = list_names(e, rng)
    street = city_s = postcode = ""
    r = rng.random()
    if r < _P_STREET + _P_CITY_ONLY:
        city_s = city.en
        if r < _P_STREET:
            street = canonical_street(c, city, e.addr, e.postcode)
            postcode = e.postcode if rng.random() < _P_POSTCODE else ""
    tax = e.tax if rng.random() < 0.5 else ""
    return (list_id, primary, ";".join(aliases), c.name, street, tax, city_s, postcode)
