"""Parameters measured on data: u adapted to the data, m re-measured on scored pairs."""

from __future__ import annotations

import pyarrow as pa
import pytest

from resolver.model.params import ModelParams
from resolver.model.spec import M_SURE_MIN_PAIRS


def test_shipped_model_gives_a_different_tax_id_negative_evidence():
    from resolver.model.params import default_model_path

    params = ModelParams.load(default_model_path())
    same, typo, different = params.comparisons["tax_id"]
    assert same["m"] / same["u"] > 100
    assert different["m"] / different["u"] < 0.5  # real evidence against, not the old -0.5 bits
    assert typo["id"] == "tax_id.within_2_edits"


def test_adapted_u_never_raised_on_match_evidence(synth_dir):
    from resolver.engine import Engine
    from resolver.features import build_features
    from resolver.io.readers import read_records
    from resolver.model.adapt import U_CAP_RATIO, adapt_u_to_data
    from resolver.model.params import default_model_path

    params = ModelParams.load(default_model_path())
    engine = Engine(backend="duckdb")
    try:
        features = build_features(read_records(synth_dir / "parties.csv"), engine.con)
    finally:
        engine.close()
    # a prior far too small for the data: without the cap, true matches would inflate u
    adapted = adapt_u_to_data(params, features.profiles, prior=1e-9)
    for name, levels in params.comparisons.items():
        new = adapted.comparisons[name]
        assert sum(lv["u"] for lv in new) == pytest.approx(1.0)
        for old, lv in zip(levels, new, strict=True):
            if old["m"] >= U_CAP_RATIO * old["u"] and lv["u"] > old["u"]:
                pytest.fail(f"{name} / {old['id']}: u raised {old['u']:.3g} -> {lv['u']:.3g}")


def _scored_pairs(rows: list[tuple[float, float]]) -> pa.Table:
    """A scored pairs table from (other evidence, tax id weight) in bits, prior included."""
    other = [o for o, _ in rows]
    tax = [t for _, t in rows]
    total = [o + t for o, t in rows]
    return pa.table(
        {
            "id_l": [f"a{k}" for k in range(len(rows))],
            "id_r": [f"b{k}" for k in range(len(rows))],
            "match_probability": [1.0 / (1.0 + 2.0**-w) for w in total],
            "match_weight": total,
            "mw_name": other,
            "mw_tax_id": tax,
        }
    )


_TAX = [
    {"id": "tax_id.same", "m": 0.99, "u": 0.001},
    {"id": "tax_id.within_2_edits", "m": 0.004, "u": 0.002},
    {"id": "tax_id.different", "m": 0.006, "u": 0.997},
]


def _tax_params(levels: list[dict]) -> ModelParams:
    return ModelParams({"tax_id": levels}, 0.01, expected_matches_per_profile=1.0)


def test_tax_id_m_remeasured_on_sure_pairs_and_pairs_rescored():
    import math

    from resolver.model.adapt import remeasure_m_on_pairs

    params = _tax_params(_TAX)
    w = [math.log2(lv["m"] / lv["u"]) for lv in _TAX]
    sure = 12.0  # other evidence alone: posterior > 0.999
    rows = [(sure, w[0])] * 60 + [(sure, w[1])] * 4 + [(sure, w[2])] * 16
    rows += [(2.0, w[2])] * 30  # not sure without the tax id: not counted
    rows += [(sure, 0.0)] * 20 + [(-1.0, 0.0)] * 5  # tax id missing on a side: no evidence
    pairs, measured = remeasure_m_on_pairs(_scored_pairs(rows), params, ["tax_id"], 20.0)
    m = [60 / 80, 4 / 80, 16 / 80]
    assert measured["tax_id"]["m"] == pytest.approx(m, abs=1e-6)
    assert measured["tax_id"]["sure_pairs"] == 80
    tax = pairs.column("mw_tax_id").to_pylist()
    total = pairs.column("match_weight").to_pylist()
    prob = pairs.column("match_probability").to_pylist()
    assert tax[100] == pytest.approx(math.log2(m[2] / _TAX[2]["u"]))  # unsure pair re-weighed
    assert tax[0] == pytest.approx(math.log2(m[0] / _TAX[0]["u"]))
    assert tax[110:] == [0.0] * 25
    for t, o, p in zip(tax, [o for o, _ in rows], prob, strict=True):
        assert p == pytest.approx(1.0 / (1.0 + 2.0 ** -(o + t)))
    assert total == pytest.approx([o + t for (o, _), t in zip(rows, tax, strict=True)])
    # a rise of a level's weight is capped (no pair below the floor could have crossed)
    capped, _ = remeasure_m_on_pairs(_scored_pairs(rows), params, ["tax_id"], 1.0)
    assert capped.column("mw_tax_id")[100].as_py() == pytest.approx(w[2] + 1.0)


def test_tax_id_m_not_remeasured_on_too_few_pairs_or_ambiguous_weights():
    import math

    from resolver.model.adapt import remeasure_m_on_pairs

    params = _tax_params(_TAX)
    w = [math.log2(lv["m"] / lv["u"]) for lv in _TAX]
    few = _scored_pairs([(12.0, w[0])] * (M_SURE_MIN_PAIRS - 5) + [(12.0, w[2])] * 4)
    pairs, measured = remeasure_m_on_pairs(few, params, ["tax_id"], 20.0)
    assert measured == {} and pairs.equals(few)
    # the typo level at m == u weighs 0, like a missing tax id: levels cannot be told apart
    neutral = _tax_params([_TAX[0], {**_TAX[1], "u": _TAX[1]["m"]}, _TAX[2]])
    many = _scored_pairs([(12.0, w[0])] * 60 + [(12.0, 0.0)] * 10 + [(12.0, w[2])] * 30)
    pairs, measured = remeasure_m_on_pairs(many, neutral, ["tax_id"], 20.0)
    assert measured == {} and pairs.equals(many)


def test_dedupe_reports_remeasured_tax_id_m_and_consistent_scores(synth_dir):
    import numpy as np

    from resolver.dedupe import dedupe
    from resolver.engine import Engine
    from resolver.io.readers import read_records
    from resolver.model.params import default_model_path

    params = ModelParams.load(default_model_path())
    engine = Engine(backend="duckdb")
    try:
        result = dedupe(read_records(synth_dir / "parties.csv"), params, engine)
    finally:
        engine.close()
    measured = result.summary["m_measured_on_pairs"]["tax_id"]
    assert sum(measured["m"]) == pytest.approx(1.0, abs=1e-5)
    assert measured["sure_pairs"] >= M_SURE_MIN_PAIRS
    pairs = result.pairs
    weights = sum(pairs.column(c).to_numpy() for c in pairs.column_names if c.startswith("mw_"))
    total = pairs.column("match_weight").to_numpy()
    # the re-weighed tax id moved the total by the same amount: the rest is the prior
    assert np.ptp(total - weights) == pytest.approx(0.0, abs=1e-6)
    assert pairs.column("match_probability").to_numpy() == pytest.approx(
        1.0 / (1.0 + np.exp2(-total))
    )
