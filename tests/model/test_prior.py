"""The names-only prior: raised by the model's measured calibration offset, and that offset."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from resolver.errors import ModelError
from resolver.model.params import ModelParams, default_model_path
from resolver.model.prior import estimate_prior, level_weights, names_only_offset


def _labelled(offset: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scored pairs whose true match probability is their weight plus ``offset`` bits."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-8.0, 8.0, n)
    matches = rng.random(n) < 1.0 / (1.0 + np.exp2(-(weights + offset)))
    return weights, matches


def test_offset_recovers_the_bits_the_scores_are_short_by() -> None:
    weights, matches = _labelled(2.5, 20_000, seed=1)
    assert names_only_offset([weights], [matches]) == pytest.approx(2.5, abs=0.15)
    weights, matches = _labelled(-1.0, 20_000, seed=2)
    assert names_only_offset([weights], [matches]) == pytest.approx(-1.0, abs=0.15)


def test_each_source_weighs_the_same_whatever_its_size() -> None:
    big = _labelled(3.0, 40_000, seed=3)
    small = _labelled(1.0, 2_000, seed=4)
    both = names_only_offset([big[0], small[0]], [big[1], small[1]])
    assert 1.5 < both < 2.5  # pooled pair by pair, the big source would pull it near 3
    assert names_only_offset([np.array([5.0])], [np.array([True])], limit=4.0) == 4.0


@pytest.fixture(scope="module")
def shipped() -> ModelParams:
    return ModelParams.load(default_model_path())


def _names_only_prior(params: ModelParams) -> float:
    """The names-only prior of data whose candidate pairs are 50 pairs with the same words."""
    weights = level_weights(params)
    top = {name: 0.0 for name in params.comparisons}
    top["name"] = weights["name"][0]
    found = estimate_prior(
        params,
        {name: [None] * len(levels) for name, levels in params.comparisons.items()},
        [(top, 50)],
        params,
        n_pairs=1e6,
        model_prior=params.probability_two_random_records_match,
        names_only_data=True,
    )
    assert found.method.startswith("decisive name pairs")
    return found.prior


def test_names_only_prior_is_raised_by_the_models_offset(shipped) -> None:
    plain = copy.deepcopy(shipped)
    plain.names_only_offset_bits = 0.0
    raised = copy.deepcopy(shipped)
    raised.names_only_offset_bits = 2.0
    p0, p2 = _names_only_prior(plain), _names_only_prior(raised)
    assert p2 / (1 - p2) == pytest.approx(4.0 * p0 / (1 - p0), rel=1e-9)


def test_shipped_model_carries_a_measured_positive_offset(shipped) -> None:
    measured = shipped.metadata.get("names_only_offset")
    if measured is None:
        pytest.skip("model built without the real labelled data (--generated-only)")
    assert shipped.names_only_offset_bits == measured["bits"] > 0.0
    assert all(source["pairs"] > 0 for source in measured["sources"].values())


def test_offset_is_saved_and_checked_on_load(shipped, tmp_path) -> None:
    data = shipped.to_dict()
    assert ModelParams.from_dict(data).names_only_offset_bits == shipped.names_only_offset_bits
    del data["names_only_offset_bits"]  # a model from before the offset: none
    assert ModelParams.from_dict(data).names_only_offset_bits == 0.0
    data["names_only_offset_bits"] = 40.0
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError, match="names_only_offset_bits"):
        ModelParams.load(path)
