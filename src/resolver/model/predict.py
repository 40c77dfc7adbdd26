"""Score candidate pairs with a trained model on any backend (settings regenerated per dialect)."""

from __future__ import annotations

import logging

import pyarrow as pa
from splink import Linker, SettingsCreator, block_on

from resolver.engine import Engine
from resolver.errors import ModelError
from resolver.model.params import ModelParams
from resolver.model.spec import BLOCKING_RULES, comparison

log = logging.getLogger(__name__)


def build_linker(
    engine: Engine,
    params: ModelParams,
    tables: list[pa.Table],
    *,
    link_type: str,
    prior: float,
    blocking: list | None = None,
    term_frequencies: bool = True,
) -> Linker:
    """A splink linker holding the model's comparisons with their trained m/u."""
    creators = []
    for name, levels in params.comparisons.items():
        try:
            spec = comparison(name)
        except KeyError:
            raise ModelError(f"model has unknown comparison '{name}'; retrain it") from None
        creators.append(spec.creator(levels, term_frequencies=term_frequencies))
    if blocking is None:
        blocking = [block_on(f"blk_{i}") for i in range(len(BLOCKING_RULES))]
        blocking += [block_on(f"win_{i}") for i in range(len(BLOCKING_RULES))]
    settings = SettingsCreator(
        link_type=link_type,
        comparisons=creators,
        blocking_rules_to_generate_predictions=blocking,
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )
    db = engine.db_api()
    sdfs = [engine.register(db, t, f"resolver_input_{i}") for i, t in enumerate(tables)]
    return Linker(sdfs if len(sdfs) > 1 else sdfs[0], settings, log_level=logging.ERROR)


def predict_pairs(linker: Linker, floor: float):
    """Scored pairs above ``floor`` match probability, as a splink dataframe."""
    return linker.inference.predict(threshold_match_probability=floor)
