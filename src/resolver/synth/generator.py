"""Generate a synthetic customs dataset with ground truth: parties, shipments, watch list."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from random import Random
from typing import Any

from resolver.errors import UsageError
from resolver.gcpause import gc_paused
from resolver.synth.companies import Entity, build_universe
from resolver.synth.names import canonical_name
from resolver.synth.trade import Goods, Plan, Router, plan_mentions
from resolver.synth.variants import NATIVE_P, MentionMaker
from resolver.synth.vocab import countries
from resolver.synth.watchlist import LIST_HEADER, choose_listed, list_row
from resolver.synth.writer import CsvSink

logger = logging.getLogger(__name__)

PARTY_HEADER = (
    "id",
    "name",
    "address",
    "city",
    "postcode",
    "country",
    "tax_id",
    "role",
    "shipment_id",
)
SHIPMENT_HEADER = (
    "shipment_id",
    "date",
    "hs_code",
    "value_usd",
    "quantity",
    "origin_country",
    "destination_country",
    "transit_country",
    "shipper_id",
    "consignee_id",
)
ENTITY_HEADER = (
    "entity_id",
    "name",
    "name_latin",
    "country",
    "city",
    "legal_form",
    "kind",
    "sector",
    "family",
    "mentions",
)
FILES = ("parties.csv", "truth.csv", "shipments.csv", "list.csv", "list_truth.csv", "entities.csv")


def _native_p(e: Entity, source: str, home: str) -> float:
    """Chance that party ``e`` is written in its own script in a document of this source."""
    base = NATIVE_P.get(e.country, 0.0)
    if not base:
        return 0.0
    if source == "bol":
        return base * 0.25
    return min(0.95, base * 1.7) if e.country == home else base * 0.2


def _write_list(
    out: Path, entities: list[Entity], plan: Plan, size: int, seed: int
) -> tuple[int, int, list[Entity]]:
    """Write list.csv and list_truth.csv; return (listed in parties, distractors, distractor entities)."""
    rng = Random(f"{seed}:list")
    listed, distractors = choose_listed(entities, plan, size, rng)
    everyone = listed + distractors
    order = list(range(len(everyone)))
    rng.shuffle(order)
    truth = []
    with CsvSink(out / "list.csv", LIST_HEADER) as sink:
        for k, j in enumerate(order):
            e = everyone[j]
            list_id = f"SYN-{k + 1:05d}"
            sink.write(list_row(list_id, e, rng))
            if j < len(listed):
                truth.append((e.entity_id, list_id))
    truth.sort()
    with CsvSink(out / "list_truth.csv", ("entity_id", "list_id")) as sink:
        sink.write_many(truth)
    return len(listed), len(distractors), distractors


def _write_entities(out: Path, entities: list[Entity], plan: Plan, extra: list[Entity]) -> None:
    cs = countries()
    with CsvSink(out / "entities.csv", ENTITY_HEADER) as sink:
        for e in entities + extra:
            c = cs[e.country]
            native, latin = canonical_name(e)
            mentions = plan.total(e.idx) if e.idx < len(entities) else 0
            sink.write(
                (
                    e.entity_id,
                    native or latin,
                    latin,
                    e.country,
                    c.cities[e.city].en,
                    c.legal_forms[e.lf].key,
                    e.kind,
                    e.sector,
                    "" if e.family < 0 else f"F{e.family:05d}",
                    str(mentions),
                )
            )


def generate(
    out_dir: str | Path,
    n_entities: int,
    seed: int = 0,
    mentions: int | None = None,
    list_size: int | None = None,
) -> dict[str, Any]:
    """Write parties, truth, shipments, watch list and entities CSVs into ``out_dir``.

    ``mentions`` party rows (default 3 * n_entities); every entity gets at least one mention
    when there are enough. Same arguments give byte-identical files.
    """
    if n_entities < 2:
        raise UsageError("n_entities must be at least 2 (a shipper and a consignee)")
    mentions = 3 * n_entities if mentions is None else mentions
    if mentions < 2:
        raise UsageError("mentions must be at least 2 (a shipper and a consignee)")
    size = max(5, round(0.05 * n_entities)) if list_size is None else list_size
    if size < 0:
        raise UsageError("list_size must not be negative")
    with gc_paused():  # millions of small acyclic objects: the cyclic GC only costs time here
        return _generate(Path(out_dir), n_entities, seed, mentions, size)


def _generate(out: Path, n_entities: int, seed: int, mentions: int, size: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    entities, families = build_universe(n_entities, Random(f"{seed}:universe"))
    plan = plan_mentions(entities, mentions, Random(f"{seed}:plan"))
    n_listed, n_distract, distractors = _write_list(out, entities, plan, size, seed)
    logger.info("universe of %d entities ready in %.1fs", n_entities, time.perf_counter() - t0)

    router = Router(entities, plan, Random(f"{seed}:route"))
    maker = MentionMaker([plan.total(i) for i in range(n_entities)])
    goods = Goods()
    rng = Random(f"{seed}:mentions")
    pid = 0
    with (
        CsvSink(out / "parties.csv", PARTY_HEADER) as parties,
        CsvSink(out / "truth.csv", ("id", "entity_id")) as truth,
        CsvSink(out / "shipments.csv", SHIPMENT_HEADER) as ships,
    ):
        pbuf, tbuf, sbuf = parties.buf, truth.buf, ships.buf
        random = rng.random
        for k, (si, ci, ni) in enumerate(router.shipments(), 1):
            s, c = entities[si], entities[ci]
            sid = f"S{k:07d}"
            r = random()
            if c.country == "RU" and r < 0.55:
                source, home = "decl", c.country
            elif r < 0.75:
                source, home = "decl", s.country
            else:
                source, home = "bol", ""
            upper = random() < (0.75 if source == "bol" else 0.35)
            roles = (
                ((s, "shipper"), (c, "consignee"), (entities[ni], "notify"))
                if ni >= 0
                else ((s, "shipper"), (c, "consignee"))
            )
            for e, role in roles:
                native = e.country in NATIVE_P and random() < _native_p(e, source, home)
                m = maker.mention(e, native, upper, rng)
                pid += 1
                p = f"p{pid:07d}"
                pbuf.append((p, *m, role, sid))
                tbuf.append((p, f"E{e.idx:07d}"))
            d, hs, value, qty, origin, transit = goods.draw(s, c, rng)
            sbuf.append(
                (
                    sid,
                    d,
                    hs,
                    value,
                    qty,
                    origin,
                    c.country,
                    transit,
                    pbuf[-len(roles)][0],
                    pbuf[1 - len(roles)][0],
                )
            )
            if len(sbuf) >= 4096:
                parties.flush()
                truth.flush()
                ships.flush()
    _write_entities(out, entities, plan, distractors)
    elapsed = time.perf_counter() - t0
    logger.info("wrote %d party rows in %.1fs", pid, elapsed)
    return {
        "seed": seed,
        "entities": n_entities,
        "entities_mentioned": sum(1 for i in range(n_entities) if plan.total(i) > 0),
        "families": families,
        "mentions": pid,
        "shipments": plan.shipments,
        "list_size": n_listed + n_distract,
        "listed_in_parties": n_listed,
        "list_distractors": n_distract,
        "out_dir": str(out),
        "files": [str(out / f) for f in FILES],
        "seconds": round(elapsed, 2),
    }
