"""Loader for FollowTheMoney / OpenSanctions entities (JSON lines or one JSON array)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from resolver.screening.lists._table import (
    Party,
    alias_type,
    build_table,
    clean,
    is_non_latin,
    list_error,
    unique,
)
from resolver.screening.lists.generic_csv import read_text

logger = logging.getLogger(__name__)

SCHEMA_TYPES = {
    "Person": "person",
    "Company": "organization",
    "Organization": "organization",
    "PublicBody": "organization",
    "LegalEntity": "unknown",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
_COUNTRY_PROPS = ("mainCountry", "country", "jurisdiction", "nationality", "citizenship", "flag")
_TAX_PROPS = ("taxNumber", "innCode", "vatCode", "registrationNumber", "ogrnCode", "leiCode")
_REMARK_PROPS = ("notes", "summary", "description")
_ALIAS_PROPS = (("alias", "aka"), ("abbreviation", "aka"), ("previousName", "fka"))

Entity = dict[str, Any]


def iter_entities(path: Path, text: str | None = None) -> Iterator[tuple[int, Entity]]:
    """(line number, object) for a JSON-lines file or a file holding one JSON array."""
    text = read_text(path) if text is None else text
    if not text.strip():
        raise list_error(path, "file is empty")
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise list_error(path, f"line {exc.lineno}: invalid JSON ({exc.msg})") from exc
        for index, item in enumerate(items, start=1):
            yield index, _check(path, index, item, "item")
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise list_error(path, f"line {number}: invalid JSON ({exc.msg})") from exc
        yield number, _check(path, number, item, "line")


def _check(path: Path, number: int, item: object, unit: str) -> Entity:
    if not isinstance(item, dict):
        raise list_error(path, f"{unit} {number}: expected a JSON object")
    if not isinstance(item.get("schema"), str) or not isinstance(item.get("properties"), dict):
        raise list_error(path, f"{unit} {number}: not a FollowTheMoney entity (schema, properties)")
    return item


def _values(props: dict[str, Any], name: str) -> list[str]:
    """The property's text values; nested arrays are flattened (``[["x"]]`` gives ``x``, never
    the text ``['x']``), objects and other non-scalar values skipped."""
    return [text for v in _flatten(props.get(name)) if (text := clean(v))]


def _flatten(value: Any) -> Iterator[str | int | float]:
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        yield value


def load(path: str | Path) -> pa.Table:
    """Load FollowTheMoney entities; non-party schemas (Address, Sanction, ...) are skipped."""
    path = Path(path)
    parties: dict[str, Entity] = {}
    addresses: dict[str, dict[str, Any]] = {}
    sanctions: list[dict[str, Any]] = []
    for number, item in iter_entities(path):
        schema = item["schema"]
        if schema == "Address":
            addresses[str(item.get("id"))] = item["properties"]
        elif schema == "Sanction":
            sanctions.append(item["properties"])
        elif schema in SCHEMA_TYPES:
            entity_id = clean(item["id"]) if isinstance(item.get("id"), (str, int)) else None
            if entity_id is None:
                raise list_error(path, f"line {number}: entity has no id")
            item["id"] = entity_id
            if entity_id in parties:
                _merge(parties[entity_id], item)
            else:
                parties[entity_id] = item
    programs: dict[str, list[str]] = {}
    for props in sanctions:
        for target in _values(props, "entity"):
            programs.setdefault(target, []).extend(
                _values(props, "programId") or _values(props, "program")
            )
    built = [
        party
        for entity in parties.values()
        if (party := _party(path, entity, addresses, programs)) is not None
    ]
    logger.info("loaded %d FollowTheMoney parties from %s", len(built), path)
    return build_table(built)


def _merge(target: Entity, other: Entity) -> None:
    """Merge a second fragment of the same entity id into the first."""
    props = target["properties"]
    for key, value in other["properties"].items():
        values = value if isinstance(value, list) else [value]
        current = props.get(key, [])
        props[key] = (current if isinstance(current, list) else [current]) + values
    datasets = target.get("datasets") or []
    target["datasets"] = datasets + [d for d in other.get("datasets") or [] if d not in datasets]


def _party(
    path: Path,
    entity: Entity,
    addresses: dict[str, dict[str, Any]],
    programs: dict[str, list[str]],
) -> Party | None:
    props = entity["properties"]
    names = _values(props, "name")
    if not names:
        full = clean(" ".join(_values(props, "firstName") + _values(props, "lastName")))
        names = [full] if full else []
    if not names:
        logger.warning("%s: entity %s has no name, skipped", path, entity["id"])
        return None
    caption = next(iter(_values(entity, "caption")), None)
    primary = caption if caption in names else None
    primary = primary or next((n for n in names if not is_non_latin(n)), names[0])
    datasets = [d for d in entity.get("datasets") or [] if isinstance(d, str) and d]
    source = ";".join(unique(datasets)) or path.stem
    party = Party(
        list_id=f"{source}:{entity['id']}",
        list_source=source,
        list_name=primary,
        entity_type=SCHEMA_TYPES[entity["schema"]],
        countries=[c for prop in _COUNTRY_PROPS for c in _values(props, prop)],
        tax_id=next((v for prop in _TAX_PROPS for v in _values(props, prop)), None),
        remarks="; ".join(unique(v for p in _REMARK_PROPS for v in _values(props, p))) or None,
    )
    party.programs = (
        _values(props, "programId") + _values(props, "program") + programs.get(entity["id"], [])
    ) or _values(props, "topics")
    for name in names:
        party.add_name(name, alias_type(name))
    for prop, name_type in _ALIAS_PROPS:
        for name in _values(props, prop):
            party.add_name(name, alias_type(name, name_type))
    for name in _values(props, "weakAlias"):
        party.add_name(name, "weak_aka")
    _set_address(party, props, addresses)
    return party


def _set_address(party: Party, props: dict[str, Any], addresses: dict[str, dict[str, Any]]) -> None:
    """Address text, city and postcode from `address` or linked/nested Address entities."""
    linked: list[dict[str, Any]] = []
    raw = props.get("addressEntity")
    for ref in raw if isinstance(raw, list) else [raw]:
        if isinstance(ref, dict) and isinstance(ref.get("properties"), dict):
            linked.append(ref["properties"])
        elif isinstance(ref, str) and ref in addresses:
            linked.append(addresses[ref])
    first = linked[0] if linked else {}
    party.address = next(
        iter(_values(props, "address") + _values(first, "street") + _values(first, "full")), None
    )
    party.city = next(iter(_values(first, "city")), None)
    party.postcode = next(iter(_values(first, "postalCode")), None)
    party.countries += [c for a in linked for c in _values(a, "country")]
