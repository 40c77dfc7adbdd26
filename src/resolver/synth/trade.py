"""Trade flows: per-entity mention budgets (power law) and shipments that consume them exactly."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from math import exp, log
from random import Random

from resolver.synth.companies import INTERMEDIARY_COUNTRIES, Entity
from resolver.synth.vocab import Weighted, hs_codes

ZIPF_S = 1.0
SHIPPER_KINDS = {"manufacturer": 1.0, "trader": 1.0, "intermediary": 1.6}
CONSIGNEE_KINDS = {"buyer": 1.0, "intermediary": 1.4, "forwarder": 0.3}
NOTIFY_KINDS = {"forwarder": 3.0, "buyer": 0.25, "intermediary": 0.25}
PRIMARY = {"manufacturer": "S", "trader": "S", "intermediary": "SC", "buyer": "C", "forwarder": "N"}
# Which consignee pool (index into POOLS) a shipper of each kind sells to.
POOL_PREF = {
    "manufacturer": Weighted([(1, 55), (0, 35), (2, 7), (3, 3)]),
    "trader": Weighted([(1, 45), (0, 45), (2, 7), (3, 3)]),
    "intermediary": Weighted([(0, 75), (1, 12), (2, 8), (3, 5)]),
}
POOLS = ("ru", "inter", "local", "fwd")
_ORIGIN_OF_GOODS = Weighted(
    [
        ("CN", 50),
        ("TW", 12),
        ("DE", 8),
        ("US", 6),
        ("JP", 5),
        ("KR", 5),
        ("IT", 3),
        ("MY", 3),
        ("VN", 3),
        ("IN", 2),
        ("", 10),
    ]
)
_TRANSIT = Weighted(
    [("KZ", 30), ("GE", 15), ("AM", 10), ("AZ", 10), ("BY", 15), ("TR", 10), ("KG", 10)]
)
_DAY0 = date(2022, 1, 1).toordinal()
_DAYS = date(2024, 12, 31).toordinal() - _DAY0 + 1


class Deck:
    """Entity tokens dealt in random order (incremental Fisher-Yates) without replacement.

    ``left`` holds each entity's units still to deal; a unit taken directly with ``take`` leaves
    a stale token behind that ``deal`` later skips, so totals stay exact.
    """

    __slots__ = ("tokens", "end", "left", "total")

    def __init__(self, members: list[int], left: array):
        tokens = array("i")
        for i in members:
            tokens.extend(array("i", [i]) * left[i])
        self.tokens = tokens
        self.end = len(tokens)
        self.left = left
        self.total = len(tokens)

    def deal(self, rng: Random) -> int:
        """Remove and return one entity, with probability proportional to its units left."""
        tokens, left = self.tokens, self.left
        while self.end:
            end = self.end - 1
            j = int(rng.random() * self.end)
            t = tokens[j]
            tokens[j] = tokens[end]
            tokens[end] = t
            self.end = end
            if left[t] > 0:
                left[t] -= 1
                self.total -= 1
                return t
        return -1

    def take(self, i: int) -> bool:
        """Remove one unit of entity ``i`` if it has any left."""
        if self.left[i] <= 0:
            return False
        self.left[i] -= 1
        self.total -= 1
        return True

    def put_back(self, i: int) -> None:
        """Undo the last ``deal`` of entity ``i``."""
        self.left[i] += 1
        self.total += 1
        self.tokens[self.end] = i
        self.end += 1


def _allocate(
    members: list[int], weights: list[float], base: list[int], slots: int, rng: Random
) -> list[int]:
    """Split ``slots`` among members: the base minimum first, the rest by weight (multinomial)."""
    counts = list(base)
    floor = sum(base)
    if floor > slots:
        counts = [0] * len(members)
        order = [i for i, b in enumerate(base) if b]
        rng.shuffle(order)
        for i in order[:slots]:
            counts[i] = 1
        return counts
    extra = slots - floor
    if extra and members:
        cum = []
        acc = 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        idx = range(len(members))
        while extra:
            k = min(extra, 1 << 16)
            for i in rng.choices(idx, cum_weights=cum, k=k):
                counts[i] += 1
            extra -= k
    return counts


@dataclass
class Plan:
    """Mention budgets per entity and role, and the shipment/notify totals."""

    shipments: int
    notify: int
    shipper: array
    consignee: array
    notify_budget: array

    def total(self, idx: int) -> int:
        """All mentions of entity ``idx``."""
        return self.shipper[idx] + self.consignee[idx] + self.notify_budget[idx]


def plan_mentions(entities: list[Entity], mentions: int, rng: Random) -> Plan:
    """Budgets so that every entity appears (when mentions allow) with power-law skew."""
    shipments = max(1, round(mentions / 2.25))
    notify = mentions - 2 * shipments
    if notify < 0:
        shipments, notify = mentions // 2, mentions % 2
    n = len(entities)
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    zipf = [r**-ZIPF_S for r in ranks]
    budgets = []
    for role, kinds, slots in (
        ("S", SHIPPER_KINDS, shipments),
        ("C", CONSIGNEE_KINDS, shipments),
        ("N", NOTIFY_KINDS, notify),
    ):
        members = [e.idx for e in entities if e.kind in kinds]
        weights = [zipf[i] * kinds[entities[i].kind] for i in members]
        base = [1 if role in PRIMARY[entities[i].kind] else 0 for i in members]
        counts = _allocate(members, weights, base, slots, rng)
        arr = array("i", bytes(4 * n))
        for i, c in zip(members, counts, strict=True):
            arr[i] = c
        budgets.append(arr)
    return Plan(shipments, notify, budgets[0], budgets[1], budgets[2])


def _pool_of(e: Entity) -> int:
    """Consignee pool of an entity (index into POOLS)."""
    if e.kind == "intermediary":
        return 1
    if e.kind == "forwarder":
        return 3
    return 0 if e.country == "RU" else 2


class Router:
    """Pairs shippers with consignees (sticky partners, pool preferences) within the budgets."""

    def __init__(self, entities: list[Entity], plan: Plan, rng: Random):
        self.entities = entities
        self.rng = rng
        n = len(entities)
        self.shippers = Deck([i for i in range(n) if plan.shipper[i]], array("i", plan.shipper))
        self.pool_of = array("b", [-1]) * n
        members: list[list[int]] = [[] for _ in POOLS]
        for e in entities:
            if plan.consignee[e.idx]:
                p = _pool_of(e)
                self.pool_of[e.idx] = p
                members[p].append(e.idx)
        left = array("i", plan.consignee)
        self.decks = [Deck(m, left) for m in members]
        self.notify = Deck(
            [i for i in range(n) if plan.notify_budget[i]], array("i", plan.notify_budget)
        )
        self.partners: dict[int, list[int]] = {}
        self._seed_family_partners(plan)
        self.remaining_notify = plan.notify

    def _seed_family_partners(self, plan: Plan) -> None:
        """Near-twins trade with each other: a Hong Kong 'Vostok Tech' supplies Russian 'Vostok-Tekhno'."""
        families: dict[int, list[int]] = {}
        for e in self.entities:
            if e.family >= 0:
                families.setdefault(e.family, []).append(e.idx)
        for members in families.values():
            for s in members:
                if not plan.shipper[s]:
                    continue
                for c in members:
                    es, ec = self.entities[s], self.entities[c]
                    if c != s and self.pool_of[c] >= 0 and es.country != ec.country:
                        self.partners.setdefault(s, []).append(c)

    def _consignee(self, s: int) -> int:
        rng = self.rng
        partners = self.partners.get(s)
        if partners and rng.random() < 0.55:
            c = partners[int(rng.random() * len(partners))]
            if self.decks[self.pool_of[c]].take(c):
                return c
        pref = POOL_PREF.get(self.entities[s].kind, POOL_PREF["trader"])
        c = -1
        for attempt in range(3 + len(POOLS)):
            deck = self.decks[pref.pick(rng) if attempt < 3 else attempt - 3]
            if deck.total <= 0:
                continue
            c = deck.deal(rng)
            if c == s and deck.total > 0:
                other = deck.deal(rng)
                deck.put_back(c)
                c = other
            break
        if c < 0:
            raise RuntimeError("consignee budget exhausted")
        if partners is None:
            self.partners[s] = [c]
        elif len(partners) < 4:
            partners.append(c)
        else:
            partners[int(rng.random() * 4)] = c
        return c

    def shipments(self) -> Iterator[tuple[int, int, int]]:
        """Yield (shipper_idx, consignee_idx, notify_idx or -1) for every shipment."""
        rng = self.rng
        n = self.shippers.total
        notify = self.notify
        for k in range(n):
            s = self.shippers.deal(rng)
            c = self._consignee(s)
            nfy = -1
            if self.remaining_notify and rng.random() * (n - k) < self.remaining_notify:
                self.remaining_notify -= 1
                if rng.random() < 0.5 and notify.take(c):
                    nfy = c
                else:
                    nfy = notify.deal(rng)
            yield s, c, nfy


class Goods:
    """HS code, value, quantity, date, origin and transit for a shipment."""

    def __init__(self):
        codes = hs_codes()
        self.by_sector: dict[str, Weighted[int]] = {
            "general": Weighted([(i, h.weight) for i, h in enumerate(codes)])
        }
        for sector in sorted({h.sector for h in codes}):
            self.by_sector[sector] = Weighted(
                [(i, h.weight) for i, h in enumerate(codes) if h.sector == sector]
            )
        self.codes = [
            (
                h.code,
                log(h.qty_min),
                log(h.qty_max) - log(h.qty_min),
                log(h.unit_min),
                log(h.unit_max) - log(h.unit_min),
            )
            for h in codes
        ]
        self.dates = [date.fromordinal(_DAY0 + i).isoformat() for i in range(_DAYS)]

    def draw(
        self, shipper: Entity, consignee: Entity, rng: Random
    ) -> tuple[str, str, str, str, str, str]:
        """(date, hs_code, value_usd, quantity, origin_country, transit_country)."""
        r = rng.random
        pick = self.by_sector.get(shipper.sector) if r() < 0.8 else None
        code, q0, qd, u0, ud = self.codes[(pick or self.by_sector["general"]).pick(rng)]
        qty = int(exp(q0 + r() * qd))
        value = qty * exp(u0 + r() * ud)
        origin = shipper.country
        if origin in INTERMEDIARY_COUNTRIES and r() < 0.85:
            origin = _ORIGIN_OF_GOODS.pick(rng) or origin
        transit = ""
        if consignee.country == "RU" and r() < 0.12:
            transit = _TRANSIT.pick(rng)
            if transit == shipper.country:
                transit = ""
        return self.dates[int(r() * _DAYS)], code, f"{value:.2f}", str(qty), origin, transit
