"""Screeners shared by the screening tests: the real OFAC even half + UN lists, a small list."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.model.params import default_model_path
from resolver.screening import Screener

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
OFAC = DATA / "ofac_sdn_2023-12-28_even"
UN = DATA / "un_consolidated_2026-02-27" / "UN_consolidated.xml"


def _need(*paths: Path) -> None:
    for path in paths:
        if not path.exists():
            pytest.skip(f"shared data not found: {path}")
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")


@pytest.fixture(scope="session")
def screener() -> Screener:
    _need(OFAC, UN)
    return Screener.load(OFAC, UN)


SMALL_LIST = """list_id,name,aliases,country,address,tax_id
L1,LIMITED LIABILITY PARTNERSHIP NOMAD,NOMAD,Kazakhstan,"ulitsa Zhandosova 3, Shymkent 160954",
L2,Sunrise Marine Trading LLC,Sunrise,United Arab Emirates,"Office 1204, Mazaya Business Avenue BB1, Jebel Ali Free Zone, Dubai",
L3,Orion Cargo Services FZE,,United Arab Emirates,"Office 807, Mazaya Business Avenue BB1, Jebel Ali Free Zone, Dubai",
L4,Kestrel Avionics Ltd,,Hong Kong,"RM 1804 18/F, Kwai Hing Industrial Building, Kowloon, Hong Kong",
L5,Bluefin Components Ltd,,Hong Kong,"RM 609 6/F, Kwai Hing Industrial Building, Kowloon, Hong Kong",
L6,Tessera Optics Ltd,,Hong Kong,"RM 2201 22/F, Kwai Hing Industrial Building, Kowloon, Hong Kong",
"""


@pytest.fixture(scope="session")
def small_screener(tmp_path_factory) -> Screener:
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    path = tmp_path_factory.mktemp("small") / "list.csv"
    path.write_text(SMALL_LIST, encoding="utf-8")
    return Screener.load(path)
