"""The features a record is compared on, as other layers name them."""

from __future__ import annotations

import pyarrow as pa

from resolver.features import RECORD_FEATURES, record_features


def test_record_features_gives_the_named_columns() -> None:
    table = pa.table({"id": ["1", "2"], "name": ["Acme Trading LLC", None], "city": ["x", None]})
    assert record_features(table).column_names == ["row", "id", *RECORD_FEATURES]
