"""``resolver.flows``: shipments in, resolved trade network and alerts out.

shipments -> party mentions -> one dedupe over all roles -> screening of the resolved
entities -> shipment facts -> flows and alert rules -> scored alerts.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from resolver.engine import registered
from resolver.errors import InputError, UsageError
from resolver.io.writers import staged_output_dir, write_json, write_table
from resolver.tradeflows import rules
from resolver.tradeflows.alerts import KINDS, AlertBuilder, Listing, Party, alerts_table
from resolver.tradeflows.controlled import (
    DEFAULT_RESTRICTED_COUNTRIES,
    load_controlled,
    restricted_countries,
)
from resolver.tradeflows.network import build_flows, iso2_column, shipment_facts
from resolver.tradeflows.parties import party_mentions
from resolver.tradeflows.shipments import ROLES, SHIPMENT_ID, Shipments, read_shipments

if TYPE_CHECKING:  # pragma: no cover
    from resolver.dedupe import DedupeResult
    from resolver.screening import ScreenResult

log = logging.getLogger(__name__)

DEFAULT_WINDOW_DAYS = 90
_SCREEN_KEYS = ("name", "address", "city", "postcode", "country", "tax_id")


@dataclass
class FlowsResult:
    """Outputs of ``flows``: Arrow tables named as the files ``save`` writes, and a summary."""

    shipments: pa.Table
    entities: pa.Table
    clusters: pa.Table
    matches: pa.Table
    flows: pa.Table
    alerts: pa.Table
    summary: dict[str, Any] = field(default_factory=dict)
    facts: pa.Table | None = None  # per shipment: date, HS code, value, party entities (report)

    def save(self, out_dir: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write the six CSV tables, summary.json and report.html into ``out_dir`` atomically."""
        from resolver.report import REPORT_FILE
        from resolver.report.flows import write_flows_report

        with staged_output_dir(out_dir, overwrite) as stage:
            for name in ("shipments", "entities", "clusters", "matches", "flows", "alerts"):
                write_table(getattr(self, name), stage / f"{name}.csv", "csv")
            write_json(self.summary, stage / "summary.json")
            write_flows_report(self, stage / REPORT_FILE)
        return Path(out_dir)


def flows(
    shipments: Any,
    lists: Sequence[str | os.PathLike] | Any,
    *,
    mapping: str | Mapping[str, str] | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    controlled_hs: str | os.PathLike | Iterable[str] | None = None,
    all_goods: bool = False,
    restricted: Iterable[str] = DEFAULT_RESTRICTED_COUNTRIES,
    model: Any = None,
    list_threshold: float | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    backend: str = "duckdb",
    memory_limit: str | None = None,
    temp_dir: str | None = None,
    spark_conf: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> FlowsResult:
    """Resolve the parties of shipment records, screen them and flag routes to listed parties.

    ``lists``: list files (as for ``Screener.load``) or a loaded ``Screener``; ``model``: the
    model for both dedupe and screening (the shipped default when None).
    """
    from resolver.api import Resolver
    from resolver.screening import Screener
    from resolver.screening.batch import MATCH_COLUMNS

    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 0:
        raise UsageError(f"window days must be a whole number >= 0, got {window_days!r}")
    step = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[f"{name}_s"] = round(now - clock, 3)
        clock = now

    goods = load_controlled(controlled_hs, all_goods=all_goods)
    restricted_iso2 = restricted_countries(restricted)
    step("reading shipments")
    ships = read_shipments(shipments, mapping=mapping, encoding=encoding, delimiter=delimiter)
    mentions = party_mentions(ships)
    if mentions.num_rows == 0:
        raise InputError(f"{ships.source}: no party is named on any shipment")
    _release_memory()
    lap("read")

    step("loading lists")
    if isinstance(lists, Screener):
        screener = lists
    else:
        screener = Screener.load(
            *lists,
            model=model,
            threshold=list_threshold,
            backend=backend,
            memory_limit=memory_limit,
            temp_dir=temp_dir,
            spark_conf=spark_conf,
        )
    lap("lists")

    step("resolving parties")
    resolver = Resolver(
        screener.params,
        backend=backend,
        memory_limit=memory_limit,
        temp_dir=temp_dir,
        spark_conf=spark_conf,
    )
    deduped = resolver.dedupe(
        mentions, progress=lambda s: step(f"resolving parties: {s}"), links=False
    )
    if backend == "spark":  # the mentions came from this process; so do the outputs
        deduped = deduped.to_arrow()
    resolver.engine.close()
    deduped.pairs = deduped.pairs.schema.empty_table()  # scored pairs are not an output here
    deduped.record_profiles = None
    _release_memory()
    clusters = deduped.clusters
    lap("dedupe")

    step("screening entities")
    # a connection of its own: the Screener (perhaps the caller's) may serve other threads
    with screener.engine.session() as con:
        reps, rep_of = _distinct_parties(con, clusters)
        n_screened = reps.num_rows
        screened = screener.screen(
            reps,
            all_candidates=True,
            progress=lambda s: step(f"screening entities: {s}"),
        )
        screened.evidence = None  # the pairs' waterfalls are not an output here
        # screening's own columns: the party fields and entity are the mention's (below)
        screened_matches = screened.matches.select(list(MATCH_COLUMNS))
        matches = _matches_per_mention(con, screened_matches, rep_of, clusters)
        listings = _listings(screened.entity_matches)
        del reps, rep_of
        _release_memory()
        lap("screen")

        step("building the network")
        entity_ids = {
            f"{r}_entity_id": _role_column(ships, clusters, r, "entity_id") for r in ROLES
        }
        consignee_country = iso2_column(_role_column(ships, clusters, "consignee", "country"))
        facts = shipment_facts(
            ships,
            {r: entity_ids[f"{r}_entity_id"] for r in ("shipper", "consignee")},
            consignee_country,
            goods,
        )
        flow_table = build_flows(con, facts, deduped.entities)
        lap("network")

        step("alert rules")
        listed = pa.table({"entity_id": pa.array(sorted(listings), pa.string())})
        builder = AlertBuilder(_parties(deduped.entities), listings, window_days, goods.label)
        found = [
            *builder.direct(rules.direct_listed(con, facts, listed)),
            *builder.via(rules.via_intermediary(con, facts, listed, window_days)),
            *builder.controlled(rules.controlled_goods(con, facts, listed, restricted_iso2)),
        ]
        alerts = alerts_table(found)
        lap("alerts")

    out_shipments = ships.raw
    for name, ids in entity_ids.items():
        out_shipments = out_shipments.append_column(name, ids)
    entities = _entities_table(deduped.entities, clusters, listings)
    timings["total_s"] = round(time.perf_counter() - t0, 3)
    summary = _summary(
        ships, mentions, deduped, screened, n_screened, len(listings), flow_table, facts, alerts
    )
    summary.update(
        window_days=window_days,
        goods_of_concern="all goods" if goods.all_goods else goods.source,
        hs_prefixes=len(goods.prefixes),
        restricted_destinations=sorted(restricted_iso2),
        timings=timings,
    )
    return FlowsResult(
        out_shipments, entities, clusters, matches, flow_table, alerts, summary, facts
    )


def _release_memory() -> None:
    """Hand Arrow's freed pages back to the system: its allocator keeps them, and at a million
    shipments the transient copies of reading and exploding hold about 0.7 GB through dedupe."""
    pa.default_memory_pool().release_unused()


def _summary(
    ships: Shipments,
    mentions: pa.Table,
    deduped: DedupeResult,
    screened: ScreenResult,
    n_screened: int,
    n_listed: int,
    flow_table: pa.Table,
    facts: pa.Table,
    alerts: pa.Table,
) -> dict[str, Any]:
    """Counts of the run and the dedupe and screening settings and timings."""
    kinds = alerts.column("kind").to_pylist()
    roles = mentions.column("role")
    return {
        "shipments": ships.raw.num_rows,
        "party_mentions": mentions.num_rows,
        "mentions_per_role": {r: int(pc.sum(pc.equal(roles, r)).as_py() or 0) for r in ships.roles},
        "profiles": deduped.summary["profiles"],
        "entities": deduped.entities.num_rows,
        "listed_entities": n_listed,
        "flows": flow_table.num_rows,
        "shipments_of_goods_of_concern": int(pc.sum(facts.column("concern")).as_py() or 0),
        "alerts": {k: kinds.count(k) for k in KINDS},
        "dedupe_threshold": deduped.summary["threshold"],
        "screening": {
            "threshold": screened.summary["threshold"],
            "distinct_parties_screened": n_screened,
            "lists": screened.summary["lists"],
        },
        "timings_of_steps": {
            "dedupe": deduped.summary["timings"],
            "screen": screened.summary["timings"],
        },
        "model": deduped.summary["model"],
    }


def _distinct_parties(con: Any, clusters: pa.Table) -> tuple[pa.Table, pa.Table]:
    """One record per distinct (party fields, entity) for screening, and each mention's
    representative: identical records get identical scores, so each is screened once."""
    keys = ", ".join(f'"{c}"' for c in _SCREEN_KEYS)
    with registered(con, {"_fl_clusters": clusters.select(["id", *_SCREEN_KEYS, "entity_id"])}):
        rep_of = con.sql(
            f"""
            SELECT id, min(id) OVER (PARTITION BY {keys}, entity_id) AS rep
            FROM _fl_clusters
            """
        ).to_arrow_table()
        with registered(con, {"_fl_rep": rep_of}):
            reps = con.sql(
                f"""
                SELECT c.id, {", ".join(f'c."{k}"' for k in _SCREEN_KEYS)}, c.entity_id
                FROM _fl_clusters c JOIN _fl_rep r ON r.id = c.id AND r.rep = c.id
                ORDER BY c.id
                """
            ).to_arrow_table()
    return reps, rep_of


def _matches_per_mention(
    con: Any, matches: pa.Table, rep_of: pa.Table, clusters: pa.Table
) -> pa.Table:
    """The screening matches of each representative copied to every mention it stands for."""
    tables = {
        "_fl_m": matches,
        "_fl_rep": rep_of,
        "_fl_cl": clusters.select(["id", "entity_id", SHIPMENT_ID, "role"]),
    }
    with registered(con, tables):
        return con.sql(
            """
            SELECT r.id, m.* EXCLUDE (id), c.entity_id, c.shipment_id, c.role
            FROM _fl_m m JOIN _fl_rep r ON r.rep = m.id JOIN _fl_cl c ON c.id = r.id
            ORDER BY r.id, m.score DESC, m.list_id
            """
        ).to_arrow_table()


def _listings(entity_matches: pa.Table) -> dict[str, Listing]:
    """Each entity's best list match at or above the threshold (ties: smallest list id)."""
    out: dict[str, Listing] = {}
    rows = entity_matches.filter(entity_matches.column("match")).to_pylist()
    rows.sort(key=lambda r: (r["entity_id"], -r["score"], r["list_id"]))
    for r in rows:
        if r["entity_id"] not in out:
            out[r["entity_id"]] = Listing(
                r["list_id"],
                r["list_name"],
                r["matched_name"],
                r["score"],
                r["explanation"],
            )
    return out


def _parties(entities: pa.Table) -> dict[str, Party]:
    cols = entities.select(["entity_id", "name", "countries"]).to_pydict()
    return {
        e: Party(n or "(no name)", c or "")
        for e, n, c in zip(cols["entity_id"], cols["name"], cols["countries"], strict=True)
    }


def _role_column(ships: Shipments, clusters: pa.Table, role: str, column: str) -> pa.Array:
    """A clusters column for one role, aligned with the shipment rows (null where absent)."""
    mine = clusters.filter(pc.equal(clusters.column("role"), role))
    where = pc.index_in(ships.parsed.column(SHIPMENT_ID), value_set=mine.column(SHIPMENT_ID))
    return pc.take(mine.column(column), where)


def _entities_table(
    entities: pa.Table, clusters: pa.Table, listings: dict[str, Listing]
) -> pa.Table:
    """Dedupe's entities with the shipments per role and the best list match."""
    ids = entities.column("entity_id")
    out = entities
    for role in ROLES:
        mine = clusters.filter(pc.equal(clusters.column("role"), role))
        counts = pc.value_counts(mine.column("entity_id"))
        where = pc.index_in(ids, value_set=counts.field("values"))
        n = pc.fill_null(pc.take(counts.field("counts"), where), 0)
        out = out.append_column(f"shipments_as_{role}", pc.cast(n, pa.int64()))
    listed = [listings.get(e) for e in ids.to_pylist()]
    out = out.append_column("list_id", pa.array([x.list_id if x else None for x in listed]))
    return out.append_column(
        "list_score", pa.array([x.score if x else None for x in listed], pa.float64())
    )
