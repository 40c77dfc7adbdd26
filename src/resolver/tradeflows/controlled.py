"""Goods of concern (HS code prefixes) and destinations under restrictions.

The default goods of concern are the Common High Priority List shipped in
``resolver/data/controlled_hs_chpl.txt`` (source and caveat in that folder's README.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from resolver.errors import InputError
from resolver.normalize import normalize_country

DEFAULT_LIST = "controlled_hs_chpl.txt"
# Destinations of the export restrictions the CHPL serves (EU, US, UK and Japan on Russia and
# Belarus); ``restricted_countries=`` replaces them.
DEFAULT_RESTRICTED_COUNTRIES = ("RU", "BY")
_CODE = re.compile(r"^[0-9]{2,10}$")


@dataclass(frozen=True)
class ControlledGoods:
    """HS prefixes of goods of concern (``all_goods``: every code is of concern)."""

    prefixes: tuple[str, ...]
    source: str
    all_goods: bool = False

    @property
    def label(self) -> str:
        """How explanations name the list: its file name, or that every code counts."""
        if self.all_goods:
            return "all goods counted"
        return Path(self.source).name

    def flags(self, hs_codes: pa.ChunkedArray) -> pa.ChunkedArray:
        """True where a code starts with one of the prefixes (null codes: False)."""
        if self.all_goods:
            return pc.is_valid(hs_codes)
        out = pa.chunked_array([pa.array([False] * len(hs_codes), pa.bool_())])
        for length in sorted({len(p) for p in self.prefixes}):
            wanted = pa.array(sorted(p for p in self.prefixes if len(p) == length), pa.string())
            head = pc.utf8_slice_codeunits(hs_codes, 0, length)
            out = pc.or_(out, pc.is_in(head, value_set=wanted))
        return pc.fill_null(out, False)


def default_list_path() -> Path:
    """The shipped Common High Priority List file."""
    return Path(str(resources.files("resolver") / "data" / DEFAULT_LIST))


def load_controlled(
    source: str | os.PathLike | Iterable[str] | None = None, *, all_goods: bool = False
) -> ControlledGoods:
    """Goods of concern from a file (one HS code or prefix per line, 2-10 digits, dots allowed,
    ``#`` comments), an iterable of codes, or the shipped default when None."""
    if source is None or isinstance(source, (str, os.PathLike)):
        path = default_list_path() if source is None else Path(source)
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except FileNotFoundError:
            raise InputError(f"{path}: controlled HS codes file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read controlled HS codes: {exc}") from None
        name = str(path)
    else:
        lines, name = [str(c) for c in source], "controlled HS codes given"
    prefixes = []
    for lineno, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        code = text.replace(".", "").replace(" ", "")
        if not _CODE.match(code):
            raise InputError(
                f"{name}: line {lineno}: {text!r} is not an HS code or prefix "
                "(2 to 10 digits, dots allowed, e.g. 8457 or 8542.31)"
            )
        prefixes.append(code)
    if not prefixes and not all_goods:
        raise InputError(f"{name}: no HS codes (one code or prefix per line expected)")
    return ControlledGoods(tuple(sorted(set(prefixes))), name, all_goods)


def restricted_countries(values: Iterable[str]) -> frozenset[str]:
    """ISO2 codes of the given country names or codes; an unknown one is an error."""
    out = set()
    for value in values:
        if not value.strip():
            continue
        iso2 = normalize_country(value)
        if iso2 is None:
            raise InputError(f"restricted countries: unknown country {value!r}")
        out.add(iso2)
    return frozenset(out)
