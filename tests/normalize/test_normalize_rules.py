"""Name rules added for labelled company-name pairs: number words, generic legal words, joined
spellings with inner particles, country abbreviations, and the name levels that use them."""

from __future__ import annotations

import pytest

from resolver.normalize import name_features
from resolver.normalize.legal_forms import legal_family
from resolver.normalize.tokens import read_numbers, remove_stopwords

# ---------------------------------------------------------------------------------------------
# Number words and ordinals
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("Three Percenters", "3 Percenters"),
        ("Brigade Forty-Four", "Brigade 44"),
        ("Brigade Fourty-four", "Brigade 44"),  # common misspelling of forty
        ("First Republic Bank", "1st Republic Bank"),
        ("Fifth Third Bancorp", "5th 3rd Bancorp"),
        ("Twenty-First Century Fox", "21st Century Fox"),
        ("Seven Eleven", "7 11"),
    ],
)
def test_number_words_meet_digits(words, digits):
    a, b = name_features(words), name_features(digits)
    assert a.core == b.core
    assert a.numbers == b.numbers and a.numbers


def test_read_numbers_leaves_other_words():
    assert read_numbers(["capital", "one"]) == ["capital", "1"]
    assert read_numbers(["twenty", "first"]) == ["21"]
    assert read_numbers(["twenty", "tenth"]) == ["20", "10"]  # a ten takes only a unit
    assert read_numbers(["a", "team"]) == ["a", "team"]  # "a" is never read as one
    assert read_numbers(["2nd", "007th"]) == ["2", "7"]
    assert read_numbers(["forty"]) == ["40"]


# ---------------------------------------------------------------------------------------------
# Legal forms: "Company" at the end, weak generic words, key matches spelled alike
# ---------------------------------------------------------------------------------------------


def test_company_at_the_end_is_a_generic_legal_word():
    assert name_features("The Procter & Gamble Company").core == "procter gamble"
    assert name_features("Procter & Gamble Co.").core == "procter gamble"
    assert name_features("Ford Motor Company").legal_class == "co"
    # not at the start or in the middle: "Company" there is part of the name
    assert name_features("Company Store Trading").core.startswith("company")


def test_weak_generic_word_does_not_decide_the_class():
    jsc = {
        name_features(raw).legal_class
        for raw in (
            "JSC Tactical Missiles Corporation",
            "Tactical Missiles Corporation JSC",
            "Tactical Missiles Corporation Joint Stock Company",
        )
    }
    assert jsc == {"jsc"}
    assert name_features("Tactical Missiles Corporation").legal_class == "llc"


def test_plain_company_is_compatible_with_limited_liability_forms():
    assert legal_family("co") == legal_family("llc") == legal_family("llp")
    assert legal_family("co") != legal_family("jsc")


def test_misspelled_long_legal_form_is_still_found():
    f = name_features("Tactical Missiles Corporation Joynt Stock Company")
    assert (f.core, f.legal_class) == ("tactical missiles", "jsc")
    f = name_features("OOO Obshestvo s ogranichennoi otvetstvennostju Romashka")
    assert (f.core, f.legal_class) == ("romashka", "llc")


@pytest.mark.parametrize(
    ("typed", "listed"),
    [
        ("Limsted Liability Company Agrisovgaz", "Limited Liability Company Agrisovgaz"),
        ("Closed Joint Stock Coupany Scan", "Closed Joint Stock Company Scan"),
        ("Miracle Transportation Limioed", "Miracle Transportation Limited"),
        ("MFAA Holdings Limtied", "MFAA Holdings Limited"),  # Limtied: not the key-matched word
        ("Bakhtar Commercial Coupany", "Bakhtar Commercial Company"),
        ("Funsaga Pte", "Funsaga Pte. Ltd."),  # Singapore's Pte written without its Ltd
        ("Obshchestvo s Ogsanichennoi Otvetsvennostyu VR-Resurs", "OOO VR-Resurs"),
    ],
)
def test_legal_form_word_with_one_typo_is_still_the_legal_form(typed, listed):
    a, b = name_features(typed), name_features(listed)
    assert a.core == b.core
    assert legal_family(a.legal_class) == legal_family(b.legal_class) is not None


def test_typo_correction_leaves_other_words():
    # one edit from a legal-form word shorter than 7 letters (Sharkt, Verein): a name word
    assert name_features("Sharks Trading").core.startswith("sharks")
    assert name_features("United Shipbuilding Corporation").core == "united shipbuilding"
    # a legal-form word stays itself (Limitada is not Limitado, Liability not Liabilty)
    assert name_features("Grupo MBS Limitada").core == name_features("Grupo MBS").core
    assert name_features("Liability Mutual Company").core.startswith("liability")
    # Ege (Aegean) opening a Turkish name is no legal form (rigour's EGE, only at the end)
    assert name_features("Ege Teknoloji Ltd. Sti.").core == "ege technology"
    # the first letter is kept: Ilimitada (unlimited) is not a typo of Limitada
    assert name_features("Alondra Produce Responsabilidad Ilimitada").core.endswith("ilimitada")


def test_key_match_needs_a_spelling_alike():
    # "Siemens AkG" has the phonetic keys of "gemeinnützige UG" but is not that legal form
    f = name_features("Siemens AkG")
    assert f.core == "siemens akg" and f.legal_class is None


# ---------------------------------------------------------------------------------------------
# Joined spelling keeps inner particles; country abbreviations
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("split", "joined"),
    [
        ("van der Bilt Corp", "Vanderbilt Corp"),
        ("Banco Di Napoli", "Banco DiNapoli"),
        ("The Good Will Company", "Goodwill Company"),
    ],
)
def test_joined_keeps_inner_particles(split, joined):
    assert name_features(split).joined == name_features(joined).joined


def test_joined_drops_edge_stopwords_and_number_labels():
    assert name_features("The World Bank").joined == "worldbank"
    assert name_features("Plant No. 5").joined == "plant5"
    assert remove_stopwords(["the", "van", "der", "bilt", "of"], keep_inner=True) == [
        "van",
        "der",
        "bilt",
    ]


def test_country_abbreviations():
    assert (
        name_features("U.S. Department of State").core
        == name_features("United States Department of State").core
    )
    assert name_features("Bank of America USA").core == name_features("Bank of America US").core
    assert (
        name_features("UK Export Finance").core
        == name_features("United Kingdom Export Finance").core
    )
