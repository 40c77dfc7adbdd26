"""Deterministic normalization of company names, countries, cities, addresses and tax ids.

Pure functions (no network, no randomness) computing per-record features that are compared
later in SQL by splink. All rules and tables live in normalize/data (see data/README.md).
Bump NORMALIZATION_VERSION whenever any output can change: it is saved in model files.
"""

from __future__ import annotations

from resolver.normalize.addresses import normalize_address, normalize_city, normalize_postcode
from resolver.normalize.countries import normalize_country
from resolver.normalize.ids import normalize_tax_id
from resolver.normalize.legal_forms import legal_family
from resolver.normalize.names import ABJAD_SCRIPTS, NameFeatures, clear_name_cache, name_features

NORMALIZATION_VERSION: str = "1.8.0"

__all__ = [
    "ABJAD_SCRIPTS",
    "NORMALIZATION_VERSION",
    "NameFeatures",
    "clear_name_cache",
    "legal_family",
    "name_features",
    "normalize_address",
    "normalize_city",
    "normalize_country",
    "normalize_postcode",
    "normalize_tax_id",
]
