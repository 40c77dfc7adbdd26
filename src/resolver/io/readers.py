"""Read party records from CSV, Parquet or JSON Lines (through DuckDB) with clear errors.

Every failure becomes an ``InputError`` naming the file and, where it applies, the line.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from resolver import interrupts
from resolver.errors import InputError
from resolver.io.csvsafe import restore_formulas
from resolver.io.outputs import read_marker
from resolver.io.runtemp import run_temp_dir
from resolver.io.schema import NESTED_METADATA, parse_mapping, to_canonical

log = logging.getLogger(__name__)

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_UTF8_PAIR = re.compile(rb"[\xc2-\xdf][\x80-\xbf]")  # a two-byte UTF-8 sequence
# words of letters in both Windows code pages: ASCII, and 0xC0-0xFF (Cyrillic in cp1251,
# accented Latin in cp1252) with cp1251's Ё/ё
_WORD = re.compile(rb"[A-Za-z\xa8\xb8\xc0-\xff]+")
_HIGH_LETTER = re.compile(rb"[\xa8\xb8\xc0-\xff]")
_HIGH_BYTES = bytes(range(0x80, 0x100))


def read_table(
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> pa.Table:
    """Read a file into an Arrow table of text columns, choosing the reader by file suffix (by
    content when there is none). A pipe or ``/dev/stdin`` is read once into the run's temp
    folder first. resolver's own CSV outputs are read back with their formula guard undone."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise InputError(f"{source}: file not found")
    if path.is_dir():
        return _read_parts(path, source, encoding, delimiter)
    if path.is_file():
        return _read_file(path, source, encoding, delimiter)
    spooled = _spool(path, source)  # a pipe or a device: DuckDB needs a file it can seek in
    try:
        return _read_file(spooled, source, encoding, delimiter)
    finally:
        spooled.unlink()


def _read_file(path: Path, source: str, encoding: str | None, delimiter: str | None) -> pa.Table:
    if path.stat().st_size == 0:
        raise InputError(f"{source}: file is empty")
    suffix = Path(source).suffix.lower() or _sniff_suffix(path)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, source)
    if suffix in JSON_SUFFIXES:
        return _read_jsonl(path, source, encoding)
    if suffix in CSV_SUFFIXES:
        table = _read_csv(path, source, encoding, delimiter or ("\t" if suffix == ".tsv" else ","))
        return restore_formulas(table) if _formula_guarded(Path(source)) else table
    raise InputError(
        f"{source}: unknown file type '{suffix}' (expected .csv, .tsv, .parquet or .jsonl)"
    )


def _read_parts(folder: Path, source: str, encoding: str | None, delimiter: str | None):
    """A folder of part files of one kind (as Spark writes them), in file name order."""
    parts = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("_", ".")))
    suffixes = {p.suffix.lower() for p in parts}
    if (
        not parts
        or len(suffixes) > 1
        or not suffixes <= CSV_SUFFIXES | PARQUET_SUFFIXES | JSON_SUFFIXES
    ):
        raise InputError(
            f"{source}: is a folder, expected a CSV, Parquet or JSON Lines file or a folder of "
            "part files of one of these kinds"
        )
    tables = [_read_file(p, str(p), encoding, delimiter) for p in parts if p.stat().st_size]
    if not tables:
        raise InputError(f"{source}: the part files are empty")
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except pa.ArrowInvalid as exc:
        raise InputError(f"{source}: part files with different columns ({exc})") from None


def _spool(path: Path, source: str) -> Path:
    """Copy a pipe's bytes into a file in the run's private temp folder."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror})") from None
    fd, tmp = tempfile.mkstemp(prefix="input-", suffix=path.suffix, dir=run_temp_dir())
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return Path(tmp)


def _sniff_suffix(path: Path) -> str:
    """The suffix of a file without one, from its first bytes: Parquet, JSON or else CSV."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PAR1"):
        return ".parquet"
    if head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"["):
        return ".jsonl"
    return ".csv"


def _formula_guarded(path: Path) -> bool:
    """True for a CSV resolver wrote with its formula guard (listed in its folder's marker)."""
    marker = read_marker(path.parent)
    return bool(marker and marker.get("csv_formula_prefix") and path.name in marker["files"])


def uncompressed_size(path: str | os.PathLike) -> int:
    """About how many bytes the records take as text: the file size, or for Parquet the size
    of its uncompressed column data; 0 when unknown (a pipe)."""
    path = Path(path)
    if not path.is_file():
        return 0
    if path.suffix.lower() in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        try:
            meta = pq.ParquetFile(path).metadata
            return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        except (OSError, pa.ArrowException):
            return path.stat().st_size
    return path.stat().st_size


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
    high = len(data) - len(data.translate(None, _HIGH_BYTES))
    if len(_UTF8_PAIR.findall(data)) * 2 / high >= 0.3:
        raise InputError(
            f"{source}: line {line}: invalid UTF-8 bytes in a file that is otherwise UTF-8 "
            "(mixed encodings?); fix the file or pass --encoding"
        )
    guess = windows_code_page(data)
    if guess is None:
        raise InputError(
            f"{source}: line {line}: not valid UTF-8, and its letters do not tell Windows-1252 "
            "(Western European) from Windows-1251 (Cyrillic): pass --encoding (e.g. cp1252, "
            "cp1251, latin-1)"
        )
    try:
        text = data.decode(guess)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: line {_line_of(data, exc.start)}: not valid UTF-8 nor {guess}; "
            "pass --encoding"
        ) from None
    log.warning(
        "%s: not UTF-8; decoded as %s (%s): pass --encoding to be explicit",
        source,
        guess,
        "Cyrillic" if guess == "cp1251" else "Western European",
    )
    return text, guess


def windows_code_page(data: bytes) -> str | None:
    """``cp1251`` or ``cp1252`` for non-UTF-8 bytes, told apart by how letters sit in words:
    Cyrillic words are made of high bytes only (``\xce\xce\xce`` = ООО), Western European ones
    mix a few high bytes into ASCII letters (``Soci\xe9t\xe9``). None when the words do not
    tell (no such word, or both kinds at once)."""
    cyrillic = latin = 0
    for word in _WORD.findall(data):
        high = len(_HIGH_LETTER.findall(word))
        if not high:
            continue
        if high < len(word):
            latin += 1
        elif high >= 2:  # a one-letter word (à, и) does not tell
            cyrillic += 1
    total = cyrillic + latin
    if total == 0:
        return None
    share = cyrillic / total
    return "cp1251" if share >= 0.8 else "cp1252" if share <= 0.2 else None


def _read_csv(path: Path, source: str, encoding: str | None, delimiter: str) -> pa.Table:
    data = path.read_bytes()
    text, used = decode_bytes(data, source, encoding)
    if not text.strip():
        raise InputError(f"{source}: file is empty")
    header = _read_header(_csv_reader(text, delimiter), source)
    target = path
    tmp_path = None
    if used.lower().replace("-", "") not in ("utf8",) or data.startswith(b"\xef\xbb\xbf"):
        target = tmp_path = _decoded_copy(text)
    try:
        con = interrupts.register(duckdb.connect())
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
        _check_csv_structure(text, source, delimiter)
        first = str(exc).strip().splitlines()[0]
        raise InputError(f"{source}: could not parse CSV: {first}") from None
    finally:
        if tmp_path:
            tmp_path.unlink()
    if table.num_rows == 0:
        raise InputError(f"{source}: header only, no data rows")
    return table


def _decoded_copy(text: str) -> Path:
    """The decoded text as a UTF-8 file for DuckDB, in the run's private temp folder (removed
    after reading; if the run is killed, by the next run)."""
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="decoded-", dir=run_temp_dir())
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return Path(tmp)


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


def _read_parquet(path: Path, source: str) -> pa.Table:
    try:
        con = interrupts.register(duckdb.connect())
        return con.read_parquet(str(path)).to_arrow_table()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(f"{source}: not a readable Parquet file (truncated?): {first}") from None


def _read_jsonl(path: Path, source: str, encoding: str | None) -> pa.Table:
    """JSON Lines (or one JSON array) of objects; a value that is itself an object or array is
    kept as JSON text, and the columns holding one are noted in the schema metadata so that
    ``to_canonical`` refuses them for name, address and the other canonical columns."""
    data = path.read_bytes()
    text, _ = decode_bytes(data, source, encoding)
    records = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    else:
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{source}: line {lineno}: invalid JSON: {exc.msg}") from None
    if not records:
        raise InputError(f"{source}: no records")
    columns: dict[str, None] = {}
    nested: dict[str, int] = {}  # column -> first record (1-based) holding an object or array
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise InputError(f"{source}: record {i}: expected a JSON object")
        columns.update(dict.fromkeys(rec))
        for col, value in rec.items():
            if isinstance(value, (dict, list)):
                nested.setdefault(col, i)
    arrays = {
        col: pa.array([_json_text(r.get(col)) for r in records], type=pa.string())
        for col in columns
    }
    table = pa.table(arrays)
    if nested:
        table = table.replace_schema_metadata({NESTED_METADATA: json.dumps(nested)})
    return table


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
