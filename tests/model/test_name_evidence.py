"""Name evidence on the examples of issue 14: words compared as words, not as phonetic keys."""

from __future__ import annotations

import pandas as pd
import pytest

from resolver import Resolver, Screener
from resolver.normalize import name_features
from resolver.normalize.translit import token_fold, token_key

# screened trade parties that shared no word with the list name they were flagged against
FALSE_ALERTS = [
    ("MEGA STEEL OOO", "CITADEL LLC"),
    ("SEVERSOYUZ AO", "SVR"),
    ("OOO Granit", "GARANTIYA OOO"),
    ("BERKUT", "OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU PROEKT"),
    ("ООО «Запад»", "SABETTA"),
]


@pytest.mark.parametrize(("word", "other"), [("steel", "citadel"), ("granit", "garantiya")])
def test_a_consonant_skeleton_is_no_word(word, other) -> None:
    assert token_key(word) == token_key(other)  # the keys meet: candidates, nothing more
    assert token_fold(word) != token_fold(other)


@pytest.mark.parametrize(
    "variants",
    [
        ["Shchukin", "Shhukin", "Schtschukin", "Щукин"],
        ["Khimprom", "Ximprom", "Chimprom", "Химпром"],
        ["Yakutsk", "Jakutsk", "Iakutsk"],
        ["Tekhnicheskiy", "Tekhnicheskii", "Technicheskij"],
    ],
)
def test_romanizations_of_one_word_fold_alike(variants) -> None:
    assert len({name_features(v).folds for v in variants}) == 1


def _list(tmp_path, names: list[str]) -> str:
    path = tmp_path / "list.csv"
    pd.DataFrame(
        {
            "list_id": [f"L{i}" for i in range(len(names))],
            "name": names,
            "aliases": [""] * len(names),
            "country": ["RU"] * len(names),
            "address": [""] * len(names),
        }
    ).to_csv(path, index=False)
    return str(path)


def test_parties_sharing_no_word_with_a_listed_name_are_not_flagged(tmp_path) -> None:
    listed = [b for _, b in FALSE_ALERTS] + ["Ai Mashin Tekhnolodzhi OOO"]
    screener = Screener.load(_list(tmp_path, listed))
    for party, listed_name in FALSE_ALERTS:
        hits = [m for m in screener.screen_one({"name": party, "country": "RU"}) if m.match]
        assert hits == [], (party, listed_name, hits)
    # the listed party itself, in another script, still is
    hits = screener.screen_one({"name": "ООО «Ай Машин Технолоджи»", "country": "RU"})
    assert [m.list_name for m in hits if m.match] == ["Ai Mashin Tekhnolodzhi OOO"]


def _entities(rows: list[dict]) -> dict[str, str]:
    frame = pd.DataFrame(rows)
    clusters = Resolver.load().dedupe(frame).clusters.to_pylist()
    return {row["id"]: row["entity_id"] for row in clusters}


def test_seed_trio_merges_and_the_taiwanese_maker_stays_apart() -> None:
    rows = [
        {"id": "ru-cyr", "name": "ООО «Ай Машин Технолоджи»", "city": "Москва", "country": "RU"},
        {"id": "ru-lat", "name": "AI MASHIN TEKHNOLODZHI OOO", "city": "Moscow", "country": "RU"},
        {"id": "ru-en", "name": "I Machine Technology LLC", "city": "Moscow", "country": "RU"},
        {"id": "tw", "name": "I Machine Tools Co., Ltd.", "city": "Taichung", "country": "TW"},
    ]
    entity = _entities(rows)
    assert entity["ru-cyr"] == entity["ru-lat"] == entity["ru-en"]
    assert entity["tw"] != entity["ru-en"]


def test_taiwanese_companies_sharing_a_brand_syllable_stay_apart() -> None:
    rows = [
        {
            "id": "a",
            "name": "SHIN-KANG CNC MACHINERY CORPORATION",
            "city": "Changhua",
            "country": "TW",
        },
        {"id": "b", "name": "Shin Kang CNC Machinery Corp.", "city": "Changhua", "country": "TW"},
        {"id": "c", "name": "HSIN KANG TECHNOLOGY CO.,LTD", "city": "Taoyuan", "country": "TW"},
        {"id": "d", "name": "Hsin Kang Technology Co., Ltd.", "city": "Taoyuan", "country": "TW"},
    ]
    entity = _entities(rows)
    assert entity["a"] == entity["b"] and entity["c"] == entity["d"]
    assert entity["a"] != entity["c"]
