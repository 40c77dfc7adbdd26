"""Turn rule findings into scored alerts with readable explanations, sorted by score."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from resolver.tradeflows import scoring

ALERT_COLUMNS = (
    "alert_id",
    "kind",
    "path_entity_ids",
    "path_names",
    "list_id",
    "score",
    "shipment_ids",
    "first_date",
    "last_date",
    "hs_headings",
    "explanation",
)
KINDS = ("direct_listed", "via_intermediary", "controlled_goods")


@dataclass(frozen=True)
class Party:
    """What an explanation says about a resolved entity."""

    name: str
    countries: str

    def __str__(self) -> str:
        return f"{self.name} ({self.countries})" if self.countries else self.name


@dataclass(frozen=True)
class Listing:
    """An entity's best list match at or above the screening threshold."""

    list_id: str
    list_name: str
    matched_name: str
    score: float
    explanation: str

    def sentence(self, who: Party) -> str:
        """Why ``who`` is taken to be this listed party."""
        via = "" if self.matched_name == self.list_name else f" as '{self.matched_name}'"
        return (
            f"{who.name} matches listed party {self.list_id} '{self.list_name}'"
            f"{via} (score {self.score:.2f}: {self.explanation})"
        )


_UNNAMED = Party("(party not named)", "")


class AlertBuilder:
    """Scores and explains findings; ``parties`` and ``listings`` are keyed by entity id."""

    def __init__(
        self,
        parties: dict[str, Party],
        listings: dict[str, Listing],
        window_days: int,
        goods_source: str,
    ):
        self.parties = parties
        self.listings = listings
        self.window_days = window_days
        self.goods_source = goods_source

    def party(self, entity_id: str | None) -> Party:
        return self.parties.get(entity_id, _UNNAMED) if entity_id else _UNNAMED

    def direct(self, rows: pa.Table) -> Iterator[dict[str, Any]]:
        """``direct_listed`` alerts from ``rules.direct_listed``."""
        for r in rows.to_pylist():
            s, lst = self.party(r["shipper"]), self.listings[r["listed"]]
            concern = scoring.share(
                r["n_concern"],
                r["n_shipments"],
                r["value_concern"],
                r["value_usd"],
                r["n_valued"] == r["n_shipments"],
            )
            goods = (
                f"{r['n_concern']} of them goods of concern"
                if r["n_concern"]
                else "none of them goods of concern"
            )
            text = (
                f"{s} sent {_count(r['n_shipments'], 'shipment')} to {self.party(r['listed'])}"
                f"{_span(r['first_date'], r['last_date'])} ({_headings(r['headings'])}; {goods}"
                f"{_usd(r['value_usd'], r['n_valued'] == r['n_shipments'])}). "
                f"{lst.sentence(self.party(r['listed']))}."
            )
            yield self._alert(
                "direct_listed",
                [r["shipper"], r["listed"]],
                lst.list_id,
                scoring.direct_score(lst.score, concern),
                r["shipment_ids"],
                r["first_date"],
                r["last_date"],
                r["headings"],
                text,
            )

    def via(self, rows: pa.Table) -> Iterator[dict[str, Any]]:
        """``via_intermediary`` alerts from ``rules.via_intermediary``."""
        for r in rows.to_pylist():
            s, x, lp = self.party(r["supplier"]), self.party(r["intermediary"]), r["listed"]
            listed, lst = self.party(lp), self.listings[lp]
            outflow = scoring.share(
                r["n_out"],
                r["n_in"],
                r["value_out"],
                r["value_in"],
                r["n_out_valued"] == r["n_out"] and r["n_in_valued"] == r["n_in"],
            )
            lag = float(r["median_lag_days"])
            heads = _headings(r["headings"])
            text = (
                f"{x} received {heads} from {s} ({_count(len(r['in_ids']), 'shipment')}"
                f"{_span(r['first_in'], r['last_in'])}) and shipped {heads} on to {listed} "
                f"{_count(len(r['out_ids']), 'time')} within {self.window_days} days of a receipt "
                f"(median {lag:g} days later{_span(r['first_out'], r['last_out'])}); "
                f"{outflow:.0%} of {x.name}'s inbound {heads} went to {listed.name}."
            )
            if r["n_direct"]:
                text += (
                    f" {s.name} itself shipped {_headings(r['direct_headings'])} directly to "
                    f"{listed.name} {_count(r['n_direct'], 'time')}, last on "
                    f"{_day(r['direct_last_date'])}."
                )
            text += f" {lst.sentence(listed)}."
            yield self._alert(
                "via_intermediary",
                [r["supplier"], r["intermediary"], lp],
                lst.list_id,
                scoring.via_score(lst.score, outflow, lag, self.window_days),
                r["in_ids"] + r["out_ids"],
                r["first_in"],
                r["last_out"],
                r["headings"],
                text,
            )

    def controlled(self, rows: pa.Table) -> Iterator[dict[str, Any]]:
        """``controlled_goods`` alerts from ``rules.controlled_goods``."""
        for r in rows.to_pylist():
            s, c = self.party(r["shipper"]), self.party(r["consignee"])
            lst = self.listings.get(r["consignee"]) if r["to_listed"] else None
            text = (
                f"{s} sent {_count(r['n_concern'], 'shipment')} of goods of concern "
                f"({_headings(r['headings'])}, in {self.goods_source}"
                f"{_usd(r['value_usd'], r['n_valued'] == r['n_shipments'])}) to {c}"
                f"{_span(r['first_date'], r['last_date'])}. "
            )
            reasons = []
            if lst is not None:
                reasons.append(lst.sentence(c))
            if r["restricted_destinations"]:
                reasons.append(
                    f"destination {', '.join(r['restricted_destinations'])} is under restrictions"
                )
            text += "; ".join(reasons) + "."
            yield self._alert(
                "controlled_goods",
                [r["shipper"], r["consignee"]],
                lst.list_id if lst else None,
                scoring.controlled_score(lst.score if lst else None),
                r["shipment_ids"],
                r["first_date"],
                r["last_date"],
                r["headings"],
                text,
            )

    def _alert(
        self,
        kind: str,
        path: list[str | None],
        list_id: str | None,
        score: float,
        shipment_ids: list[str],
        first: date | None,
        last: date | None,
        headings: list[str] | None,
        explanation: str,
    ) -> dict[str, Any]:
        ids = ";".join(p or "" for p in path)
        key = f"{kind}|{ids}|{list_id or ''}".encode()
        return {
            "alert_id": "A" + hashlib.blake2b(key, digest_size=6).hexdigest(),
            "kind": kind,
            "path_entity_ids": ids,
            "path_names": "; ".join(self.party(p).name for p in path),
            "list_id": list_id,
            "score": round(score, 4),
            "shipment_ids": ";".join(shipment_ids),
            "first_date": first,
            "last_date": last,
            "hs_headings": ";".join(headings or []),
            "explanation": explanation,
        }


def alerts_table(alerts: list[dict[str, Any]]) -> pa.Table:
    """Alerts sorted by score (highest first), then kind, first date and id."""
    order = {k: i for i, k in enumerate(KINDS)}
    alerts.sort(
        key=lambda a: (
            -a["score"],
            order[a["kind"]],
            a["first_date"] or date.max,
            a["alert_id"],
        )
    )
    types = {"score": pa.float64(), "first_date": pa.date32(), "last_date": pa.date32()}
    return pa.table(
        {c: pa.array([a[c] for a in alerts], types.get(c, pa.string())) for c in ALERT_COLUMNS}
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _day(d: date | None) -> str:
    return d.isoformat() if d else "an unknown date"


def _span(first: date | None, last: date | None) -> str:
    if first is None and last is None:
        return ""
    if first == last:
        return f" on {_day(first)}"
    return f" from {_day(first)} to {_day(last)}"


def _headings(headings: list[str] | None) -> str:
    return f"HS {', '.join(headings)}" if headings else "goods without an HS code"


def _usd(value: float | None, complete: bool) -> str:
    if value is None:
        return ""
    return f"; USD {value:,.0f}" + ("" if complete else " where declared")
