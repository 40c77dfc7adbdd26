"""Read party records from CSV, Parquet or JSON Lines (through DuckDB) with clear errors.

Every failure becomes an ``InputError`` naming the file and, where it applies, the line.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from resolver.errors import InputError
from resolver.io.schema import parse_mapping, to_canonical

log = logging.getLogger(__name__)

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_UTF8_CYRILLIC_PAIR = re.compile(rb"[\xd0\xd1][\x80-\xbf]")


def read_table(
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> pa.Table:
    """Read a file into an Arrow table of text columns, choosing the reader by file suffix."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a CSV, Parquet or JSON Lines file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path)
    if suffix in JSON_SUFFIXES:
        return _read_jsonl(path, encoding)
    if suffix in CSV_SUFFIXES or suffix == "":
        return _read_csv(path, encoding, delimiter or ("\t" if suffix == ".tsv" else ","))
    raise InputError(
        f"{path}: unknown file type '{suffix}' (expected .csv, .tsv, .parquet or .jsonl)"
    )


def read_records(
    source: str | os.PathLike | pa.Table | object,
    *,
    mapping: str | Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> pa.Table:
    """Read a path, pandas DataFrame or Arrow table into the canonical party-record table."""
    parsed = parse_mapping(mapping)
    if isinstance(source, pa.Table):
        return to_canonical(source, "input table", parsed)
    if _is_pandas(source):
        try:
            table = pa.Table.from_pandas(source, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError) as exc:
            raise InputError(f"input DataFrame: cannot convert to a table: {exc}") from None
        return to_canonical(table, "input DataFrame", parsed)
    if isinstance(source, (str, os.PathLike)):
        table = read_table(source, encoding=encoding, delimiter=delimiter)
        return to_canonical(table, str(source), parsed)
    raise InputError(
        f"unsupported input of type {type(source).__name__}: "
        "give a file path, a pandas DataFrame or a pyarrow Table"
    )


def _is_pandas(obj: object) -> bool:
    return type(obj).__module__.startswith("pandas") and hasattr(obj, "to_records")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_bytes(data: bytes, source: str, encoding: str | None) -> tuple[str, str]:
    """Decode file bytes, returning (text, encoding used); detects cp1251 only when unambiguous."""
    nul = data.find(b"\x00")
    if nul >= 0 and (encoding or "").lower().replace("-", "") not in ("utf16", "utf32"):
        raise InputError(
            f"{source}: line {_line_of(data, nul)}: contains a NUL byte (binary data?)"
        )
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise InputError(f"{source}: unknown encoding '{encoding}'") from None
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source}: line {_line_of(data, exc.start)}: bytes not valid in {encoding}"
            ) from None
        return text.removeprefix("\ufeff"), encoding
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        if _looks_like_cp1251(data):
            log.warning(
                "%s: not UTF-8; decoded as cp1251 (Cyrillic) — pass --encoding to be explicit",
                source,
            )
            return data.decode("cp1251"), "cp1251"
        if _UTF8_CYRILLIC_PAIR.search(data):
            raise InputError(
                f"{source}: line {line}: invalid UTF-8 bytes in a file that is otherwise UTF-8 "
                "(mixed encodings?); fix the file or pass --encoding"
            ) from None
        raise InputError(
            f"{source}: line {line}: not valid UTF-8 and the encoding could not be detected; "
            "pass --encoding (e.g. cp1251, latin-1)"
        ) from None


def _looks_like_cp1251(data: bytes) -> bool:
    """True when the non-ASCII bytes read as Cyrillic letters in cp1251 and not as UTF-8 sequences."""
    high = sum(1 for b in data if b >= 0x80)
    if high == 0:
        return False
    letters = sum(1 for b in data if b >= 0xC0 or b in (0xA8, 0xB8))
    utf8_pairs = len(_UTF8_CYRILLIC_PAIR.findall(data))
    return letters / high >= 0.9 and utf8_pairs * 2 / high < 0.3


def _read_csv(path: Path, encoding: str | None, delimiter: str) -> pa.Table:
    data = path.read_bytes()
    text, used = decode_bytes(data, str(path), encoding)
    if not text.strip():
        raise InputError(f"{path}: file is empty")
    header = _read_header(_csv_reader(text, delimiter), str(path))
    target = path
    tmp_path = None
    if used.lower().replace("-", "") not in ("utf8",) or data.startswith(b"\xef\xbb\xbf"):
        fd, tmp_path = tempfile.mkstemp(suffix=".csv", prefix="resolver-")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        target = Path(tmp_path)
    try:
        con = duckdb.connect()
        rel = con.read_csv(
            str(target),
            header=True,
            all_varchar=True,
            delimiter=delimiter,
            quotechar='"',
            escapechar='"',
            strict_mode=True,
            auto_detect=False,
            columns={name: "VARCHAR" for name in header},
        )
        table = rel.to_arrow_table()
    except duckdb.Error as exc:
        # DuckDB's strict parser found a problem: walk the file with the csv module to name the
        # line and the cause (done only on failure: it costs 2.5 s per million rows)
        _check_csv_structure(text, str(path), delimiter)
        first = str(exc).strip().splitlines()[0]
        raise InputError(f"{path}: could not parse CSV: {first}") from None
    finally:
        if tmp_path:
            os.unlink(tmp_path)
    if table.num_rows == 0:
        raise InputError(f"{path}: header only, no data rows")
    return table


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # universal newlines, ends kept


def _csv_reader(text: str, delimiter: str):
    """A csv reader over ``text`` line by line (line ends kept, as with newline=""): reading the
    header does not copy the whole file into a StringIO (0.6 s per million rows)."""
    lines = (m.group(0) for m in _LINE.finditer(text))
    return csv.reader(lines, delimiter=delimiter, strict=True)


def _read_header(reader, source: str) -> list[str]:
    """The reader's first row as the header, checked: present, not empty, no duplicate names."""
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{source}: file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{source}: line 1: malformed header: {exc}") from None
    if not header or all(not h.strip() for h in header):
        raise InputError(f"{source}: line 1: empty header")
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise InputError(f"{source}: line 1: duplicate column names: {', '.join(dupes)}")
    return header


def _check_csv_structure(text: str, source: str, delimiter: str) -> None:
    """Walk the CSV once with the csv module: header sanity, field counts, unbalanced quotes."""
    reader = _csv_reader(text, delimiter)
    width = len(_read_header(reader, source))
    row_start = reader.line_num + 1
    rows = 0
    try:
        for row in reader:
            if row and len(row) != width:
                raise InputError(
                    f"{source}: line {row_start}: {len(row)} fields, the header has {width} "
                    "(wrong delimiter or unbalanced quotes?)"
                )
            rows += 1
            row_start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            f"{source}: line {row_start}: malformed CSV ({exc}); unbalanced quotes?"
        ) from None
    if rows == 0:
        raise InputError(f"{source}: header only, no data rows")


def _read_parquet(path: Path) -> pa.Table:
    try:
        con = duckdb.connect()
        return con.read_parquet(str(path)).to_arrow_table()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(f"{path}: not a readable Parquet file (truncated?): {first}") from None


def _read_jsonl(path: Path, encoding: str | None) -> pa.Table:
    data = path.read_bytes()
    text, _ = decode_bytes(data, str(path), encoding)
    import json

    records = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    else:
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {lineno}: invalid JSON: {exc.msg}") from None
    if not records:
        raise InputError(f"{path}: no records")
    columns: dict[str, None] = {}
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise InputError(f"{path}: record {i}: expected a JSON object")
        columns.update(dict.fromkeys(rec))
    arrays = {
        col: pa.array([_json_text(r.get(col)) for r in records], type=pa.string())
        for col in columns
    }
    return pa.table(arrays)


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
