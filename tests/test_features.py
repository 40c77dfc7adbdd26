"""The features a record is compared on, as other layers name them."""

from __future__ import annotations

import pyarrow as pa

from resolver.features import RECORD_FEATURES, record_features


def test_record_features_gives_the_named_columns() -> None:
    table = pa.table({"id": ["1", "2"], "name": ["Acme Trading LLC", None], "city": ["x", None]})
    assert record_features(table).column_names == ["row", "id", *RECORD_FEATURES]


def _typo_words(names: list[str]) -> dict[str, str | None]:
    """name -> its profile's ``name_typo_word`` (one record per name)."""
    from resolver.engine import Engine
    from resolver.features import build_features

    table = pa.table({"id": [str(i) for i in range(len(names))], "name": names})
    engine = Engine(backend="duckdb")
    try:
        profiles = build_features(table, engine.con).profiles
    finally:
        engine.close()
    by_id = dict(
        zip(
            profiles.column("unique_id").to_pylist(),
            profiles.column("name_typo_word").to_pylist(),
            strict=True,
        )
    )
    return {name: by_id[str(i)] for i, name in enumerate(names)}


def test_a_typo_in_the_rarest_word_meets_the_names_spelling_it_right() -> None:
    """'MARNARA' is in one name only, one edit from 'marmara' (several names): both sides get
    'marmara' as their typo key, though their rare-word keys differ."""
    names = [
        "MARNARA METAL SA. VE TIC. LTD. STI.",
        "MARMARA METAL LTD. STI.",
        "Marmara Metal Tic. Ltd. Sti.",
        "MARMARA METAL SAN. VE TIC. LTD. SIRKETI",
        "Ege Kimya Ltd. Sti.",
        "Ege Kimya Sanayi A.S.",
    ]
    keys = _typo_words(names)
    assert keys[names[0]] == "marmara"
    assert {keys[n] for n in names[1:4]} == {"marmara"}
    # no typo of theirs, and no typo reads as one of their words
    assert keys["Ege Kimya Ltd. Sti."] is None and keys["Ege Kimya Sanayi A.S."] is None


def test_a_word_two_edits_away_or_of_one_name_gets_no_typo_key() -> None:
    names = [
        "Masrnara Metal Ltd",  # two edits from marmara: another name, not a typo
        "Marmara Metal Ltd",
        "Marmara Kimya Ltd",
        "Zvezda Trading",  # its words are in one name each: nothing to read them as
        "Zvezdo Logistics",
    ]
    keys = _typo_words(names)
    assert set(keys.values()) == {None}
