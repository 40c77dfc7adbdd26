"""Loaders of real labelled benchmark data into resolver's input schema.

The data lives outside the repo in ``shared/data`` beside the repository root (or wherever the
``RESOLVER_SHARED_DATA`` environment variable points); when it is absent a loader raises
:class:`DataUnavailable`, which benchmarks and tests turn into a skip.

Dedupe loaders return ``(records, truth)``: ``records`` has a unique string ``id``, ``name`` and
whichever of ``address``, ``city``, ``postcode``, ``country``, ``tax_id`` the source has (strings
or None; a few loaders keep extra source columns), and ``truth`` is a ``pd.Series`` mapping each
id to its true entity key (a string), named ``entity``.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

SCHEMA_COLUMNS = ("id", "name", "address", "city", "postcode", "country", "tax_id")
COMPANY_SCHEMAS = ("Company", "Organization", "LegalEntity")


class DataUnavailable(FileNotFoundError):
    """The shared benchmark data (or one of its files) is not on this machine."""


def data_dir() -> Path:
    """Folder holding the shared labelled data; raise DataUnavailable if it is missing."""
    env = os.environ.get("RESOLVER_SHARED_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not path.is_dir():
        how = "RESOLVER_SHARED_DATA" if env else "the default location"
        raise DataUnavailable(
            f"shared benchmark data not found at {path} (from {how}); "
            "set RESOLVER_SHARED_DATA to the folder holding ofac_sdn_*/, febrl/, ..."
        )
    return path


def _file(*parts: str) -> Path:
    """Path of one shared data file; raise DataUnavailable if it is missing."""
    path = data_dir().joinpath(*parts)
    if not path.is_file():
        raise DataUnavailable(f"benchmark data file missing: {path}")
    return path


def _blank_to_none(df: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Strip whitespace of string columns and turn empty strings into None."""
    for col in columns if columns is not None else df.columns:
        s = df[col].astype(object)
        s = s.where(s.isna(), s.astype(str).str.strip())
        df[col] = s.where(s.notna() & (s != ""), None).astype(object)
    return df


def _truth(ids: pd.Series, keys: pd.Series) -> pd.Series:
    """Build the id -> entity Series."""
    truth = pd.Series(keys.astype(str).to_numpy(), index=ids.astype(str).to_numpy(), name="entity")
    truth.index.name = "id"
    return truth


def _join(*parts: pd.Series) -> pd.Series:
    """Join string columns row-wise with single spaces, skipping nulls; all-null gives None."""
    joined = parts[0].fillna("").astype(str)
    for part in parts[1:]:
        joined = joined.str.cat(part.fillna("").astype(str), sep=" ")
    joined = joined.str.replace(r"\s+", " ", regex=True).str.strip()
    return joined.where(joined != "", None).astype(object)


# --------------------------------------------------------------------------------------------
# OFAC SDN (legacy CSV)

_OFAC_DIR = "ofac_sdn_2023-12-28_even"
_SDN_COLS = [
    "ent_num",
    "name",
    "type",
    "programs",
    "title",
    "call_sign",
    "vess_type",
    "tonnage",
    "grt",
    "vess_flag",
    "vess_owner",
    "remarks",
]
_ALT_COLS = ["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"]
_ADD_COLS = ["ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks"]


def _read_ofac(name: str, columns: list[str]) -> pd.DataFrame:
    """Read one OFAC legacy CSV: latin-1, no header, CRLF, 0x1A trailer, '-0-' as null."""
    raw = _file(_OFAC_DIR, name).read_bytes().decode("latin-1").replace("\x1a", "")
    df = pd.read_csv(io.StringIO(raw), header=None, names=columns, dtype=str, keep_default_na=False)
    df = _blank_to_none(df)
    return df.mask(df == "-0-", None).astype(object)


def _split_city_postal(value: str | None) -> tuple[str | None, str | None]:
    """Split OFAC's 'city_state_postal' into (city, postcode): tokens with digits are postal."""
    if not value:
        return None, None
    tokens = value.replace(",", " ").split()
    postal = [t for t in tokens if re.search(r"\d", t)]
    city = [t for t in tokens if not re.search(r"\d", t)]
    return (" ".join(city) or None), (" ".join(postal) or None)


def ofac_alias_records(
    russia_only: bool = False, orgs_only: bool = True, with_address: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame | pd.Series]:
    """OFAC SDN names and a.k.a./f.k.a./n.k.a. names, one record each, truth = ent_num.

    Each entity contributes its primary name (id ``f"{ent_num}-0"``) and every alias from
    ``alt.csv`` (ids ``f"{ent_num}-{k}"``, k = 1, 2, ... in file order); ``entity_type``
    (organisation / individual / vessel / aircraft) and ``alias_type`` (name / aka / fka / nka)
    are kept as extra columns. With ``with_address=True`` every record of an entity gets the
    entity's first address in ``add.csv`` (``address``, ``city``, ``postcode`` split off
    ``city_state_postal`` by digits, ``country``), as a user's own records would repeat it.
    "Russia-related" = programs containing RUSSIA or UKRAINE, or any address in Russia.

    Counts measured on ofac_sdn_2023-12-28_even (6,963 entities, 8,463 aliases):
    orgs_only (default): 7,385 records of 3,034 entities, 14,469 true pairs;
    russia_only + orgs_only: 2,656 records of 1,057 entities, 3,516 true pairs;
    all types: 15,426 records of 6,963 entities, 27,307 true pairs;
    russia_only, all types: 4,422 records of 2,122 entities, 4,785 true pairs.
    """
    sdn = _read_ofac("sdn.csv", _SDN_COLS)
    alt = _read_ofac("alt.csv", _ALT_COLS)
    add = _read_ofac("add.csv", _ADD_COLS)
    sdn["entity_type"] = sdn["type"].fillna("organisation")
    if orgs_only:
        sdn = sdn[sdn["type"].isna()]
    if russia_only:
        programs = sdn["programs"].fillna("").str.upper()
        in_russia = set(add.loc[add["country"] == "Russia", "ent_num"])
        keep = programs.str.contains("RUSSIA|UKRAINE", regex=True) | sdn["ent_num"].isin(in_russia)
        sdn = sdn[keep]

    primary = sdn[["ent_num", "name", "entity_type"]].assign(alias_type="name", k=0)
    alt = alt[alt["ent_num"].isin(set(sdn["ent_num"])) & alt["alt_name"].notna()].copy()
    alt["k"] = alt.groupby("ent_num", sort=False).cumcount() + 1
    alt = alt.merge(sdn[["ent_num", "entity_type"]], on="ent_num", how="left")
    alt = alt.rename(columns={"alt_name": "name", "alt_type": "alias_type"})
    recs = pd.concat(
        [primary, alt[["ent_num", "name", "entity_type", "alias_type", "k"]]], ignore_index=True
    )
    recs["_order"] = recs["ent_num"].astype(int)
    recs = recs.sort_values(["_order", "k"], kind="stable").reset_index(drop=True)
    recs["id"] = recs["ent_num"] + "-" + recs["k"].astype(str)

    columns = ["id", "name"]
    if with_address:
        first = add.drop_duplicates("ent_num", keep="first").set_index("ent_num")
        split = first["city_state_postal"].map(_split_city_postal)
        first["city"] = split.str[0]
        first["postcode"] = split.str[1]
        for col in ("address", "city", "postcode", "country"):
            recs[col] = recs["ent_num"].map(first[col]).astype(object)
            recs[col] = recs[col].where(recs[col].notna(), None)
        columns += ["address", "city", "postcode", "country"]
    columns += ["entity_type", "alias_type"]
    records = recs[columns].copy()
    truth = _truth(recs["id"], recs["ent_num"])
    log.info(
        "OFAC: %d records of %d entities (russia_only=%s, orgs_only=%s)",
        len(records),
        truth.nunique(),
        russia_only,
        orgs_only,
    )
    return records, truth


# --------------------------------------------------------------------------------------------
# FEBRL

_FEBRL_COLS = [
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]
_REC_ID = re.compile(r"^rec-(\d+)-(?:org|dup-\d+)$")


def _read_febrl(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """Read one FEBRL file into resolver schema plus its truth (person number)."""
    raw = pd.read_csv(_file("febrl", name), dtype=str, keep_default_na=False, skipinitialspace=True)
    raw.columns = [c.strip() for c in raw.columns]
    if list(raw.columns) != _FEBRL_COLS:
        raise ValueError(f"unexpected FEBRL columns in {name}: {list(raw.columns)}")
    raw = _blank_to_none(raw)
    person = raw["rec_id"].str.extract(_REC_ID, expand=False)
    if person.isna().any():
        bad = raw.loc[person.isna(), "rec_id"].head(3).tolist()
        raise ValueError(f"unexpected FEBRL rec_id values in {name}: {bad}")
    records = pd.DataFrame(
        {
            "id": raw["rec_id"],
            "name": _join(raw["given_name"], raw["surname"]),
            "address": _join(raw["street_number"], raw["address_1"], raw["address_2"]),
            "city": raw["suburb"],
            "postcode": raw["postcode"],
            "tax_id": raw["soc_sec_id"],
            "given_name": raw["given_name"],
            "surname": raw["surname"],
            "date_of_birth": raw["date_of_birth"],
            "state": raw["state"],
        }
    )
    return records, _truth(records["id"], "rec-" + person)


def febrl(n: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    """FEBRL synthetic people, dedupe datasets 1-3 (``febrl/dataset{n}.csv``).

    Ids are ``rec-N-org`` / ``rec-N-dup-k`` and truth is ``rec-N``. Columns: name = given +
    surname, address = street number + address_1 + address_2, city = suburb, postcode,
    tax_id = soc_sec_id, plus given_name, surname, date_of_birth and state. Dataset 3: 5,000
    records, 2,000 people, 6,538 true pairs (dataset 1: 1,000 records; 2: 5,000 records).
    """
    if n not in (1, 2, 3):
        raise ValueError("febrl(n) takes n in {1, 2, 3}; use febrl4() for the link task")
    return _read_febrl(f"dataset{n}.csv")


def febrl4() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """FEBRL dataset 4 link task: (df_a, df_b, truth), 5,000 records each, 5,000 true links.

    ``truth`` covers the ids of both sides; use :func:`link_truth_pairs` for the pair list.
    """
    df_a, truth_a = _read_febrl("dataset4a.csv")
    df_b, truth_b = _read_febrl("dataset4b.csv")
    return df_a, df_b, pd.concat([truth_a, truth_b])


def link_truth_pairs(
    ids_a: Iterable[str], ids_b: Iterable[str], truth: pd.Series
) -> set[tuple[str, str]]:
    """All (id_a, id_b) pairs across two sides that share a true entity."""
    a = truth.reindex([str(i) for i in ids_a]).dropna()
    b = truth.reindex([str(i) for i in ids_b]).dropna()
    left = pd.DataFrame({"id_a": a.index, "entity": a.to_numpy()})
    right = pd.DataFrame({"id_b": b.index, "entity": b.to_numpy()})
    both = left.merge(right, on="entity")
    return set(zip(both["id_a"], both["id_b"], strict=True))


# --------------------------------------------------------------------------------------------
# Restaurants (Fodor's / Zagat, via the dedupe project)


def restaurants() -> tuple[pd.DataFrame, pd.Series]:
    """Restaurant dedupe benchmark: 864 records, 752 restaurants, 112 true pairs.

    From ``dedupe_restaurant/restaurant-nophone-training.csv``; ids are row numbers as strings
    (``r0``..), truth is the file's ``unique_id``; columns name, address, city and extra cuisine.
    """
    raw = pd.read_csv(
        _file("dedupe_restaurant", "restaurant-nophone-training.csv"),
        dtype=str,
        keep_default_na=False,
        skipinitialspace=True,
    )
    raw.columns = [c.strip() for c in raw.columns]
    raw = _blank_to_none(raw)
    records = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(raw))],
            "name": raw["name"],
            "address": raw["address"],
            "city": raw["city"],
            "cuisine": raw["cuisine"],
        }
    )
    return records, _truth(records["id"], raw["unique_id"].str.strip("'\" "))


# --------------------------------------------------------------------------------------------
# PatentsView / NBER assignee disambiguation benchmark (name only)


def patentsview(per: str = "distinct") -> tuple[pd.DataFrame, pd.Series]:
    """NBER-subset PatentsView assignees, name-only, truth = NBER ``unique_id``.

    ``per="distinct"``: one record per distinct (entity, organization name) with extra column
    ``n_mentions``: 12,367 records, 6,176 entities (ids ``d0``..). ``per="mention"``: one record
    per patent mention (ids = ``mention_id``), 206,416 records after dropping the 10,431 exact
    duplicate rows in the .csv.gz, 6,176 entities.
    """
    folder = "patentsview_assignees_nber"
    if per == "distinct":
        raw = pd.read_csv(
            _file(folder, "nber-subset-assignees-benchmark.distinct_names.csv"),
            dtype=str,
            keep_default_na=False,
        )
        records = pd.DataFrame(
            {
                "id": [f"d{i}" for i in range(len(raw))],
                "name": raw["organization"].str.strip(),
                "n_mentions": raw["n_mentions"].astype(int),
            }
        )
    elif per == "mention":
        raw = pd.read_csv(
            _file(folder, "nber-subset-assignees-benchmark.csv.gz"),
            dtype=str,
            keep_default_na=False,
        )
        raw = raw.drop_duplicates().reset_index(drop=True)
        if not raw["mention_id"].is_unique:
            raise ValueError("PatentsView mention ids are not unique after dropping duplicates")
        records = pd.DataFrame({"id": raw["mention_id"], "name": raw["organization"].str.strip()})
    else:
        raise ValueError(f"per must be 'distinct' or 'mention', not {per!r}")
    records["name"] = records["name"].where(records["name"] != "", None)
    return records, _truth(records["id"], raw["unique_id"])


# --------------------------------------------------------------------------------------------
# nomenklatura name-matching bench


def name_bench_pairs(schemas: Iterable[str] | None = None) -> pd.DataFrame:
    """Labelled name pairs of the nomenklatura bench joined with frozen logic-v2 scores.

    Columns: case_group, case_id, schema, name1, name2, is_match (bool), quality, category,
    notes, logicv2_score (float, NaN where the case is not in the frozen file),
    logicv2_predicted (bool or None). ``cases.csv`` has no case_id, so rows are joined on
    (case_group, schema, name1, name2) and, for rows left over, on (schema, name1, name2)
    when that is unique on both sides (the frozen file names the group synth_companies
    "synth_corp_positives"). 812 of 826 cases join 1:1; the 14 left (cluster_align 8,
    cust_cases 5, nk_checks 1) are newer than the frozen scores. is_match comes from cases.csv:
    4 joined cases (3 of them companies) were relabelled true -> false after the freeze.
    """
    folder = "nomenklatura_name_bench"
    cases = pd.read_csv(_file(folder, "cases.csv"), dtype=str, keep_default_na=False)
    frozen = pd.read_csv(_file(folder, "logicv2-frozen.csv"), dtype=str, keep_default_na=False)
    cases = cases.reset_index(drop=True).assign(_row=lambda d: d.index)
    frozen = frozen.reset_index(drop=True).assign(_frow=lambda d: d.index)
    take = ["case_id", "is_match", "score", "predicted_match", "_frow"]

    k4 = ["case_group", "schema", "name1", "name2"]
    for side, label in ((cases, "cases.csv"), (frozen, "logicv2-frozen.csv")):
        if side.duplicated(k4).any():
            raise ValueError(f"{label}: (case_group, schema, name1, name2) is not unique")
    first = cases.merge(frozen[k4 + take], on=k4, how="inner", suffixes=("", "_v2"))

    k3 = ["schema", "name1", "name2"]
    rest_c = cases[~cases["_row"].isin(first["_row"])]
    rest_f = frozen[~frozen["_frow"].isin(first["_frow"])]
    rest_c = rest_c[~rest_c.duplicated(k3, keep=False)]
    rest_f = rest_f[~rest_f.duplicated(k3, keep=False)]
    second = rest_c.merge(rest_f[k3 + take], on=k3, how="inner", suffixes=("", "_v2"))
    joined = pd.concat([first, second], ignore_index=True)
    if joined["_row"].duplicated().any() or joined["_frow"].duplicated().any():
        raise ValueError("name bench join is not 1:1")
    disagree = joined[joined["is_match"] != joined["is_match_v2"]]
    if len(disagree):
        log.warning(
            "name bench: %d cases were relabelled since the logic-v2 freeze; using cases.csv: %s",
            len(disagree),
            list(zip(disagree["name1"], disagree["name2"], strict=True)),
        )

    out = cases.merge(joined[["_row", *take[:-1]]], on="_row", how="left", suffixes=("", "_v2"))
    unjoined = out["score"].isna()
    if unjoined.any():
        log.warning(
            "name bench: %d of %d cases have no logic-v2 score (%s)",
            int(unjoined.sum()),
            len(out),
            out.loc[unjoined, "case_group"].value_counts().to_dict(),
        )
    result = pd.DataFrame(
        {
            "case_group": out["case_group"],
            "case_id": out["case_id"].where(out["case_id"].notna(), None).astype(object),
            "schema": out["schema"],
            "name1": out["name1"],
            "name2": out["name2"],
            "is_match": out["is_match"].str.lower().eq("true"),
            "quality": out["quality"],
            "category": out["category"].where(out["category"] != "", None).astype(object),
            "notes": out["notes"].where(out["notes"] != "", None).astype(object),
            "logicv2_score": pd.to_numeric(out["score"], errors="raise").astype(float),
            "logicv2_predicted": out["predicted_match"]
            .map({"true": True, "false": False})
            .astype(object),
        }
    )
    if schemas is not None:
        result = result[result["schema"].isin(list(schemas))].reset_index(drop=True)
    return result


def name_bench_company_pairs() -> pd.DataFrame:
    """Company/Organization/LegalEntity pairs of the name bench (266 pairs, 259 with scores)."""
    return name_bench_pairs(COMPANY_SCHEMAS)


# --------------------------------------------------------------------------------------------
# Senzing truth-set demo


def senzing_truthset() -> tuple[pd.DataFrame, pd.Series]:
    """Senzing truth-set demo (customers + reference + watchlist), truth = actual CLUSTER_ID.

    Ids are ``f"{DATA_SOURCE}:{RECORD_ID}"``. name = PRIMARY_NAME_ORG or PRIMARY_NAME_FULL or
    first + middle + last or NATIVE_NAME_FULL; address = ADDR_FULL or ADDR_LINE1; city,
    postcode, country; tax_id = TAX_ID_NUMBER or NATIONAL_ID_NUMBER; extras record_type,
    date_of_birth, data_source. 159 records (persons and organisations) in 85 clusters.
    """
    folder = "senzing_truthset_demo"
    frames = []
    for name in ("customers.csv", "reference.csv", "watchlist.csv"):
        df = pd.read_csv(_file(folder, name), dtype=str, keep_default_na=False)
        frames.append(_blank_to_none(df))
    raw = pd.concat(frames, ignore_index=True)
    for col in (
        "PRIMARY_NAME_ORG",
        "PRIMARY_NAME_FULL",
        "PRIMARY_NAME_FIRST",
        "PRIMARY_NAME_MIDDLE",
        "PRIMARY_NAME_LAST",
        "ADDR_FULL",
        "ADDR_LINE1",
        "ADDR_CITY",
        "ADDR_POSTAL_CODE",
        "ADDR_COUNTRY",
        "NATIVE_NAME_FULL",
        "TAX_ID_NUMBER",
        "NATIONAL_ID_NUMBER",
        "DATE_OF_BIRTH",
        "RECORD_TYPE",
    ):
        if col not in raw:
            raw[col] = None
    parts = _join(raw["PRIMARY_NAME_FIRST"], raw["PRIMARY_NAME_MIDDLE"], raw["PRIMARY_NAME_LAST"])
    name = (
        raw["PRIMARY_NAME_ORG"]
        .fillna(raw["PRIMARY_NAME_FULL"])
        .fillna(parts)
        .fillna(raw["NATIVE_NAME_FULL"])
    )
    records = pd.DataFrame(
        {
            "id": raw["DATA_SOURCE"] + ":" + raw["RECORD_ID"],
            "name": name,
            "address": raw["ADDR_FULL"].fillna(raw["ADDR_LINE1"]),
            "city": raw["ADDR_CITY"],
            "postcode": raw["ADDR_POSTAL_CODE"],
            "country": raw["ADDR_COUNTRY"],
            "tax_id": raw["TAX_ID_NUMBER"].fillna(raw["NATIONAL_ID_NUMBER"]),
            "record_type": raw["RECORD_TYPE"],
            "date_of_birth": raw["DATE_OF_BIRTH"],
            "data_source": raw["DATA_SOURCE"],
        }
    ).astype(object)
    records = records.where(records.notna(), None)
    key = pd.read_csv(_file(folder, "actual_truthset_key.csv"), dtype=str, keep_default_na=False)
    key_ids = key["DATA_SOURCE"].str.strip() + ":" + key["RECORD_ID"].str.strip()
    truth_all = _truth(key_ids, key["CLUSTER_ID"].str.strip())
    missing = ~records["id"].isin(truth_all.index)
    if missing.any():
        log.warning("senzing: %d records have no truth key; dropped", int(missing.sum()))
        records = records[~missing].reset_index(drop=True)
    return records, truth_all.reindex(records["id"].to_numpy()).rename("entity")


# --------------------------------------------------------------------------------------------
# Names across scripts: EDINET (Japanese legal name vs own English name), UN original script


def edinet_name_pairs() -> tuple[pd.DataFrame, pd.Series]:
    """Japan FSA EDINET filers (even half) with both a Japanese legal name and an English name.

    One record per name: ids ``{edinet code}:ja`` (提出者名, kanji/kana) and ``{edinet code}:en``
    (提出者名（英字）, the company's own English name); truth = EDINET code; extra columns
    ``script`` (ja / en) and ``reading`` (the official katakana reading, on both records).
    The file is the FSA download format: cp932, one title line, then a header.
    """
    raw = _file("edinet_codelist_2025_even", "EdinetcodeDlInfo.csv").read_bytes().decode("cp932")
    table = pd.read_csv(io.StringIO(raw), skiprows=1, dtype=str, keep_default_na=False)
    code, ja, en, reading = (table.columns[i] for i in (0, 6, 7, 8))
    table = _blank_to_none(table[[code, ja, en, reading]].copy())
    table = table[table[ja].notna() & table[en].notna()].reset_index(drop=True)
    parts = []
    for script, column in (("ja", ja), ("en", en)):
        parts.append(
            pd.DataFrame(
                {
                    "id": table[code] + ":" + script,
                    "name": table[column],
                    "script": script,
                    "reading": table[reading],
                    "_code": table[code],
                }
            )
        )
    records = pd.concat(parts, ignore_index=True).sort_values("id", kind="stable")
    records = records.reset_index(drop=True)
    truth = _truth(records["id"], records.pop("_code"))
    return records, truth


_UN_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def un_original_script_names() -> pd.DataFrame:
    """UN consolidated list entries that have a name in original script, with their Latin names.

    One row per (entry, name): ``entry`` (REFERENCE_NUMBER), ``entity_type`` (person /
    organization), ``kind`` (``original`` for NAME_ORIGINAL_SCRIPT, ``latin`` for the listed
    name and each ALIAS_NAME written in Latin letters) and ``name``. Aliases in other scripts and
    entries without an original-script name are left out.
    """
    import xml.etree.ElementTree as ET

    root = ET.parse(_file("un_consolidated_2026-02-27", "UN_consolidated.xml")).getroot()
    rows = []
    for tag, entity_type in (("INDIVIDUAL", "person"), ("ENTITY", "organization")):
        for elem in root.iter(tag):
            original = " ".join((elem.findtext("NAME_ORIGINAL_SCRIPT") or "").split())
            if not original:
                continue
            entry = (elem.findtext("REFERENCE_NUMBER") or elem.findtext("DATAID") or "").strip()
            parts = [(elem.findtext(p) or "").strip() for p in _UN_NAME_PARTS]
            latin = [" ".join(p for p in parts if p)]
            latin += [(a.findtext("ALIAS_NAME") or "").strip() for a in elem.iter(f"{tag}_ALIAS")]
            rows.append((entry, entity_type, "original", original))
            seen = {original}
            for name in latin:
                name = " ".join(name.split())
                if name and name not in seen and _latin_letters_only(name):
                    seen.add(name)
                    rows.append((entry, entity_type, "latin", name))
    return pd.DataFrame(rows, columns=["entry", "entity_type", "kind", "name"])


def _latin_letters_only(text: str) -> bool:
    """Every letter of the text is a Latin letter (accents allowed)."""
    import unicodedata

    return all(not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in text)
