"""Country names, codes and aliases in any script -> ISO 3166-1 alpha-2."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from unidecode import unidecode

from resolver.normalize._resources import read_table
from resolver.normalize.text import clean_unicode
from resolver.normalize.translit import latin_tokens

__all__ = ["normalize_country", "territory_code_key", "territory_name_key"]

_PLACEHOLDERS = frozenset(
    {"", "na", "n a", "none", "null", "nil", "unknown", "unk", "xx", "xxx", "zz", "0", "other"}
)


@cache
def _aliases() -> dict[str, str]:
    """Romanized alias -> ISO2 from data/countries.tsv."""
    out: dict[str, str] = {}
    for row in read_table("countries.tsv"):
        key = " ".join(latin_tokens(row[0]))
        if key:
            out[key] = row[1].upper()
    return out


_KEY_TOKEN_RE = re.compile("[a-z0-9]+")


def territory_code_key(code: str) -> str:
    """Lookup key of a territory identifier (rigour's ``clean_code``, MIT, OpenSanctions)."""
    return code.lower().replace("_", "-").strip()


def territory_name_key(name: str) -> str:
    """Lookup key of a territory name in any script: NFKC, casefold, unidecode, ascii tokens.

    Deliberately independent of the name romanization (which changes between releases), so the
    vendored keys in data/territories_rigour.tsv stay valid; every script gets some ascii key.
    """
    return " ".join(_KEY_TOKEN_RE.findall(unidecode(clean_unicode(name)).lower()))


@cache
def _territories() -> tuple[dict[str, str], dict[str, str]]:
    """rigour's territory identifiers and names -> ISO2 ('' = not a country), vendored in
    data/territories_rigour.tsv (keyed by territory_code_key / territory_name_key)."""
    tables: dict[str, dict[str, str]] = {"code": {}, "name": {}}
    for kind, key, *iso2 in read_table("territories_rigour.tsv"):
        tables[kind][key] = iso2[0] if iso2 else ""
    return tables["code"], tables["name"]


def _territory_iso2(text: str) -> str | None:
    """ISO2 the way rigour's ``lookup_territory`` finds the territory (identifier, then name);
    subdivisions map to their country."""
    codes, names = _territories()
    iso2 = codes.get(territory_code_key(text))
    if iso2 is None:
        iso2 = names.get(territory_name_key(text))
    return iso2 or None


@lru_cache(maxsize=65536)
def _normalize_country(raw: str) -> str | None:
    key = " ".join(latin_tokens(raw))
    if key in _PLACEHOLDERS:
        return None
    hit = _aliases().get(key)
    if hit is not None:
        return hit
    for candidate in (raw.strip(), key):
        iso2 = _territory_iso2(candidate)
        if iso2 is not None:
            return iso2
    return None


def normalize_country(raw: str | None) -> str | None:
    """ISO 3166-1 alpha-2 (upper-case) for a country code/name/alias in any script, else None."""
    if raw is None or not isinstance(raw, str) or not raw.strip():
        return None
    return _normalize_country(raw[:200])
