"""Country names, codes and aliases in any script -> ISO 3166-1 alpha-2."""

from __future__ import annotations

import logging
from functools import cache, lru_cache

from resolver.normalize._resources import read_table
from resolver.normalize.translit import latin_tokens

__all__ = ["normalize_country"]

log = logging.getLogger(__name__)

_PLACEHOLDERS = frozenset(
    {"", "na", "n a", "none", "null", "nil", "unknown", "unk", "xx", "xxx", "zz", "0", "other"}
)
# Territory codes that are not countries: European Union, United Nations, Soviet Union,
# Czechoslovakia, Yugoslavia, East Germany.
_NOT_COUNTRIES = frozenset({"eu", "un", "suhh", "cshh", "yucs", "ddde"})


@cache
def _aliases() -> dict[str, str]:
    """Romanized alias -> ISO2 from data/countries.tsv."""
    out: dict[str, str] = {}
    for row in read_table("countries.tsv"):
        key = " ".join(latin_tokens(row[0]))
        if key:
            out[key] = row[1].upper()
    return out


def _territory_iso2(text: str) -> str | None:
    """ISO2 via rigour's territory database (subdivisions map to their country)."""
    from rigour.territories import lookup_territory

    territory = lookup_territory(text)
    if territory is None:
        return None
    code = territory.code.lower()
    if "-" in code:
        code = code.split("-", 1)[0]
    if len(code) != 2 or code in _NOT_COUNTRIES or not code.isalpha():
        return None
    return code.upper()


@lru_cache(maxsize=65536)
def _normalize_country(raw: str) -> str | None:
    key = " ".join(latin_tokens(raw))
    if key in _PLACEHOLDERS:
        return None
    hit = _aliases().get(key)
    if hit is not None:
        return hit
    for candidate in (raw.strip(), key):
        try:
            iso2 = _territory_iso2(candidate)
        except Exception:  # pragma: no cover - rigour internals; never fail a batch on a country
            log.debug("rigour territory lookup failed for %r", candidate, exc_info=True)
            iso2 = None
        if iso2 is not None:
            return iso2
    return None


def normalize_country(raw: str | None) -> str | None:
    """ISO 3166-1 alpha-2 (upper-case) for a country code/name/alias in any script, else None."""
    if raw is None or not isinstance(raw, str) or not raw.strip():
        return None
    return _normalize_country(raw[:200])
