"""Detect which watch-list format a path holds."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from resolver.screening.lists import un
from resolver.screening.lists._table import list_error

FORMATS: tuple[str, ...] = ("ofac", "un", "generic_csv", "ftm")
_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_EXPECTED = (
    "expected an OFAC SDN folder/sdn.csv, UN consolidated XML, a CSV with "
    "list_id,name,aliases,country,address columns, or FollowTheMoney JSON lines"
)
_PEEK_BYTES = 65536


def unknown_format(path: Path | str, detail: str = "") -> Exception:
    """InputError for a file of no known list format."""
    found = f"; {detail}" if detail else ""
    return list_error(path, f"unknown list format{found} ({_EXPECTED})")


def detect_format(path: str | Path) -> str:
    """One of FORMATS for the path, or InputError naming the file and what was expected."""
    path = Path(path)
    if not path.exists():
        raise list_error(path, "not found")
    if path.is_dir():
        if any(child.name.lower() == "sdn.csv" for child in path.iterdir()):
            return "ofac"
        raise unknown_format(path, "folder holds no sdn.csv")
    if path.name.lower() == "sdn.csv":
        return "ofac"
    head = _peek(path)
    if not head.strip(b" \t\r\n\x1a\xef\xbb\xbf"):
        raise list_error(path, "file is empty")
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return _detect_xml(path)
    if suffix == ".csv":
        return _detect_csv(path, head)
    if suffix in _JSON_SUFFIXES:
        return _detect_json(path, head)
    raise unknown_format(path)


def _peek(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(_PEEK_BYTES)
    except OSError as exc:
        raise list_error(path, f"cannot read ({exc.strerror})") from exc


def _detect_xml(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            _, root = next(ET.iterparse(fh, events=("start",)))
    except ET.ParseError as exc:
        raise un.parse_error(path, exc) from exc
    if root.tag.rsplit("}", 1)[-1] == un.ROOT_TAG:
        return "un"
    raise unknown_format(path, f"XML root is <{root.tag}>")


def _detect_csv(path: Path, head: bytes) -> str:
    first_line = head.decode("utf-8-sig", errors="replace").splitlines()[0]
    try:
        header = next(csv.reader(io.StringIO(first_line)), [])
    except csv.Error:
        header = []
    columns = {c.strip().lower() for c in header}
    if "list_id" in columns or "name" in columns:
        return "generic_csv"  # the loader names any missing required column
    raise unknown_format(path, "CSV header has no list_id/name columns")


def _detect_json(path: Path, head: bytes) -> str:
    if head.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"["):
        if b'"schema"' in head and b'"properties"' in head:
            return "ftm"
        raise unknown_format(path, "JSON array without FollowTheMoney entities")
    number, line = _first_line(path)
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise list_error(path, f"line {number}: invalid JSON ({exc.msg})") from exc
    if isinstance(item, dict) and "schema" in item and "properties" in item:
        return "ftm"
    raise unknown_format(path, f"line {number}: JSON object has no schema/properties")


def _first_line(path: Path) -> tuple[int, str]:
    """(line number, text) of the first non-blank line of a text file."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                return number, line
    return 1, ""
