"""Score candidate pairs with a trained model on any backend (settings regenerated per dialect)."""

from __future__ import annotations

import logging
from dataclasses import replace

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
        blocking += [f"l.pid = r.rep_{i}" for i in range(len(BLOCKING_RULES))]
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


U_MIN_PROFILES = 500
U_MAX_PAIRS = 1e6


def adapt_u_to_data(
    params: ModelParams, profiles: pa.Table, prior: float, seed: int = 42
) -> ModelParams:
    """The model with u re-estimated on the data being matched, correcting for the matches a
    random sample holds.

    u (how often non-matches agree by chance) depends on the data: a model trained on one
    population over- or under-states name evidence on another. Splink's random-sampling estimate
    counts true matches as non-matches, which inflates u wherever duplicates are dense (lists of
    aliases); with m and the prior known, the expected match share of each level is removed:
    u = (observed - prior * m) / (1 - prior), floored at one sampled pair. Levels with no sampled
    pair keep the model's u. Sampling always runs on a local DuckDB copy of the profiles, so a
    Spark run uses exactly the same parameters as a DuckDB run.
    """
    local = Engine(backend="duckdb")
    try:
        linker = build_linker(local, params, [profiles], link_type="dedupe_only", prior=prior)
        linker.training.estimate_u_using_random_sampling(
            max_pairs=U_MAX_PAIRS, seed=seed, min_count_per_level=0
        )
        observed = {
            comp.output_column_name: [
                lv.u_probability for lv in comp._comparison_levels_excluding_null
            ]
            for comp in linker._settings_obj.comparisons
        }
    finally:
        local.close()
    floor = 1.0 / U_MAX_PAIRS
    comparisons = {}
    for name, levels in params.comparisons.items():
        values = []
        for level, seen in zip(levels, observed[name], strict=True):
            if seen is None or seen <= 0:
                values.append(level["u"])
            else:
                values.append(max((seen - prior * level["m"]) / (1.0 - prior), floor))
        total = sum(values)
        comparisons[name] = [
            {**level, "u": value / total} for level, value in zip(levels, values, strict=True)
        ]
    return replace(params, comparisons=comparisons)
