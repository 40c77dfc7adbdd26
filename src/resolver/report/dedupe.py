"""The dedupe report: counts, entity sizes, the largest and the most mixed entities with all
their spellings, and where the scored pairs fall against the threshold."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from resolver.model.scoring import logit2
from resolver.report import charts, write_page
from resolver.report.html import Raw, cards, esc, page, section, shown, table

if TYPE_CHECKING:  # pragma: no cover
    from resolver.dedupe import DedupeResult

TOP_ENTITIES = 15
SIZE_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, 20), (21, 50), (51, 100))


def size_buckets(sizes: list[int]) -> tuple[list[str], list[int]]:
    """Entities per size bucket (1, 2, 3, 4-5, ... 51-100, >100 records)."""
    labels = [str(a) if a == b else f"{a}-{b}" for a, b in SIZE_BUCKETS]
    labels.append(f">{SIZE_BUCKETS[-1][1]}")
    counts = [0] * len(labels)
    for s in sizes:
        k = next((i for i, (_, b) in enumerate(SIZE_BUCKETS) if s <= b), len(SIZE_BUCKETS))
        counts[k] += 1
    return labels, counts


def _by_entity(table: pa.Table, column: str) -> dict:
    """entity_id -> ``column`` of a per entity table."""
    return dict(
        zip(table.column("entity_id").to_pylist(), table.column(column).to_pylist(), strict=True)
    )


def dedupe_report(result: DedupeResult) -> str:
    """The report page of a dedupe run."""
    s = result.summary
    # per entity counts in Arrow (a dedupe has up to millions of records); the spellings
    # themselves only for the entities shown
    records = result.clusters.select(["entity_id", "name"])
    records = records.set_column(1, "name", pc.fill_null(records.column("name"), ""))
    distinct = records.group_by("entity_id").aggregate([("name", "count_distinct")])
    n_spellings = _by_entity(distinct, "name_count_distinct")
    weakest: dict[str, float] = {}
    if result.links is not None:
        scores = result.links.select(["entity_id", "score"]).group_by("entity_id")
        lowest = _by_entity(scores.aggregate([("score", "min")]), "score_min")
        weakest = {e: min(v, 1.0) for e, v in lowest.items() if v is not None}
    ent = result.entities.to_pylist()

    overview = cards(
        [
            ("records", s["records"]),
            ("distinct profiles", s["profiles"]),
            ("entities", s["entities"]),
            ("entities with several records", s["entities_with_several_records"]),
            ("largest entity (records)", s["largest_entity"]),
            ("records with a blank name", s["unmatchable_records"]),
            ("pairs at/above threshold", s["pairs_at_or_above_threshold"]),
            ("threshold", f"{s['threshold']:g}"),
        ]
    )
    missing = s["evidence"]["columns_missing"]
    if missing:
        overview += f'<p class="muted">No data in: {esc(", ".join(missing))}.</p>'

    labels, counts = size_buckets([e["n_records"] for e in ent])
    sizes = charts.bars(labels, counts, "entities by number of records", "entities")

    def spelling_list(entity: str) -> Raw:
        items = spellings.get(entity, Counter()).most_common()
        return Raw(
            '<ul class="sp">'
            + "".join(
                f"<li><bdi>{esc(n)}</bdi> <span class='muted'>×{c}</span></li>" for n, c in items
            )
            + "</ul>"
        )

    def entity_rows(rows: list[dict]) -> list[list]:
        return [
            [
                e["entity_id"],
                e["name"],
                e["n_records"],
                e["countries"],
                n_spellings.get(e["entity_id"], 0),
                weakest.get(e["entity_id"]),
                spelling_list(e["entity_id"]),
            ]
            for e in rows
        ]

    headers = [
        "entity",
        "name",
        "records",
        "countries",
        "spellings",
        "weakest link",
        "all spellings",
    ]
    largest = [e for e in ent if e["n_records"] > 1][:TOP_ENTITIES]
    several = [e for e in ent if e["n_records"] > 1]
    mixed = sorted(
        several,
        key=lambda e: (
            -len((e["countries"] or "").split(";")),
            weakest.get(e["entity_id"], 1.0),
            -n_spellings.get(e["entity_id"], 0),
            e["entity_id"],
        ),
    )[:TOP_ENTITIES]
    on_page = pa.array([e["entity_id"] for e in largest + mixed], pa.string())
    spellings: dict[str, Counter] = {}
    cl = records.filter(pc.is_in(records.column("entity_id"), value_set=on_page)).to_pydict()
    for entity, name in zip(cl["entity_id"], cl["name"], strict=True):
        spellings.setdefault(entity, Counter())[name] += 1

    weights = result.pairs.column("match_weight")
    floor = s.get("pairs_floor", s["threshold"])
    markers = [
        (
            logit2(s["threshold"]),
            f"threshold {s['threshold']:g} ({logit2(s['threshold']):.1f} bits)",
        )
    ]
    if floor < s["threshold"]:
        markers.append((logit2(floor), f"pairs kept from {floor:g}"))
    hist = charts.histogram(weights.to_numpy(), markers, "scored pairs by match weight")
    above = int(
        pc.sum(pc.greater_equal(result.pairs.column("match_probability"), s["threshold"])).as_py()
        or 0
    )
    sections = [
        section("Summary", overview, "summary"),
        section(
            "Entity sizes", sizes + '<p class="muted">Entities by number of records.</p>', "sizes"
        ),
        section(
            "Scored pairs by match weight",
            hist + f'<p class="muted">{weights.length():,} scored pairs; {above:,} at or above the '
            f"threshold. Match weight = log2 of the odds of a match.</p>",
            "weights",
        ),
        section(
            "Largest entities",
            shown(len(largest), len(several), "entities with several records")
            + table(headers, entity_rows(largest), numeric=(2, 4, 5)),
            "largest",
        ),
        section(
            "Most mixed entities",
            '<p class="muted">Most countries first, then the weakest link (the lowest score '
            "by which a record is held in the entity, see links.csv).</p>"
            + table(headers, entity_rows(mixed), numeric=(2, 4, 5)),
            "mixed",
        ),
    ]
    return page(
        "resolver dedupe", f"{s['records']:,} records · model {s.get('model', '')}", sections
    )


def write_dedupe_report(result: DedupeResult, target: Path) -> Path:
    """Write the dedupe report to ``target`` atomically."""
    return write_page(dedupe_report(result), target)
