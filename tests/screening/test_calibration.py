"""The model's u adapted to the list; the list-pair levels in SQL equal their Python form."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from resolver.model.params import default_model_path
from resolver.screening import Screener


def test_address_overlap_weights_from_the_list(small_screener: Screener) -> None:
    """Listed parties share building and free-zone words: the address-overlap levels' u is the
    rate different listed parties reach them (never below the model's), and explanations carry
    the weight scored."""
    import math

    from resolver.screening.calibration import LIST_U_MIN_PAIRS

    changes = small_screener.weight_changes
    assert all(c[f"new_{p}"] >= c[p] for c in changes.values() for p in ("u", "m") if p in c)
    place = next(c for c in small_screener.comparisons if c.name == "place")
    model_place = small_screener.params.comparisons["place"]
    for scored in place.levels:
        if scored.level.is_null:
            continue
        saved = next(lv for lv in model_place if lv["id"] == scored.level.id)
        u = changes[saved["id"]]["new_u"] if saved["id"] in changes else saved["u"]
        assert abs(scored.weight - math.log2(saved["m"] / u)) < 1e-6
    # six parties give 15 address pairs, fewer than LIST_U_MIN_PAIRS: the model's u is kept
    assert LIST_U_MIN_PAIRS > 15 and changes == {}


def test_address_overlap_weights_lowered_on_shared_buildings(tmp_path: Path) -> None:
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    rows = ["list_id,name,aliases,country,address,tax_id"]
    for i in range(60):
        building = ("Kwai Hing Industrial Building", "Mazaya Business Avenue BB1")[i % 2]
        rows.append(f'L{i},Party {i} Trading Ltd,,Hong Kong,"RM {100 + i}, {building}, Hong Kong",')
    path = tmp_path / "list.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    screener = Screener.load(path)
    assert screener.weight_changes, "shared building words must raise an address level's u"
    before = model_place_weight(screener, "place.address_overlap_40")
    after = next(
        lv.weight
        for c in screener.comparisons
        if c.name == "place"
        for lv in c.levels
        if lv.level.id == "place.address_overlap_40"
    )
    assert after < before


def _namesake_list(path: Path, countries: tuple[str, str]) -> Screener:
    """40 names, each listed for two different parties in the given two countries."""
    import random

    rng = random.Random(1)
    rows = ["list_id,name,aliases,country,address,tax_id"]
    for i in range(40):
        name = "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(4))
        name = f"{name.title()} Trading Ltd"
        rows += [f"A{i},{name},,{countries[0]},,", f"B{i},{name},,{countries[1]},,"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Screener.load(path)


def test_country_weight_among_look_alikes(tmp_path: Path) -> None:
    """Different listed parties whose names agree share a country far more often than random
    parties: the same-country level's u is their rate on the list (never below the model's)."""
    import math

    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    same = _namesake_list(tmp_path / "same.csv", ("Hong Kong", "Hong Kong"))
    change = same.weight_changes["country.same"]
    assert change["new_u"] == 1.0 and change["name_agreeing_list_pairs"] >= 80
    saved = next(lv for lv in same.params.comparisons["country"] if lv["id"] == "country.same")
    (level,) = (
        lv
        for c in same.comparisons
        if c.name == "country"
        for lv in c.levels
        if lv.level.id == "country.same"
    )
    assert abs(level.weight - math.log2(saved["m"] / 1.0)) < 1e-6 and level.weight < 0.1
    hit = same.screen_one({"name": same.lists.column("name")[0].as_py(), "country": "HK"})[0]
    assert abs(hit.weights["country"] - level.weight) < 1e-3  # the weight scored
    apart = _namesake_list(tmp_path / "apart.csv", ("Hong Kong", "Turkey"))
    assert "country.same" not in apart.weight_changes


def _two_forms_list(path: Path, forms: tuple[str, str]) -> Screener:
    """250 parties, each listed under one name with two legal forms."""
    rng = random.Random(2)
    rows = ["list_id,name,aliases,country,address,tax_id"]
    for i in range(250):
        name = "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(4))
        rows.append(f'P{i},{name.title()} {forms[0]},"{name.title()} {forms[1]}",,,')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Screener.load(path)


def test_legal_form_disagreement_weight_from_the_list(tmp_path: Path) -> None:
    """A list whose parties are written with other legal forms (OFAC: 3.4% of one party's name
    pairs differ in class, trade data 1.4%): the different-class level's m is that rate, so a
    record with another legal form loses less; never below the model's."""
    import math

    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    mixed = _two_forms_list(tmp_path / "mixed.csv", ("LLC", "JSC"))
    change = mixed.weight_changes["legal_form.different_class"]
    assert change["new_m"] == 1.0 and change["list_party_pairs"] == 250
    saved = next(
        lv
        for lv in mixed.params.comparisons["legal_form"]
        if lv["id"] == "legal_form.different_class"
    )
    (level,) = (
        lv
        for c in mixed.comparisons
        if c.name == "legal_form"
        for lv in c.levels
        if lv.level.id == "legal_form.different_class"
    )
    assert abs(level.weight - math.log2(1.0 / saved["u"])) < 1e-6 and level.weight > 0
    name = mixed.lists.column("name")[0].as_py().rsplit(" ", 1)[0]
    hit = mixed.screen_one({"name": f"{name} GmbH"})[0]
    assert abs(hit.weights["legal_form"] - level.weight) < 1e-3  # the weight scored
    same = _two_forms_list(tmp_path / "same.csv", ("LLC", "Limited Liability Company"))
    assert "legal_form.different_class" not in same.weight_changes


def model_place_weight(screener: Screener, level_id: str) -> float:
    import math

    saved = next(lv for lv in screener.params.comparisons["place"] if lv["id"] == level_id)
    return math.log2(saved["m"] / saved["u"])


def test_list_pair_levels_in_sql_match_the_python_levels(screener: Screener) -> None:
    """On real list names, the levels' SQL (batch, list u) equals their Python form (screen_one)."""
    from resolver.screening.calibration import ListPairLevels

    index = screener.index
    rows = {p["pid"]: p for p in index.profiles.to_pylist()}
    python = index.python_profiles()
    rng = random.Random(3)
    n = len(index.row_pid)
    pairs = [(rng.randrange(n), rng.randrange(n)) for _ in range(3000)]
    # and pairs of candidates, which reach the upper levels
    for i in range(0, n, 97):
        pid = int(index.row_pid[i])
        for other in index.postings.lookup(index.postings.keys_of(rows[pid])):
            pairs.append((i, int(index.members().rows(other)[0])))
    with screener.engine.session() as con:
        levels = ListPairLevels(index, con)
        for comp in screener.comparisons:
            in_python = [
                comp.first_holding(
                    python[int(index.row_pid[i])], python[int(index.row_pid[j])]
                ).gamma
                for i, j in pairs
            ]
            assert levels.gammas(comp, pairs) == in_python, comp.name
            assert len(set(in_python)) >= 2, comp.name  # the pairs reach more than one level
