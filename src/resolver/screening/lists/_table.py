"""Shared pieces of the list loaders: the canonical columns, a party record and table building."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from resolver.errors import InputError

LIST_COLUMNS: tuple[str, ...] = (
    "list_id",
    "list_source",
    "list_name",
    "name",
    "name_type",
    "entity_type",
    "country",
    "countries",
    "address",
    "city",
    "postcode",
    "tax_id",
    "programs",
    "remarks",
)
NAME_TYPES: tuple[str, ...] = ("primary", "aka", "fka", "nka", "weak_aka", "original_script")
ENTITY_TYPES: tuple[str, ...] = ("organization", "person", "vessel", "aircraft", "unknown")
LIST_SCHEMA = pa.schema([(c, pa.string()) for c in LIST_COLUMNS])

# When the same name is listed twice for a party, the stronger name type is kept.
_NAME_RANK = {"primary": 0, "original_script": 1, "aka": 2, "fka": 3, "nka": 4, "weak_aka": 5}


def list_error(path: Path | str, message: str) -> InputError:
    """An InputError whose one-line message names the list file."""
    return InputError(f"list file '{path}': {message}")


def clean(value: object) -> str | None:
    """Collapse whitespace; empty values become None."""
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def unique(values: Iterable[str | None]) -> list[str]:
    """Cleaned non-empty values, first occurrence order."""
    seen: dict[str, None] = {}
    for value in values:
        text = clean(value)
        if text is not None:
            seen.setdefault(text, None)
    return list(seen)


def is_non_latin(name: str) -> bool:
    """True when the name has letters but none of them is Latin (Cyrillic, Arabic, CJK...)."""
    letters = [ch for ch in name if ch.isalpha()]
    return bool(letters) and not any(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


def alias_type(name: str, default: str = "aka") -> str:
    """`original_script` for a non-Latin plain alias, else the given type."""
    return "original_script" if default == "aka" and is_non_latin(name) else default


def normalize_entity_type(value: str | None) -> str:
    """Map free-text party types (company, individual, ship...) to ENTITY_TYPES."""
    text = (clean(value) or "").lower()
    if text in ("organization", "organisation", "company", "entity", "org", "business", "bank"):
        return "organization"
    if text in ("person", "individual", "natural person", "people"):
        return "person"
    if text in ("vessel", "ship", "boat"):
        return "vessel"
    if text in ("aircraft", "airplane", "plane"):
        return "aircraft"
    return "unknown"


@dataclass
class Party:
    """One listed party with all its names; becomes one table row per name."""

    list_id: str
    list_source: str
    list_name: str
    entity_type: str = "unknown"
    names: list[tuple[str, str]] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    address: str | None = None
    city: str | None = None
    postcode: str | None = None
    tax_id: str | None = None
    programs: list[str] = field(default_factory=list)
    remarks: str | None = None

    def add_name(self, name: str | None, name_type: str) -> None:
        """Add a cleaned name variant (ignored when empty)."""
        text = clean(name)
        if text is not None:
            self.names.append((text, name_type))

    def rows(self) -> list[tuple[str | None, ...]]:
        """Rows in LIST_COLUMNS order, one per distinct name (strongest name type kept)."""
        best: dict[str, str] = {self.list_name: "primary"}
        for name, name_type in self.names:
            current = best.get(name)
            if current is None or _NAME_RANK[name_type] < _NAME_RANK[current]:
                best[name] = name_type
        countries = unique(self.countries)
        shared = (
            self.entity_type,
            countries[0] if countries else None,
            ";".join(countries) or None,
            clean(self.address),
            clean(self.city),
            clean(self.postcode),
            clean(self.tax_id),
            ";".join(unique(self.programs)) or None,
            clean(self.remarks),
        )
        head = (self.list_id, self.list_source, self.list_name)
        return [(*head, name, name_type, *shared) for name, name_type in best.items()]


def build_table(parties: Iterable[Party]) -> pa.Table:
    """The canonical table, sorted by list_id, name_type, name."""
    rows = [row for party in parties for row in party.rows()]
    rows.sort(key=lambda r: (r[0], r[4], r[3]))
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(LIST_COLUMNS)
    return pa.table(
        [pa.array(col, type=pa.string()) for col in columns],
        schema=LIST_SCHEMA,
    )


def empty_table() -> pa.Table:
    """A canonical table with no rows."""
    return LIST_SCHEMA.empty_table()
