"""resolver's own scoring (level SQL + weight sums) equals splink's predict to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from resolver.engine import Engine
from resolver.errors import InputError
from resolver.features import build_features
from resolver.io.readers import read_records
from resolver.model.blocking import BLOCKING_RULES
from resolver.model.params import ModelParams, default_model_path
from resolver.model.predict import build_linker, predict_pairs
from resolver.model.scoring import (
    check_threshold,
    gamma_sql,
    pair_columns_sql,
    scored_comparisons,
    total_weights,
)


def test_scores_equal_splink_predict(synth_dir) -> None:
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    params = ModelParams.load(default_model_path())
    engine = Engine()
    try:
        profiles = build_features(
            read_records(synth_dir / "parties.csv"), engine.con, blocking_rules=BLOCKING_RULES
        ).profiles
        prior = 1e-4
        linker = build_linker(engine, params, [profiles], link_type="dedupe_only", prior=prior)
        splink = predict_pairs(linker, 0.0).as_pandas_dataframe()
        engine.release(linker)
    finally:
        engine.close()
    assert len(splink) > 1000
    comparisons = scored_comparisons(params.comparisons)
    import duckdb

    con = duckdb.connect()
    con.register("prof", profiles)
    con.register("pairs", splink[["unique_id_l", "unique_id_r"]])
    columns = sorted({c for comp in comparisons for c in profiles.column_names})
    gammas = con.sql(
        f"""
        SELECT {", ".join(f"{gamma_sql(c.spec)} AS {c.name}" for c in comparisons)}
        FROM (SELECT p.unique_id_l AS a, p.unique_id_r AS b, {pair_columns_sql(columns)}
              FROM pairs p JOIN prof l ON l.unique_id = p.unique_id_l
              JOIN prof r ON r.unique_id = p.unique_id_r)
        ORDER BY a, b
        """
    ).fetchnumpy()
    ordered = splink.sort_values(["unique_id_l", "unique_id_r"]).reset_index(drop=True)
    weights = [c.weights(gammas[c.name]) for c in comparisons]
    for comp, w in zip(comparisons, weights, strict=True):
        assert np.array_equal(w, ordered[f"mw_{comp.name}"].to_numpy()), comp.name
    total, probability = total_weights(prior, weights, len(ordered))
    assert np.array_equal(total, ordered["match_weight"].to_numpy())
    assert np.array_equal(probability, ordered["match_probability"].to_numpy())


@pytest.mark.parametrize("value", [0, 1, -1, 5, "x", float("nan")])
def test_threshold_outside_zero_one_is_refused(value) -> None:
    with pytest.raises(InputError, match="between 0 and 1"):
        check_threshold(value)
    assert check_threshold(None) is None and check_threshold("0.5") == 0.5
