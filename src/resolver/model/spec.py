"""The model's comparisons: each a list of levels with stable ids, in evaluation order.

This is the single definition of the evidence: splink builds its comparisons from it (dedupe,
training), screening scores with it in SQL and in Python, and saved models hold only the m and
u of its levels, keyed by level id. A new level is one ``Level`` line here.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolver.features import ABJAD_COLUMN, INITIALS_COLUMN
from resolver.model.levels import (
    AtLeast,
    ContainedName,
    Initialism,
    Level,
    LongEnough,
    NearEqual,
    Same,
    SkeletonOverlap,
    WeightedOverlap,
    WordOverlap,
    missing_on_a_side,
    missing_on_both,
)

FEATURE_VERSION = "10"

# A name is distinctive when its rarest word occurs in at most about sqrt(N) of the N distinct
# names (IDF >= half the maximum): "Gazprom Avtomatizatsiya" is, "Trading Company" is not.
DISTINCTIVE_RARITY = 0.5


@dataclass(frozen=True)
class ComparisonSpec:
    """One piece of evidence: its output name, the title explanations give it, the feature
    columns whose data it needs, and its levels."""

    name: str
    title: str
    columns: tuple[str, ...]
    levels: tuple[Level, ...]

    @property
    def scored_levels(self) -> tuple[Level, ...]:
        """The levels that carry m and u (all but the null level), in order."""
        return tuple(lv for lv in self.levels if not lv.is_null)

    @property
    def gammas(self) -> tuple[int, ...]:
        """Per level, the value splink gives it: -1 for the null level, then n-1 down to 0."""
        n = len(self.scored_levels)
        out, k = [], n
        for level in self.levels:
            if level.is_null:
                out.append(-1)
            else:
                k -= 1
                out.append(k)
        return tuple(out)

    def label(self, level: Level) -> str:
        """Display text of a level, prefixed with the evidence it is about."""
        return f"{self.title}: {level.text}"


# The same words: the same name, or the same folded words in any order; folded words count only
# in names of SAME_FOLDS_MIN_CHARS letters or more (Ani ~ Ane, Ayk ~ Ayc are other names).
SAME_FOLDS_MIN_CHARS = 5
_SAME_WORDS = Same("name_core") | (
    Same("name_fold_string") & LongEnough("name_fold_string", SAME_FOLDS_MIN_CHARS)
)

NAME = ComparisonSpec(
    "name",
    "name",
    (
        "name_core",
        "name_rarity",
        "name_fold_string",
        "name_joined",
        "name_kw",
        "name_folds",
        "name_w_total",
        INITIALS_COLUMN,
        ABJAD_COLUMN,
    ),
    (
        Level("name.missing", "missing", missing_on_a_side("name_core"), is_null=True),
        # Words are compared as folded words (the same word in any romanization: Shchukin ~
        # Schtschukin), never as phonetic keys, which only find candidates (steel ~ citadel).
        # One level for the same name and the same words in another romanization or order: both
        # are equally strong, and pooled, an alias list's many true pairs do not swamp its u.
        Level(
            "name.same_words_distinctive",
            "same words (any romanization, any order), distinctive",
            _SAME_WORDS & AtLeast("name_rarity", "l", DISTINCTIVE_RARITY),
        ),
        Level("name.same_words_common", "same words, common words only", _SAME_WORDS),
        Level(
            "name.same_joined", "same letters when joined (split/joined words)", Same("name_joined")
        ),
        # Across scripts only (one name in Arabic script): the unvoweled words' consonant
        # skeletons filled with vowels give the other name's words (sdam hsin ~ Saddam Hussein).
        Level(
            "name.skeleton_90",
            "Arabic-script name vs another script: same consonant skeletons (overlap >= 0.9)",
            SkeletonOverlap(0.9),
        ),
        Level(
            "name.skeleton_60",
            "Arabic-script name vs another script: consonant skeletons, overlap >= 0.6, "
            "no other words on one side",
            SkeletonOverlap(0.6, conflict=False),
        ),
        Level(
            "name.within_1_edit",
            "whole name within 1 edit",
            NearEqual("name_core", 1, short_words=True),
        ),
        Level(
            "name.within_2_edits",
            "whole name within 2 edits",
            NearEqual("name_core", 2, min_chars=10, short_words=True),
        ),
        Level("name.overlap_80", "shared words, weighted overlap >= 0.8", WordOverlap(0.8)),
        Level(
            "name.contained",
            "one name's words all in the other, distinctive",
            ContainedName(DISTINCTIVE_RARITY),
        ),
        Level(
            "name.overlap_80_typos",
            "shared words allowing one typo per word, weighted overlap >= 0.8",
            WordOverlap(0.8, fuzzy=True),
        ),
        Level(
            "name.overlap_60",
            "shared words, weighted overlap >= 0.6, no other words on one side",
            WordOverlap(0.6, conflict=False),
        ),
        Level(
            "name.initialism", "one name is the initials of the other (>= 3 letters)", Initialism()
        ),
        Level(
            "name.overlap_60_conflict",
            "shared words, weighted overlap >= 0.6, both have other words",
            WordOverlap(0.6, conflict=True),
        ),
        Level("name.overlap_40", "shared words, weighted overlap >= 0.4", WordOverlap(0.4)),
        Level("name.overlap_20", "shared words, weighted overlap >= 0.2", WordOverlap(0.2)),
        Level("name.other", "differs", None),
    ),
)

LEGAL_FORM = ComparisonSpec(
    "legal_form",
    "legal form",
    ("legal_class", "legal_family"),
    (
        Level("legal_form.missing", "both missing", missing_on_both("legal_class"), is_null=True),
        Level("legal_form.same_class", "same class", Same("legal_class")),
        Level(
            "legal_form.compatible_class",
            "compatible class (e.g. PJSC and JSC)",
            Same("legal_family"),
        ),
        Level(
            "legal_form.one_missing",
            "one missing",
            missing_on_a_side("legal_class"),
            absent_on_one_side="legal_class",
        ),
        Level("legal_form.different_class", "different class", None),
    ),
)

# Numbers in names ("Fund 1" vs "Fund 2") are compared only when both names have some: a number
# missing on one side is how names are usually abbreviated, not evidence.
NAME_NUMBERS = ComparisonSpec(
    "name_numbers",
    "name numbers",
    ("name_numbers",),
    (
        Level("name_numbers.missing", "missing", missing_on_a_side("name_numbers"), is_null=True),
        Level("name_numbers.same", "same", Same("name_numbers")),
        Level("name_numbers.different", "differ", None),
    ),
)

COUNTRY = ComparisonSpec(
    "country",
    "country",
    ("country",),
    (
        Level("country.missing", "missing", missing_on_a_side("country"), is_null=True),
        Level("country.same", "same", Same("country")),
        Level("country.other", "differs", None),
    ),
)

# Address, postcode and city as one graded comparison: they are strongly correlated (same
# building -> same postcode -> same city), and as separate comparisons their weights would add
# up as if independent, so two companies in one business centre would match on location alone.
_PLACE_COLUMNS = ("address", "postcode", "city")
# An address counts only when it carries at least the information of ADDRESS_MIN_INFO unique
# words (``address_info``: its IDF total over the data set's most distinctive word's): "Flat A"
# or "Room 12" alone is shared by many companies.
ADDRESS_MIN_INFO = 1.0
_INFORMATIVE = AtLeast("address_info", "l", ADDRESS_MIN_INFO) & AtLeast(
    "address_info", "r", ADDRESS_MIN_INFO
)
PLACE = ComparisonSpec(
    "place",
    "place",
    ("address", "address_kw", "address_info", "postcode", "city"),
    (
        Level(
            "place.missing",
            "not comparable (missing)",
            missing_on_a_side("address")
            & missing_on_a_side("postcode")
            & missing_on_a_side("city"),
            is_null=True,
        ),
        Level("place.same_address", "same address", Same("address") & _INFORMATIVE),
        Level(
            "place.address_overlap_70",
            "address rare-word overlap >= 0.7",
            _INFORMATIVE
            & WeightedOverlap(0.7, "address_kw", "address_w_total", keys="address_keys"),
        ),
        Level(
            "place.address_overlap_40",
            "address rare-word overlap >= 0.4",
            _INFORMATIVE
            & WeightedOverlap(0.4, "address_kw", "address_w_total", keys="address_keys"),
        ),
        Level("place.same_postcode", "same postcode", Same("postcode")),
        Level("place.same_city", "same city", Same("city")),
        Level("place.different", "different", None),
    ),
)

# A tax id missing on either side is no evidence; present on both, it must agree up to a typo
# (Febrl's social security numbers differ by one digit in many true pairs).
TAX_ID = ComparisonSpec(
    "tax_id",
    "tax id",
    ("tax_id",),
    (
        Level("tax_id.missing", "missing", missing_on_a_side("tax_id"), is_null=True),
        Level("tax_id.same", "same", Same("tax_id")),
        Level(
            "tax_id.within_2_edits", "within 2 edits (typo)", NearEqual("tax_id", 2, min_chars=6)
        ),
        Level("tax_id.different", "both present, different", None),
    ),
)

COMPARISONS: tuple[ComparisonSpec, ...] = (NAME, LEGAL_FORM, NAME_NUMBERS, COUNTRY, PLACE, TAX_ID)
COMPARISON_NAMES = tuple(c.name for c in COMPARISONS)
REQUIRED_COMPARISONS = ("name",)  # training refuses data without names; a model must have it

# Comparisons whose m is re-measured at dedupe time on the pairs the rest of the model is sure
# of (``adapt.remeasure_m_on_pairs``); see docs/DECISIONS.md.
M_FROM_SURE_MATCHES: tuple[str, ...] = ("tax_id",)
M_SURE_MIN_PAIRS = 50  # fewer near-certain pairs with the comparison's data: keep EM's m
M_FLOOR = 1e-3  # no level is treated as impossible for a true match


def comparison(name: str) -> ComparisonSpec:
    for spec in COMPARISONS:
        if spec.name == name:
            return spec
    raise KeyError(name)
