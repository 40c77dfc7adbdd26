"""Loader for the UN Security Council consolidated list XML."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

from resolver.screening.lists._table import (
    Party,
    alias_type,
    build_table,
    clean,
    list_error,
    unique,
)

logger = logging.getLogger(__name__)

SOURCE = "un_sc"
ROOT_TAG = "CONSOLIDATED_LIST"
_PARTIES = {"INDIVIDUAL": "person", "ENTITY": "organization"}
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_QUALITY = {"good": "aka", "a.k.a.": "aka", "low": "weak_aka", "f.k.a.": "fka", "n.k.a.": "nka"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(elem: ET.Element, tag: str) -> str | None:
    return clean(elem.findtext(tag))


def parse_error(path: Path | str, exc: ET.ParseError) -> Exception:
    """InputError for malformed XML, with line and column."""
    line, column = getattr(exc, "position", (0, 0))
    return list_error(path, f"malformed XML at line {line}, column {column + 1}")


def load(path: str | Path) -> pa.Table:
    """Load the UN consolidated XML (streamed with iterparse) into the canonical list table."""
    path = Path(path)
    parties: dict[str, Party] = {}
    try:
        with open(path, "rb") as fh:
            _parse(path, fh, parties)
    except ET.ParseError as exc:
        raise parse_error(path, exc) from exc
    except OSError as exc:
        raise list_error(path, f"cannot read ({exc.strerror})") from exc
    logger.info("loaded %d UN parties from %s", len(parties), path)
    return build_table(parties.values())


def _parse(path: Path, fh: BinaryIO, parties: dict[str, Party]) -> None:
    """Stream the parties of an open UN XML file into `parties`."""
    events = ET.iterparse(fh, events=("start", "end"))
    try:
        _, root = next(events)
    except StopIteration as exc:
        raise list_error(path, "file is empty") from exc
    if _local(root.tag) != ROOT_TAG:
        raise list_error(path, f"root element is <{root.tag}>, expected <{ROOT_TAG}>")
    for event, elem in events:
        if event != "end":
            continue
        if "}" in elem.tag:  # drop an XML namespace so findtext("FIRST_NAME") works
            elem.tag = _local(elem.tag)
        if elem.tag not in _PARTIES:
            continue
        party = _party(path, elem)
        if party.list_id in parties:
            raise list_error(path, f"duplicate REFERENCE_NUMBER {party.list_id[3:]}")
        parties[party.list_id] = party
        elem.clear()


def _party(path: Path, elem: ET.Element) -> Party:
    kind = _local(elem.tag)
    ref = _text(elem, "REFERENCE_NUMBER") or _text(elem, "DATAID")
    if ref is None:
        raise list_error(path, f"a <{kind}> has neither REFERENCE_NUMBER nor DATAID")
    name = clean(" ".join(filter(None, (_text(elem, t) for t in _NAME_PARTS))))
    if name is None:
        raise list_error(path, f"{kind} {ref} has no FIRST_NAME")
    addresses = elem.findall(f"{kind}_ADDRESS")
    nationalities = [clean(v.text) for v in elem.findall("NATIONALITY/VALUE")]
    party = Party(
        list_id=f"un:{ref}",
        list_source=SOURCE,
        list_name=name,
        entity_type=_PARTIES[kind],
        countries=unique([_text(a, "COUNTRY") for a in addresses] + nationalities),
        programs=unique([_text(elem, "UN_LIST_TYPE")]),
        remarks=_text(elem, "COMMENTS1"),
    )
    main = next((a for a in addresses if _text(a, "STREET")), None)
    main = main or next((a for a in addresses if _text(a, "CITY")), None)
    if main is not None:
        party.address = _text(main, "STREET")
        party.city = _text(main, "CITY")
        party.postcode = _text(main, "ZIP_CODE")
    party.add_name(_text(elem, "NAME_ORIGINAL_SCRIPT"), "original_script")
    for alias in elem.findall(f"{kind}_ALIAS"):
        alias_name = _text(alias, "ALIAS_NAME")
        if alias_name:
            quality = (_text(alias, "QUALITY") or "").lower()
            party.add_name(alias_name, alias_type(alias_name, _QUALITY.get(quality, "aka")))
    return party
