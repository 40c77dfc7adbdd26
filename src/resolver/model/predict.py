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
# On levels that are strong evidence for a match (m >= U_CAP_RATIO * u, 5 bits), adaptation may
# lower u but never raise it above the model's: a sample's agreement there holds true matches in
# a share the prior does not know (an OFAC alias list has about three times the model's matches
# per profile), so a higher rate may be duplicates rather than chance agreement. Weak levels
# (legal form, city) are agreed on mostly by chance and adapt freely. On dev halves: Febrl 3 F1
# 0.980 -> 0.982, the others unchanged (a cap on every level with m >= u: 0.983, but it would
# also hold the legal form's u).
U_CAP_RATIO = 32.0


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
    pair keep the model's u, and so do strong match-evidence levels where the data's u would
    come out higher (see ``U_CAP_RATIO``): there the prior's match share can be far too small.
    Sampling always runs on a local DuckDB copy of the profiles, so a Spark run uses exactly the
    same parameters as a DuckDB run.
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
        comparisons[name] = [
            {**level, "u": value}
            for level, value in zip(levels, _capped_u(levels, values), strict=True)
        ]
    return replace(params, comparisons=comparisons)


def _capped_u(levels: list[dict], values: list[float]) -> list[float]:
    """``values`` normalized to sum to one with no strong match-evidence level above the model's
    u: such levels keep the model's u and the other levels share what is left."""
    model = [lv["u"] for lv in levels]
    evidence = [lv["m"] >= U_CAP_RATIO * lv["u"] for lv in levels]
    capped = [False] * len(levels)
    out = list(values)
    for _ in range(len(levels) + 1):
        fixed = sum(u for u, c in zip(model, capped, strict=True) if c)
        free = sum(v for v, c in zip(values, capped, strict=True) if not c)
        if free <= 0 or fixed >= 1:  # nothing left to share: plain normalization
            total = sum(values)
            return [v / total for v in values]
        scale = (1.0 - fixed) / free
        out = [u if c else v * scale for u, v, c in zip(model, values, capped, strict=True)]
        over = [
            e and not c and o > u for e, c, o, u in zip(evidence, capped, out, model, strict=True)
        ]
        if not any(over):
            break
        capped = [c or x for c, x in zip(capped, over, strict=True)]
    return out
