"""The list index: screening's word weights are the features' weights with the list as corpus."""

from __future__ import annotations

import duckdb
import pytest

from resolver.features import build_features
from resolver.normalize.tokens import generic_word_folds
from resolver.screening.index import WordStats, canonical
from resolver.screening.lists import load_list


def test_list_word_weights_equal_the_features_weights_over_the_list(synth_dir) -> None:
    lists = load_list(synth_dir / "list.csv")
    built = build_features(canonical(lists, "l"), duckdb.connect()).profiles.to_pylist()
    words = WordStats.build(built)
    compared = 0
    for profile in built:
        weighed = words.weigh(profile)
        for column, total in (("name_kw", "name_w_total"), ("address_kw", "address_w_total")):
            if profile[column] is None:
                assert weighed[column] is None
                continue
            assert [x["k"] for x in weighed[column]] == [x["k"] for x in profile[column]]
            assert [x["w"] for x in weighed[column]] == pytest.approx(
                [x["w"] for x in profile[column]], rel=1e-12
            )
            assert weighed[total] == pytest.approx(profile[total], rel=1e-12)
            compared += 1
        if _one_generic_word(profile):
            assert weighed["name_rarity"] is None
        else:
            assert weighed["name_rarity"] == pytest.approx(profile["name_rarity"], rel=1e-12)
    assert compared > len(built)  # names and addresses were both compared


def _one_generic_word(profile) -> bool:
    kw = profile["name_kw"] or ()
    return len(kw) == 1 and kw[0]["k"] in generic_word_folds()


def test_a_name_of_one_generic_word_is_not_distinctive_on_a_list() -> None:
    """'Tehnologii' alone (AO Tekhnologii in ISO 9) would be in every list name with technology,
    a word few list names have; two generic words stay a name, and a specific word is one."""
    from resolver.model.levels import python_features
    from resolver.model.spec import comparison
    from resolver.screening.realtime import query_features

    listed = ["Terra Tekh JSC", "PSV Technologies LLC", "Invest Group LLC", "Kristall"]
    listed += [f"Filler {w} Company" for w in ("Alpha", "Beta", "Gamma", "Delta", "Omega")]
    words = WordStats.build([query_features({"name": n}) for n in listed])

    def weighed(name: str) -> dict:
        return python_features(words.weigh(query_features({"name": name})))

    query = weighed("Akcionernoe obŝestvo Tehnologii")
    assert query["name_kw"] and query["name_rarity"] is None
    assert weighed("Invest Group OOO")["name_rarity"] >= 0.5  # as rare as a word the list lacks
    contained = next(lv for lv in comparison("name").levels if lv.id == "name.contained")
    assert not contained.condition.holds(query, weighed("Terra Tekh JSC"))
    assert not contained.condition.holds(query, weighed("PSV Technologies LLC"))
    assert contained.condition.holds(weighed("Kristall"), weighed("Kristall Research Institute"))


def test_expand_pairs_gives_every_row_pair_of_each_profile_pair() -> None:
    import numpy as np

    from resolver.screening.index import Members, expand_pairs

    a_pid = np.array([2, 1, 2, 0, 1, 2])  # the profile of each row
    b_pid = np.array([0, 1, 1, 1, 3])  # profile 2 has no row
    a, b = np.array([1, 2, 0, 2, 1]), np.array([1, 3, 2, 1, 0])
    k, row_a, row_b = expand_pairs(a, b, Members.of(a_pid), Members.of(b_pid))
    got = sorted(zip(k.tolist(), row_a.tolist(), row_b.tolist(), strict=True))
    expected = sorted(
        (n, i, j)
        for n, (p, q) in enumerate(zip(a.tolist(), b.tolist(), strict=True))
        for i in np.flatnonzero(a_pid == p).tolist()
        for j in np.flatnonzero(b_pid == q).tolist()
    )
    assert got == expected and len(got) == 2 * 3 + 3 * 1 + 0 + 3 * 3 + 2 * 1
