"""The prepared list is reused from the cache only when intact and current, else rebuilt."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from resolver.errors import InputError
from resolver.model.params import ModelParams, default_model_path
from resolver.screening import Screener
from resolver.screening.cache import cache_dir

LIST = """list_id,name,aliases,country,address,tax_id
L1,Sunrise Marine Trading LLC,Sunrise,United Arab Emirates,"Office 1204, Mazaya Business Avenue BB1, Dubai",
L2,Orion Cargo Services FZE,,United Arab Emirates,"Office 807, Mazaya Business Avenue BB1, Dubai",
L3,Kestrel Avionics Ltd,,Hong Kong,"RM 1804 18/F, Kwai Hing Industrial Building, Kowloon",
"""
RECORDS = [
    {"id": "a", "name": "Sunrise Marine Trading", "country": "AE"},
    {"id": "b", "name": "Kestrel Avionix Limited", "country": "HK"},
    {"id": "c", "name": "Orion Cargo", "country": "AE"},
]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    path = tmp_path / "cache"
    monkeypatch.setenv("RESOLVER_CACHE_DIR", str(path))
    return path


@pytest.fixture
def list_file(tmp_path) -> Path:
    path = tmp_path / "list.csv"
    path.write_text(LIST, encoding="utf-8")
    return path


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if p.name.startswith("list-"))


def _matches(screener: Screener):
    import pyarrow as pa

    return screener.screen(pa.Table.from_pylist(RECORDS), all_candidates=True).matches


def test_second_load_reads_the_cache_and_scores_the_same(cache, list_file) -> None:
    first = Screener.load(list_file)
    assert cache_dir() == cache and not first.index_cached
    (entry,) = _entries(cache)
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no staging left
    second = Screener.load(list_file)
    assert second.index_cached
    assert _matches(second).equals(_matches(first)) and _matches(first).num_rows >= 2
    assert second.weight_changes == first.weight_changes
    assert second.screen_one(RECORDS[1]) == first.screen_one(RECORDS[1])
    assert _entries(cache) == [entry]


def test_changed_list_or_model_is_rebuilt(cache, list_file) -> None:
    Screener.load(list_file)
    list_file.write_text(LIST + "L4,Tessera Optics Ltd,,Hong Kong,,\n", encoding="utf-8")
    changed = Screener.load(list_file)
    assert not changed.index_cached and "list:L4" in changed.lists.column("list_id").to_pylist()
    params = ModelParams.load(default_model_path())
    params.comparisons["country"][0]["m"] *= 0.99
    other_model = Screener.load(list_file, model=params)
    assert not other_model.index_cached
    assert len(_entries(cache)) == 3
    assert Screener.load(list_file, model=params).index_cached


@pytest.mark.parametrize("damage", ["arrow", "manifest", "missing"])
def test_damaged_entry_is_rebuilt_not_used(cache, list_file, damage, caplog) -> None:
    fresh = _matches(Screener.load(list_file))
    (entry,) = _entries(cache)
    if damage == "arrow":  # same size, other bytes: only the content hash can tell
        path = entry / "profiles.arrow"
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "manifest":
        (entry / "manifest.json").write_text("{not json", encoding="utf-8")
    else:
        (entry / "postings.arrow").unlink()
    with caplog.at_level(logging.WARNING, logger="resolver.screening.cache"):
        rebuilt = Screener.load(list_file)
    assert not rebuilt.index_cached
    assert "damaged" in caplog.text
    assert _matches(rebuilt).equals(fresh)
    assert Screener.load(list_file).index_cached  # the entry was written again


def test_entry_under_another_key_is_not_used(cache, list_file, tmp_path) -> None:
    """An entry copied under the wrong folder name is refused (its manifest names its key)."""
    Screener.load(list_file)
    (entry,) = _entries(cache)
    other = tmp_path / "other.csv"
    other.write_text(LIST.replace("Kestrel", "Falcon"), encoding="utf-8")
    Screener.load(other)
    new = next(p for p in _entries(cache) if p != entry)
    manifest = json.loads((new / "manifest.json").read_text())
    (new / "manifest.json").write_text(
        json.dumps({**manifest, "key": entry.name.removeprefix("list-")}), encoding="utf-8"
    )
    assert not Screener.load(other).index_cached


def _ofac_folder(tmp_path: Path) -> Path:
    """A two-party OFAC SDN folder (sdn.csv, alt.csv, add.csv)."""
    folder = tmp_path / "sdn"
    folder.mkdir()
    files = {
        "sdn.csv": '10,"SUNRISE MARINE TRADING LLC",-0- ,"IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        '-0- ,-0- \r\n11,"KESTREL AVIONICS LTD",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,'
        "-0- ,-0- ,-0- \r\n",
        "alt.csv": '10,1,"aka","SUNRISE SHIPPING",-0- \r\n',
        "add.csv": '10,1,-0- ,"Dubai",-0- ,-0- \r\n11,2,-0- ,"Hong Kong",-0- ,-0- \r\n',
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_partial_list_cached_with_allow_partial_list_is_refused_without_it(cache, tmp_path):
    """Fail closed whatever the cache holds: an entry built with ``allow_partial_list`` (no
    alt.csv) never serves a load that refuses a partial list."""
    folder = _ofac_folder(tmp_path)
    (folder / "alt.csv").unlink()
    with pytest.raises(InputError, match="no alt.csv"):
        Screener.load(folder)
    partial = Screener.load(folder, allow_partial_list=True)
    assert not partial.index_cached and len(_entries(cache)) == 1
    assert Screener.load(folder, allow_partial_list=True).index_cached
    with pytest.raises(InputError, match="allow-partial-list"):
        Screener.load(folder)


def test_sdn_csv_given_as_a_file_is_rebuilt_when_alt_csv_changes(cache, tmp_path) -> None:
    """A list given as .../sdn.csv is read with the alt.csv and add.csv beside it: a changed
    alias is in the key too, never served stale from the cache."""
    sdn = _ofac_folder(tmp_path) / "sdn.csv"
    Screener.load(sdn)
    assert Screener.load(sdn).index_cached
    with (sdn.parent / "alt.csv").open("a", encoding="utf-8") as alt:
        alt.write('11,2,"aka","KESTREL AERO",-0- \r\n')
    changed = Screener.load(sdn)
    assert not changed.index_cached
    assert "KESTREL AERO" in changed.lists.column("name").to_pylist()


def test_unwritable_cache_folder_still_screens(tmp_path, monkeypatch, list_file) -> None:
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("RESOLVER_CACHE_DIR", str(blocker / "cache"))
    screener = Screener.load(list_file)
    assert not screener.index_cached and _matches(screener).num_rows >= 2


def test_cache_can_be_turned_off(cache, list_file) -> None:
    Screener.load(list_file, use_cache=False)
    assert not cache.exists()
