"""Which pairs get compared: dedupe's blocking rules and screening's candidate keys.

Each dedupe rule is a tuple of feature columns that must be equal (``features`` materializes
them as guarded ``blk_i`` keys). A screened record meets the list names that share one of its
candidate keys; ``record_keys`` and ``list_keys`` give them for one feature row, for batch and
real-time screening alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resolver.features import INITIALS_COLUMN

BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("name_core",),
    ("name_key_string",),
    ("name_joined",),
    ("name_rare1",),
    ("name_rare2",),
    ("name_rare_pair",),  # the two rarest words together: variants of very frequent parties
    ("tax_id",),
    ("address", "city"),
    # a typo in every word of a name defeats the name keys above (Febrl's people); only between
    # profiles that both have a tax id, which can carry such a pair over the threshold
    ("postcode", INITIALS_COLUMN, "tax_id_present"),
)

# Blocking rules for EM. Splink trains every comparison whose columns the rule does not use; a
# rule on a name key must not train the name comparison (every pair in it shares a word, which
# would inflate m of weak name levels), so those rules also require NAME_COLUMN_FOR_EXCLUSION.
TRAINING_RULES: tuple[tuple[str, ...], ...] = (
    ("tax_id",),
    ("address",),
    ("country", "postcode"),
    ("name_rare1",),
    ("name_core",),
)
NAME_COLUMN_FOR_EXCLUSION = "name_core"

# Deterministic rules for the prior (match rate): near-certain matches.
PRIOR_RULES: tuple[tuple[str, ...], ...] = (
    ("name_core", "country", "city"),
    ("tax_id", "name_rare1"),
)

# ---- screening candidate keys ----

# Whole values a record and a list name must share. A key value more than KEY_CAP list name rows
# carry is unused (a common name or an office address would make every record a candidate).
SCALAR_KEYS: tuple[tuple[str, ...], ...] = (
    ("name_core",),
    ("name_key_string",),
    ("name_joined",),
    ("tax_id",),
    ("address", "city"),
)
KEY_CAP = 1000
# Name words (romanization-invariant keys): of the record's words that at most KEY_CAP list
# rows carry, its RARE_KEYS rarest and every one at most RARE_ALL_CAP rows carry. A word rare on
# the list is not always the name's own ("Honghai Semiconductor (Hong Kong) Co." has hong, kong).
NAME_KEY = "name_key"
RARE_KEYS = 2
RARE_ALL_CAP = 20
# One-edit keys: a record's name word that no list name has (a typo such as Nomsd) meets the
# list words one letter away, both sides keyed by the word and its one-letter deletions
# (symmetric deletion), for words of FUZZY_MIN_CHARS+ letters; a key more than FUZZY_CAP list
# rows carry is unused.
ONE_EDIT = "one_edit"
FUZZY_MIN_CHARS = 5
FUZZY_CAP = 50
KEY_SEPARATOR = "\x1f"

Key = tuple[str, str]  # (kind, value)


def scalar_kind(columns: tuple[str, ...]) -> str:
    return "+".join(columns)


KIND_CAPS: dict[str, int] = {
    **{scalar_kind(cols): KEY_CAP for cols in SCALAR_KEYS},
    NAME_KEY: KEY_CAP,
    ONE_EDIT: FUZZY_CAP,
}


def deletion_keys(word: str) -> set[str]:
    """The word and its one-letter deletions (none for words under FUZZY_MIN_CHARS letters).

    Two words one edit apart (insertion, deletion, substitution, adjacent swap) share one.
    """
    if len(word) < FUZZY_MIN_CHARS:
        return set()
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def name_words(core: str | None) -> set[str]:
    return set(core.split(" ")) if core else set()


def _scalar_keys(features: Mapping[str, Any]) -> list[Key]:
    out = []
    for cols in SCALAR_KEYS:
        values = [features[c] for c in cols]
        if None not in values:
            out.append((scalar_kind(cols), KEY_SEPARATOR.join(values)))
    return out


def list_keys(features: Mapping[str, Any]) -> list[Key]:
    """Every key a list name is found by, before KIND_CAPS are applied over the whole list."""
    keys = _scalar_keys(features)
    keys += [(NAME_KEY, k) for k in sorted(features["name_keys"] or ())]
    edits = set().union(*map(deletion_keys, name_words(features["name_core"])))
    return keys + [(ONE_EDIT, v) for v in sorted(edits)]


def record_keys(
    features: Mapping[str, Any], name_key_rows: Mapping[str, int], list_words: frozenset[str]
) -> list[Key]:
    """The keys a screened record looks list names up by.

    ``name_key_rows``: list name rows per name key; ``list_words``: the words of the list's
    name cores (a word the list has needs no one-edit key).
    """
    keys = _scalar_keys(features)
    usable = sorted(
        (name_key_rows[k], k)
        for k in features["name_keys"] or ()
        if 0 < name_key_rows.get(k, 0) <= KEY_CAP
    )
    keys += [(NAME_KEY, k) for i, (n, k) in enumerate(usable) if i < RARE_KEYS or n <= RARE_ALL_CAP]
    unseen = [w for w in name_words(features["name_core"]) if w not in list_words]
    edits = set().union(*map(deletion_keys, unseen))
    return keys + [(ONE_EDIT, v) for v in sorted(edits)]
