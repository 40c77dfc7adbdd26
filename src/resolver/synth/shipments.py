"""Generated shipment records (one row per shipment, parties side by side) with an evasion
network around listed parties and its ground truth.

Around each listed party the generator writes business behaviour, never the alert rules of
``resolver.tradeflows`` (it does not import them), so a benchmark on this data is not circular:

* makers ship goods to the listed party directly until a ban date (some keep going after it);
* after the ban, conduits in third countries receive the goods and ship them on, with varied
  lags (some longer than any usual window), chains of two conduits, onward shipments declared
  under another heading, and conduits that also sell to unlisted buyers;
* decoys of two kinds: an intermediary that buys goods of concern but sells the listed party
  only consumer goods, and one that buys the same goods but sells them only to unlisted buyers;
* look-alikes: an unlisted near-namesake of a listed party supplied through an intermediary;
* background trade among the rest of the universe (sticky partners, power-law activity).

Party names, addresses and ids come from the company and mention generators of ``synth``, so
every mention carries realistic variants (scripts, romanizations, typos, legal forms).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from math import exp, log
from pathlib import Path
from random import Random
from typing import Any

from resolver.errors import UsageError
from resolver.gcpause import gc_paused
from resolver.synth.companies import Entity, build_universe, make_twin, new_entity
from resolver.synth.names import canonical_name
from resolver.synth.trade import Goods
from resolver.synth.variants import NATIVE_P, MentionMaker
from resolver.synth.vocab import HsCode, Weighted, consumer_codes, hs_codes
from resolver.synth.watchlist import LIST_HEADER, list_row
from resolver.synth.writer import CsvSink

logger = logging.getLogger(__name__)

PARTY_FIELDS = ("name", "address", "city", "postcode", "country", "tax_id")
SHIPMENTS_HEADER = (
    "shipment_id",
    "date",
    "hs_code",
    "value_usd",
    "origin_country",
    "destination_country",
    *(f"{role}_{f}" for role in ("shipper", "consignee", "notify") for f in PARTY_FIELDS),
)
TRUTH_HEADER = (
    "shipment_id",
    "shipper_entity_id",
    "consignee_entity_id",
    "notify_entity_id",
    "flow",
)
ENTITY_HEADER = ("entity_id", "name", "country", "kind", "role", "list_id")
FILES = (
    "trade_shipments.csv",
    "trade_truth.csv",
    "trade_entities.csv",
    "trade_list.csv",
)
# Ground-truth labels. Entities: the role they play around listed parties. Flows: per shipment.
ROLES = ("listed", "conduit", "supplier", "decoy_goods", "decoy_buyer", "lookalike", "background")
FLOWS = (
    "direct",  # supplier -> listed party (goods of the scenario)
    "to_conduit",  # supplier (or first conduit of a chain) -> conduit
    "onward",  # conduit -> listed party
    "conduit_sale",  # conduit -> unlisted buyer
    "decoy_in",  # supplier -> decoy
    "decoy_out",  # decoy -> unlisted buyer
    "decoy_consumer",  # decoy -> listed party, consumer goods only
    "lookalike",  # supplier -> intermediary -> unlisted near-namesake of a listed party
    "background",
)
THIRD_COUNTRIES = Weighted(
    [
        ("CN", 22),
        ("HK", 16),
        ("KZ", 14),
        ("TR", 12),
        ("AE", 12),
        ("KG", 8),
        ("AM", 8),
        ("UZ", 4),
        ("RS", 4),
    ]
)
EVASION_SECTORS = ("machinery", "electronics", "computers", "aviation")
MISDECLARED_CODE = "847989"  # machines with individual functions n.e.s.: a common cover heading
BAN_DAY = date(2022, 2, 24).toordinal()
FIRST_DAY, LAST_DAY = date(2020, 1, 1).toordinal(), date(2024, 12, 31).toordinal()
SHIPMENTS_PER_LISTED = 2000  # one listed party per this many shipments (at least MIN_LISTED)
MIN_LISTED = 6
SHIPMENTS_PER_ENTITY = 10  # background universe: one company per this many shipments


@dataclass(slots=True)
class Ship:
    """One shipment before rendering: day (ordinal), HS code, value, origin, party indices."""

    day: int
    code: str
    value: float
    origin: str
    shipper: int
    consignee: int
    flow: str
    notify: int = -1


@dataclass
class _World:
    """The universe, its pools and the shipments drawn so far."""

    rng: Random
    entities: list[Entity]
    role: dict[int, str] = field(default_factory=dict)
    ships: list[Ship] = field(default_factory=list)
    makers: list[int] = field(default_factory=list)
    intermediaries: list[int] = field(default_factory=list)
    buyers: list[int] = field(default_factory=list)
    forwarders: list[int] = field(default_factory=list)

    def add(self, iso2: str, kind: str, role: str) -> int:
        """A new company outside the background universe."""
        e = new_entity(len(self.entities), iso2, kind, self.rng)
        self.entities.append(e)
        self.role[e.idx] = role
        return e.idx

    def ship(self, day: int, code: str, s: int, c: int, flow: str, origin: str = "") -> None:
        if FIRST_DAY <= day <= LAST_DAY:
            value = _value(code, self.rng)
            origin = origin or self.entities[s].country
            self.ships.append(Ship(day, code, value, origin, s, c, flow))


_CODES: dict[str, HsCode] = {}


def _value(code: str, rng: Random) -> float:
    """A plausible shipment value for an HS code (log-uniform quantity and unit value)."""
    h = _CODES.get(code)
    if h is None:
        return round(exp(log(2_000) + rng.random() * log(200)), 2)
    qty = exp(log(h.qty_min) + rng.random() * (log(h.qty_max) - log(h.qty_min)))
    unit = exp(log(h.unit_min) + rng.random() * (log(h.unit_max) - log(h.unit_min)))
    return round(max(1, int(qty)) * unit, 2)


def _hs_text(code: str, rng: Random) -> str:
    """An HS code as documents write it: 845710, 8457.10, 84571000, 8457.10.00."""
    r = rng.random()
    if r < 0.6:
        return code
    if r < 0.8:
        return f"{code[:4]}.{code[4:]}"
    if r < 0.95:
        return code + "00"
    return f"{code[:4]}.{code[4:]}.00"


class _Evasion:
    """Scenarios around listed parties: direct supply, conduits, decoys and look-alikes."""

    def __init__(self, world: _World):
        self.w = world
        rng = world.rng
        codes = [h for h in hs_codes() if h.sector in EVASION_SECTORS]
        self.sectors = {
            sector: Weighted([(h.code, h.weight) for h in codes if h.sector == sector])
            for sector in EVASION_SECTORS
        }
        self.sector_pick = Weighted(
            [("machinery", 40), ("electronics", 35), ("computers", 15), ("aviation", 10)]
        )
        self.consumer = Weighted([(h.code, h.weight) for h in consumer_codes()])
        self.rng = rng

    def _lag(self) -> int:
        """Days from receipt to onward shipment: mostly weeks, sometimes months (stockpiling)."""
        rng = self.rng
        if rng.random() < 0.08:
            return 100 + int(rng.random() * 120)
        return max(1, int(exp(log(25) + 0.6 * rng.gauss(0, 1))))

    def _maker(self, sector: str) -> int:
        w, rng = self.w, self.rng
        for _ in range(20):
            m = w.makers[int(rng.random() * len(w.makers))]
            if w.entities[m].sector == sector:
                break
        w.role.setdefault(m, "supplier")
        return m

    def _unlisted_buyer(self) -> int:
        w = self.w
        return w.buyers[int(self.rng.random() * len(w.buyers))]

    def scenario(self, listed: int) -> None:
        """Every flow around one listed party."""
        w, rng = self.w, self.rng
        sector = self.sector_pick.pick(rng)
        codes = [self.sectors[sector].pick(rng) for _ in range(1 + (rng.random() < 0.4))]
        ban = BAN_DAY + int(rng.random() * 480)
        makers = [self._maker(sector) for _ in range(1 + int(rng.random() * 2.2))]
        if rng.random() < 0.8:  # years of direct supply before the ban
            for m in makers:
                n = 3 + int(rng.random() ** 2 * 45)
                start = ban - 120 - int(rng.random() * 800)
                step = (ban - start) / n
                late = rng.random() < 0.1  # a maker that keeps shipping after the ban
                for k in range(n + (3 if late else 0)):
                    day = start + int(k * step + rng.random() * step * 0.5)
                    w.ship(day, codes[k % len(codes)], m, listed, "direct")
        n_conduits = Weighted([(0, 10), (1, 45), (2, 30), (3, 15)]).pick(rng)
        for _ in range(n_conduits):
            self._conduit(listed, makers[int(rng.random() * len(makers))], codes, ban)
        if rng.random() < 0.5:
            self._decoy_goods(listed, makers[0], sector, ban)
        if rng.random() < 0.5:
            self._decoy_buyer(makers[0], codes[0], ban)
        if rng.random() < 0.3:
            self._lookalike(listed, makers[-1], codes[0], ban)

    def _new_intermediary(self, role: str) -> int:
        return self.w.add(THIRD_COUNTRIES.pick(self.rng), "intermediary", role)

    def _conduit(self, listed: int, maker: int, codes: list[str], ban: int) -> None:
        """Goods of the maker reach the listed party through one conduit (or a chain of two)."""
        w, rng = self.w, self.rng
        if rng.random() < 0.3 and w.intermediaries:  # an established trader turns conduit
            conduit = w.intermediaries[int(rng.random() * len(w.intermediaries))]
            w.role[conduit] = "conduit"
        else:
            conduit = self._new_intermediary("conduit")
        first = self._new_intermediary("conduit") if rng.random() < 0.15 else -1
        misdeclared = rng.random() < 0.08
        code = codes[int(rng.random() * len(codes))]
        origin = w.entities[maker].country
        n = 2 + int(rng.random() ** 1.5 * 24)
        day = ban + 20 + int(rng.random() * 200)
        for _ in range(n):
            if first >= 0:
                w.ship(day, code, maker, first, "to_conduit")
                arrive = day + self._lag() // 2
                w.ship(arrive, code, first, conduit, "to_conduit", origin)
            else:
                arrive = day
                w.ship(day, code, maker, conduit, "to_conduit")
            onward = MISDECLARED_CODE if misdeclared else code
            w.ship(arrive + self._lag(), onward, conduit, listed, "onward", origin)
            day += 15 + int(rng.random() * 50)
        if rng.random() < 0.35:  # the conduit also sells these goods to unlisted buyers
            flows = ("to_conduit", "conduit_sale")
            n_sales = 1 + int(rng.random() * n)
            self._pass_on(maker, conduit, self._unlisted_buyer, code, ban, flows, n_sales, 700)

    def _pass_on(
        self,
        maker: int,
        middle: int,
        buyer: Callable[[], int],
        code: str,
        start: int,
        flows: tuple[str, str],
        n: int,
        span: int = 600,
    ) -> None:
        """``n`` times within ``span`` days of ``start``: the maker ships ``code`` to
        ``middle``, which ships it on to ``buyer()`` after a lag."""
        w, rng = self.w, self.rng
        origin = w.entities[maker].country
        for _ in range(n):
            day = start + int(rng.random() * span)
            w.ship(day, code, maker, middle, flows[0])
            w.ship(day + self._lag(), code, middle, buyer(), flows[1], origin)

    def _decoy_goods(self, listed: int, maker: int, sector: str, ban: int) -> None:
        """Buys goods of concern, sells them to unlisted buyers, and sells the listed party
        only consumer goods."""
        w, rng = self.w, self.rng
        decoy = self._new_intermediary("decoy_goods")
        code = self.sectors[sector].pick(rng)
        n = 2 + int(rng.random() * 8)
        self._pass_on(maker, decoy, self._unlisted_buyer, code, ban, ("decoy_in", "decoy_out"), n)
        for _ in range(2 + int(rng.random() * 10)):
            day = ban + int(rng.random() * 600)
            origin = "CN" if rng.random() < 0.5 else w.entities[decoy].country
            w.ship(day, self.consumer.pick(rng), decoy, listed, "decoy_consumer", origin)

    def _decoy_buyer(self, maker: int, code: str, ban: int) -> None:
        """Buys the very goods of the scenario and sells them only to unlisted buyers."""
        decoy = self._new_intermediary("decoy_buyer")
        n = 2 + int(self.rng.random() * 10)
        self._pass_on(maker, decoy, self._unlisted_buyer, code, ban, ("decoy_in", "decoy_out"), n)

    def _lookalike(self, listed: int, maker: int, code: str, ban: int) -> None:
        """An unlisted near-namesake of the listed party, supplied through an intermediary."""
        w, rng = self.w, self.rng
        twin = make_twin(w.entities[listed], len(w.entities), rng)
        twin.kind = "buyer"
        w.entities.append(twin)
        w.role[twin.idx] = "lookalike"
        middle = self._new_intermediary("background")
        n = 2 + int(rng.random() * 8)
        self._pass_on(maker, middle, lambda: twin.idx, code, ban, ("lookalike", "lookalike"), n)


def _background(w: _World, n: int, listed: set[int]) -> None:
    """``n`` ordinary shipments: makers and traders sell to intermediaries and buyers,
    intermediaries to buyers, each shipper with a few sticky partners."""
    rng = w.rng
    goods = Goods()
    shippers = [i for i in w.makers + w.intermediaries if i not in listed]
    shippers += [e.idx for e in w.entities[: len(w.entities)] if e.kind == "trader"]
    ranks = list(range(1, len(shippers) + 1))
    rng.shuffle(ranks)
    pick_shipper = Weighted([(s, r**-1.0) for s, r in zip(shippers, ranks, strict=True)])
    partners: dict[int, list[int]] = {}
    buyers, inter = w.buyers, [i for i in w.intermediaries if i not in listed]
    entities = w.entities
    for _ in range(n):
        s = pick_shipper.pick(rng)
        mine = partners.setdefault(s, [])
        if not mine or (len(mine) < 6 and rng.random() < 0.25):
            sells_to_trade = entities[s].kind != "intermediary" and rng.random() < 0.35
            pool = inter if sells_to_trade and inter else buyers
            c = pool[int(rng.random() * len(pool))]
            if c == s:
                c = buyers[int(rng.random() * len(buyers))]
            mine.append(c)
        else:
            c = mine[int(rng.random() ** 1.5 * len(mine))]
        day, code, value, _qty, origin, _transit = goods.draw(entities[s], entities[c], rng)
        w.ships.append(
            Ship(
                date.fromisoformat(day).toordinal(), code, float(value), origin, s, c, "background"
            )
        )


def _universe(n_shipments: int, seed: int) -> tuple[_World, list[int]]:
    """The background companies, their pools, and the listed parties."""
    rng = Random(f"{seed}:shipments-universe")
    n_entities = max(60, n_shipments // SHIPMENTS_PER_ENTITY)
    entities, _ = build_universe(n_entities, rng)
    w = _World(Random(f"{seed}:shipments"), entities)
    for e in entities:
        if e.kind == "manufacturer":
            w.makers.append(e.idx)
        elif e.kind == "intermediary":
            w.intermediaries.append(e.idx)
        elif e.kind == "buyer":
            w.buyers.append(e.idx)
        elif e.kind == "forwarder":
            w.forwarders.append(e.idx)
    n_listed = max(MIN_LISTED, n_shipments // SHIPMENTS_PER_LISTED)
    ru_buyers = [i for i in w.buyers if entities[i].country == "RU"]
    fronts = [i for i in w.intermediaries if entities[i].country in ("HK", "TR", "AE")]
    rng.shuffle(ru_buyers)
    rng.shuffle(fronts)
    n_fronts = min(len(fronts), round(n_listed * 0.15))
    listed = ru_buyers[: n_listed - n_fronts] + fronts[:n_fronts]
    taken = set(listed)
    w.buyers = [i for i in w.buyers if i not in taken]
    w.intermediaries = [i for i in w.intermediaries if i not in taken]
    for i in listed:
        w.role[i] = "listed"
    return w, listed


def _write_list(out: Path, w: _World, listed: list[int], seed: int) -> dict[int, str]:
    """trade_list.csv: the listed parties and as many non-trading near-namesakes as a fifth."""
    rng = Random(f"{seed}:shipments-list")
    extra = []
    for j in range(max(1, len(listed) // 5)):
        base = w.entities[listed[int(rng.random() * len(listed))]]
        twin = make_twin(base, len(w.entities) + j, rng)
        twin.kind = "listed_only"
        extra.append(twin)
    everyone = [w.entities[i] for i in listed] + extra
    order = list(range(len(everyone)))
    rng.shuffle(order)
    list_ids: dict[int, str] = {}
    with CsvSink(out / "trade_list.csv", LIST_HEADER) as sink:
        for k, j in enumerate(order):
            list_id = f"TL-{k + 1:05d}"
            sink.write(list_row(list_id, everyone[j], rng))
            if j < len(listed):
                list_ids[listed[j]] = list_id
    return list_ids


def _render(out: Path, w: _World, seed: int) -> None:
    """trade_shipments.csv (mentions with variants) and trade_truth.csv, in date order."""
    rng = Random(f"{seed}:shipments-render")
    ships = w.ships
    for sh in ships:
        if w.forwarders and rng.random() < 0.25:
            sh.notify = w.forwarders[int(rng.random() ** 2 * len(w.forwarders))]
    ships.sort(key=lambda sh: (sh.day, sh.shipper, sh.consignee, sh.code))
    remaining = [0] * len(w.entities)
    for sh in ships:
        remaining[sh.shipper] += 1
        remaining[sh.consignee] += 1
        if sh.notify >= 0:
            remaining[sh.notify] += 1
    maker = MentionMaker(remaining)
    entities = w.entities
    random = rng.random
    blank = ("",) * len(PARTY_FIELDS)
    iso = [date.fromordinal(d).isoformat() for d in range(FIRST_DAY, LAST_DAY + 1)]

    def mention(i: int, upper: bool) -> tuple[str, ...]:
        e = entities[i]
        native = e.country in NATIVE_P and random() < NATIVE_P[e.country] * 0.6
        return maker.mention(e, native, upper, rng)

    with (
        CsvSink(out / "trade_shipments.csv", SHIPMENTS_HEADER) as rows,
        CsvSink(out / "trade_truth.csv", TRUTH_HEADER) as truth,
    ):
        for k, sh in enumerate(ships, 1):
            sid = f"T{k:08d}"
            upper = random() < 0.45
            shipper, consignee = mention(sh.shipper, upper), mention(sh.consignee, upper)
            notify = mention(sh.notify, upper) if sh.notify >= 0 else blank
            r = random()
            day = "" if r < 0.003 else iso[sh.day - FIRST_DAY]
            code = "" if 0.003 <= r < 0.006 else _hs_text(sh.code, rng)
            value = "" if random() < 0.02 else f"{sh.value:.2f}"
            destination = entities[sh.consignee].country
            rows.write(
                (sid, day, code, value, sh.origin, destination, *shipper, *consignee, *notify)
            )
            truth.write(
                (
                    sid,
                    entities[sh.shipper].entity_id,
                    entities[sh.consignee].entity_id,
                    entities[sh.notify].entity_id if sh.notify >= 0 else "",
                    sh.flow,
                )
            )


def _write_entities(out: Path, w: _World, list_ids: dict[int, str]) -> None:
    used = set()
    for sh in w.ships:
        used.update((sh.shipper, sh.consignee, sh.notify))
    with CsvSink(out / "trade_entities.csv", ENTITY_HEADER) as sink:
        for e in w.entities:
            if e.idx not in used:
                continue
            native, latin = canonical_name(e)
            sink.write(
                (
                    e.entity_id,
                    latin or native,
                    e.country,
                    e.kind,
                    w.role.get(e.idx, "background"),
                    list_ids.get(e.idx, ""),
                )
            )


def generate_shipments(out_dir: str | Path, n_shipments: int, seed: int = 0) -> dict[str, Any]:
    """Write trade_shipments.csv (wide format), trade_truth.csv, trade_entities.csv and
    trade_list.csv into ``out_dir``; same arguments give byte-identical files."""
    if n_shipments < 100:
        raise UsageError("--shipments must be at least 100")
    with gc_paused():
        return _generate(Path(out_dir), n_shipments, seed)


def _generate(out: Path, n_shipments: int, seed: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    _CODES.update({h.code: h for h in hs_codes() + consumer_codes()})
    w, listed = _universe(n_shipments, seed)
    evasion = _Evasion(w)
    for i in listed:
        evasion.scenario(i)
    scenario_ships = len(w.ships)
    if scenario_ships > n_shipments:  # tiny runs: keep whole scenarios, no background
        logger.info("scenarios alone need %d shipments", scenario_ships)
    _background(w, max(0, n_shipments - scenario_ships), set(listed))
    list_ids = _write_list(out, w, listed, seed)
    _render(out, w, seed)
    _write_entities(out, w, list_ids)
    roles = [w.role.get(i, "background") for i in range(len(w.entities))]
    return {
        "seed": seed,
        "shipments": len(w.ships),
        "scenario_shipments": scenario_ships,
        "listed": len(listed),
        "conduits": roles.count("conduit"),
        "decoys": roles.count("decoy_goods") + roles.count("decoy_buyer"),
        "lookalikes": roles.count("lookalike"),
        "files": [str(out / f) for f in FILES],
        "seconds": round(time.perf_counter() - t0, 2),
    }
