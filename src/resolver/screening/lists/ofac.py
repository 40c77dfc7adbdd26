"""Loader for the OFAC SDN legacy CSV files (sdn.csv, alt.csv, add.csv)."""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

import pyarrow as pa

from resolver.screening.lists._table import Party, build_table, clean, list_error, unique

logger = logging.getLogger(__name__)

SOURCE = "ofac_sdn"
_NULL = "-0-"
_TYPES = {None: "organization", "individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
_ALT_TYPES = {"aka": "aka", "fka": "fka", "nka": "nka"}

# Quoted names in remarks ("a.k.a. 'BNC'.") are OFAC's weak akas; a quote may contain quotes.
_WEAK_AKA = re.compile(r"(?:^|;)\s*[afn]\.k\.a\.\s+'(.+?)'(?=\s*(?:;|\.?\s*$))")
_TAX_LABELS = (
    r"Tax ID No\.",
    r"US FEIN",
    r"INN",
    r"V\.A\.T\. Number",
    r"Unified Social Credit Code \(USCC\)",
    r"United Social Credit Code Certificate \(USCCC\)",
    r"R\.F\.C\.",
    r"RFC",
    r"NIT #",
    r"RUC #",
    r"RIF #",
    r"C\.U\.I\.T\.",
)
_REGISTRATION_LABELS = (
    r"Registration Number",
    r"Registration ID",
    r"Business Registration Number",
    r"Business Registration Document #",
    r"Company Number",
    r"UK Company Number",
    r"Commercial Registry Number",
    r"Legal Entity Number",
    r"Economic Register Number",
    r"Chamber of Commerce Number",
    r"Enterprise Number",
    r"Public Registration Number",
    r"Certificate of Incorporation Number",
    r"Central Registration System Number",
    r"Trade License No\.",
    r"Government Gazette Number",
)


def _label_re(labels: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"^(?:alt\.\s+)?(?:" + "|".join(labels) + r")\s+(?P<value>.+)$")


_TAX_RE = _label_re(_TAX_LABELS)
_REGISTRATION_RE = _label_re(_REGISTRATION_LABELS)
_QUALIFIER = re.compile(r"^\([^)]*\)\s*")  # "Economic Register Number (CBLS) 1158..."
_ID_END = re.compile(r"\s+\(|\s+(?:issued|expires)\b")
_COUNTRY_RE = re.compile(
    r"^(?:alt\.\s+)?(?:Nationality of Registration|nationality|citizen)\s+(?P<value>.+?)\.?$",
    re.IGNORECASE,
)

# Postcodes inside the OFAC "city/state/province/postal" field.
_PC_UK = r"[A-Z]{1,2}\d[A-Z\d]?\s[\dO][A-Z]{2}"
_PC_NL = r"\d{4}\s[A-Z]{2}"
_PC_SPLIT = r"(?:[A-Z]{2}\s)?\d{3}\s\d{2}"
_PC_TOKEN = r"(?:[A-Z]{1,3}-?)?\d[\d-]*[A-Z]?"
_PC_TRAILING = re.compile(
    rf"^(?P<city>.*?)(?:^|[\s,]+)(?:C\.?P\.?\s*)?(?P<pc>{_PC_UK}|{_PC_NL}|{_PC_SPLIT}|(?P<token>{_PC_TOKEN}))$"
)
_PC_LEADING = re.compile(r"^(?P<pc>(?:[A-Z]{1,2}-)?\d{3,}(?:-\d+)?)[\s,]+(?P<city>\D.*)$")


def split_city_postcode(value: str | None) -> tuple[str | None, str | None]:
    """Split OFAC's "Zurich CH-8022" / "Moscow, Moscow Region 125009" into (city, postcode)."""
    text = clean(value)
    if text is None:
        return None, None
    city, postcode = text, None
    match = _PC_TRAILING.match(text)
    # A lone token needs 3+ digits to be a postcode ("Tokyo 103" but not "Zona 2").
    if match and (not match["token"] or sum(ch.isdigit() for ch in match["token"]) >= 3):
        city, postcode = match["city"], match["pc"]
    else:
        match = _PC_LEADING.match(text)
        if match:
            city, postcode = match["city"], match["pc"]
    city = clean(city.split(",")[0]) if city else None
    return city, postcode


def parse_remarks(remarks: str | None) -> tuple[list[str], str | None, list[str]]:
    """Weak akas, the first tax/registration id and nationality-like countries in remarks."""
    if not remarks:
        return [], None, []
    weak = [m.group(1) for m in _WEAK_AKA.finditer(remarks)] if ".k.a." in remarks else []
    parts = [p.strip() for p in remarks.split(";")]
    tax_id = _first_id(parts, _TAX_RE) or _first_id(parts, _REGISTRATION_RE)
    lowered = remarks.lower()
    countries = (
        [m["value"] for p in parts if (m := _COUNTRY_RE.match(p))]
        if "nationality" in lowered or "citizen" in lowered
        else []
    )
    return weak, tax_id, countries


def _first_id(parts: list[str], pattern: re.Pattern[str]) -> str | None:
    for part in parts:
        match = pattern.match(part)
        if match:
            value = _QUALIFIER.sub("", match["value"])
            value = _ID_END.split(value, maxsplit=1)[0].rstrip(". ")
            if value:
                return value
    return None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace").removeprefix("\xef\xbb\xbf")


def _read(path: Path, min_fields: int) -> list[tuple[int, list[str | None]]]:
    """(line number, fields) of an OFAC CSV; `-0-` and blanks become None."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise list_error(path, f"cannot read ({exc.strerror})") from exc
    text = _decode(raw).replace("\x1a", "")
    rows: list[tuple[int, list[str | None]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for fields in reader:
            if not any(f.strip() for f in fields):
                continue
            if len(fields) < min_fields:
                raise list_error(
                    path,
                    f"line {reader.line_num}: expected {min_fields} fields, found {len(fields)}",
                )
            rows.append((reader.line_num, [_value(f) for f in fields]))
    except csv.Error as exc:
        raise list_error(path, f"line {reader.line_num}: malformed CSV ({exc})") from exc
    return rows


def _value(field: str) -> str | None:
    text = field.strip()
    return None if text in ("", _NULL) else text


def _find(folder: Path, name: str) -> Path | None:
    for child in folder.iterdir():
        if child.name.lower() == name and child.is_file():
            return child
    return None


def _ent_num(path: Path, line: int, value: str | None) -> str:
    if value is None or not value.isdigit():
        raise list_error(path, f"line {line}: column ent_num: {value!r} is not a number")
    return value


def companion_files(path: str | Path) -> list[Path]:
    """The alt.csv and add.csv that ``load`` reads beside a path naming an sdn.csv file (a
    folder's files are all its own)."""
    path = Path(path)
    if path.is_dir() or path.name.lower() != "sdn.csv":
        return []
    return [f for name in ("alt.csv", "add.csv") if (f := _find(path.parent, name)) is not None]


def load(path: str | Path, *, allow_partial: bool = False) -> pa.Table:
    """Load an OFAC SDN folder (or its sdn.csv) into the canonical list table.

    alt.csv (aliases) and add.csv (addresses) must sit beside sdn.csv: without them thousands
    of names are missing, so that is an error unless ``allow_partial``.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    sdn_path = _find(path, "sdn.csv") if path.is_dir() else path
    if sdn_path is None:
        raise list_error(path, "no sdn.csv in this folder")
    parties: dict[str, Party] = {}
    flags: dict[str, str] = {}
    for line, f in _read(sdn_path, 12):
        ent = _ent_num(sdn_path, line, f[0])
        if ent in parties:
            raise list_error(sdn_path, f"line {line}: duplicate ent_num {ent}")
        name = clean(f[1])
        if name is None:
            raise list_error(sdn_path, f"line {line}: column SDN_Name is empty")
        sdn_type = (f[2] or "").lower() or None
        if sdn_type not in _TYPES:
            logger.warning("%s line %d: unknown SDN_Type %r", sdn_path, line, f[2])
        weak, tax_id, countries = parse_remarks(f[11])
        party = Party(
            list_id=f"ofac:{ent}",
            list_source=SOURCE,
            list_name=name,
            entity_type=_TYPES.get(sdn_type, "unknown"),
            tax_id=tax_id,
            programs=[p.strip("[] ") for p in re.split(r"\]\s*\[", f[3] or "")],
            remarks=f[11],
            countries=countries,
        )
        for alias in weak:
            party.add_name(alias, "weak_aka")
        if f[9]:
            flags[ent] = f[9]
        parties[ent] = party
    missing = [name for name in ("alt.csv", "add.csv") if _find(folder, name) is None]
    if missing and not allow_partial:
        raise list_error(
            path,
            f"no {' or '.join(missing)} beside sdn.csv: the list would lack its aliases or "
            "addresses; add the file(s) or pass --allow-partial-list (allow_partial_list=True)",
        )
    _load_alt(folder, parties)
    _load_add(folder, parties, flags)
    logger.info("loaded %d OFAC SDN parties from %s", len(parties), folder)
    return build_table(parties.values())


def _load_alt(folder: Path, parties: dict[str, Party]) -> None:
    alt_path = _find(folder, "alt.csv")
    if alt_path is None:
        logger.warning("no alt.csv next to sdn.csv in %s: aliases not loaded", folder)
        return
    for line, f in _read(alt_path, 4):
        party = parties.get(_ent_num(alt_path, line, f[0]))
        if party is None:
            logger.debug("%s line %d: ent_num %s not in sdn.csv", alt_path, line, f[0])
            continue
        party.add_name(f[3], _ALT_TYPES.get((f[2] or "").lower(), "aka"))


def _load_add(folder: Path, parties: dict[str, Party], flags: dict[str, str]) -> None:
    add_path = _find(folder, "add.csv")
    addresses: dict[str, list[tuple[str | None, str | None, str | None]]] = {}
    if add_path is None:
        logger.warning("no add.csv next to sdn.csv in %s: addresses not loaded", folder)
    else:
        for line, f in _read(add_path, 5):
            ent = _ent_num(add_path, line, f[0])
            if ent in parties:
                addresses.setdefault(ent, []).append((f[2], f[3], f[4]))
    for ent, party in parties.items():
        rows = addresses.get(ent, [])
        # Address countries come first; nationality/citizenship from remarks, then the flag.
        party.countries = unique([r[2] for r in rows] + party.countries + [flags.get(ent)])
        main = next((r for r in rows if r[0]), None) or next((r for r in rows if r[1]), None)
        if main is not None:
            party.address = main[0]
            party.city, party.postcode = split_city_postcode(main[1])
