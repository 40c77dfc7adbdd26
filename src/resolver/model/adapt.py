"""Measure model parameters on the data itself: u adapted to the data being matched (random
pairs), and m of id-like comparisons re-measured on the pairs the rest of the model is sure of
at dedupe time."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations
from typing import Any

import numpy as np
import pyarrow as pa

from resolver.engine import Engine
from resolver.model.params import ModelParams
from resolver.model.predict import build_linker
from resolver.model.scoring import level_weight, logit2, probabilities
from resolver.model.spec import M_FLOOR, M_SURE_MIN_PAIRS

log = logging.getLogger(__name__)

U_MIN_PROFILES = 200
U_MAX_PAIRS = 2e5
# On levels that are strong evidence for a match (m >= U_CAP_RATIO * u, 5 bits), adaptation may
# lower u but never raise it above the model's: a sample's agreement there holds true matches in
# a share the prior does not know (an OFAC alias list has about three times the model's matches
# per profile), so a higher rate may be duplicates rather than chance agreement. Weak levels
# (legal form, city) are agreed on mostly by chance and adapt freely. On dev halves: Febrl 3 F1
# 0.980 -> 0.982, the others unchanged (a cap on every level with m >= u: 0.983, but it would
# also hold the legal form's u).
U_CAP_RATIO = 32.0


def u_sample_condition(n_profiles: int, seed: int = 42) -> str:
    """The condition (DuckDB SQL on ``unique_id``) choosing the profiles splink's random
    sampling in ``observed_level_rates`` compares, for ``n_profiles`` profiles.

    A backend that cannot hold all profiles in one process (Spark) selects these rows itself
    and measures the rates on them alone (``sample=True``): the same pairs, so the same rates.
    """
    from splink.internals.dialects import DuckDBDialect
    from splink.internals.estimate_u import _rows_needed_for_n_pairs
    from splink.internals.input_column import InputColumn

    proportion = _rows_needed_for_n_pairs(U_MAX_PAIRS) / max(n_profiles, 1)
    column = InputColumn("unique_id", sqlglot_dialect_str="duckdb")
    condition = DuckDBDialect().proportion_sample_sql(proportion, [column], seed=seed)
    return condition.strip().removeprefix("AND ").strip() or "true"  # "" when all are taken


def observed_level_rates(
    params: ModelParams, profiles: pa.Table, prior: float, seed: int = 42, sample: bool = False
) -> dict[str, list[float | None]]:
    """How often random profile pairs of this data reach each non-null level (None: never seen).

    Up to ``U_MAX_PAIRS`` pairs among a random sample of profiles, on a local DuckDB copy, so a
    Spark run gets exactly the same parameters as a DuckDB run; ``sample``: ``profiles`` are
    already the sampled rows (``u_sample_condition``), all of which are compared.
    """
    n = profiles.num_rows
    max_pairs = n * (n + 1) / 2 + 1 if sample else U_MAX_PAIRS  # a sample: take every row
    local = Engine(backend="duckdb")
    try:
        linker = build_linker(local, params, [profiles], link_type="dedupe_only", prior=prior)
        # min_count_per_level=None: the whole sample is counted (0 stops after splink's 1%
        # probe); one chunk: one query per comparison where splink's default 10 chunks and a
        # probe make 11 (same counts; 10k rows on a quiet machine: 1.5 s -> 1.1 s)
        linker.training.estimate_u_using_random_sampling(
            max_pairs=max_pairs, seed=seed, min_count_per_level=None, num_chunks=1
        )
        return {
            comp.output_column_name: [
                lv.u_probability if lv._u_is_trained else None
                for lv in comp._comparison_levels_excluding_null
            ]
            for comp in linker._settings_obj.comparisons
        }
    finally:
        local.close()


def u_from_observed(
    params: ModelParams, observed: dict[str, list[float | None]], prior: float
) -> ModelParams:
    """The model with u re-estimated from the data's observed level rates, correcting for the
    matches a random sample holds.

    u (how often non-matches agree by chance) depends on the data: a model trained on one
    population over- or under-states name evidence on another. A random sample counts true
    matches as non-matches, which inflates u wherever duplicates are dense (lists of aliases);
    with m and the prior known, the expected match share of each level is removed:
    u = (observed - prior * m) / (1 - prior), floored at one sampled pair. Levels with no sampled
    pair keep the model's u, and so do strong match-evidence levels where the data's u would
    come out higher (see ``U_CAP_RATIO``).
    """
    floor = 1.0 / U_MAX_PAIRS
    comparisons = {}
    for name, levels in params.comparisons.items():
        values = []
        for level, seen in zip(levels, observed.get(name, [None] * len(levels)), strict=True):
            if seen is None or seen <= 0:
                values.append(level["u"])
            else:
                values.append(max((seen - prior * level["m"]) / (1.0 - prior), floor))
        comparisons[name] = [
            {**level, "u": value}
            for level, value in zip(levels, _capped_u(levels, values), strict=True)
        ]
    return replace(params, comparisons=comparisons)


def adapt_u_to_data(
    params: ModelParams, profiles: pa.Table, prior: float, seed: int = 42
) -> ModelParams:
    """The model with u re-estimated on the data being matched (``u_from_observed``)."""
    return u_from_observed(params, observed_level_rates(params, profiles, prior, seed), prior)


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


SURE_POSTERIOR = 0.999  # pairs the rest of the model calls matches at least this surely
WEIGHT_TOLERANCE = 1e-6  # splink's SQL log2 against Python's, per level


def distinct_level_weights(params: ModelParams, name: str) -> list[float] | None:
    """The weight of each level of comparison ``name``, or None when a pair's level cannot be
    read back from its weight (two levels, or a level and 0, share a weight)."""
    if name not in params.comparisons:
        return None
    weights = [level_weight(lv["m"], lv["u"]) for lv in params.comparisons[name]]
    if min(abs(a - b) for a, b in combinations([*weights, 0.0], 2)) < WEIGHT_TOLERANCE:
        log.info("%s: two levels share a weight; m not re-measured", name)
        return None
    return weights


def m_update(
    levels: list[dict], counts: list[int], max_gain_bits: float
) -> tuple[list[float], list[float]] | None:
    """(m per level measured from the sure pairs' ``counts`` per level, each level's weight
    change capped at ``max_gain_bits``); None with fewer than ``M_SURE_MIN_PAIRS`` pairs."""
    if sum(counts) < M_SURE_MIN_PAIRS:
        return None
    m = [max(c / sum(counts), M_FLOOR) for c in counts]
    m = [v / sum(m) for v in m]
    gains = [
        min(level_weight(v, lv["u"]) - level_weight(lv["m"], lv["u"]), max_gain_bits)
        for v, lv in zip(m, levels, strict=True)
    ]
    return m, gains


def remeasure_m_on_pairs(
    pairs: pa.Table, params: ModelParams, names: Sequence[str], max_gain_bits: float
) -> tuple[pa.Table, dict[str, dict[str, Any]]]:
    """Re-measure m of the comparisons ``names`` on the scored pairs, and re-score the pairs.

    How often true matches disagree on an identifier depends on the source: in Febrl 3, 6.6% of
    true pairs carry social security numbers more than two edits apart (the number was replaced),
    where the model (trained on company data) says 0.7% and so scores them -7.2 bits. Here m of each level is the share of the
    pairs whose other evidence alone gives a posterior of at least ``SURE_POSTERIOR`` (one
    M-step of EM for this comparison), taken only where ``M_SURE_MIN_PAIRS`` such pairs carry the
    comparison's data. Each pair's level is read back from its weight for the comparison (every
    level has its own weight; otherwise nothing is changed). A level's weight rises by at most
    ``max_gain_bits``, the distance from the pairs floor to the threshold, so no pair dropped
    below the floor could have crossed the threshold.
    """
    measured: dict[str, dict[str, Any]] = {}
    total = pairs.column("match_weight").to_numpy(zero_copy_only=False)
    changed = np.zeros(len(total), dtype=bool)
    sure_bits = logit2(SURE_POSTERIOR)
    for name in names:
        column = f"mw_{name}"
        if column not in pairs.column_names:
            continue
        weights = distinct_level_weights(params, name)
        if weights is None:
            continue
        weight = pairs.column(column).to_numpy(zero_copy_only=False)
        at_level = [np.abs(weight - w) < WEIGHT_TOLERANCE for w in weights]
        sure = (total - weight) >= sure_bits
        counts = [int(np.count_nonzero(sure & mask)) for mask in at_level]
        update = m_update(params.comparisons[name], counts, max_gain_bits)
        if update is None:
            continue
        m, gains = update
        shift = np.zeros_like(total)
        for mask, gain in zip(at_level, gains, strict=True):
            if gain:
                shift[mask] = gain
                changed |= mask
        total = total + shift
        pairs = pairs.set_column(pairs.column_names.index(column), column, pa.array(weight + shift))
        measured[name] = {
            "m": [round(v, 6) for v in m],
            "sure_pairs": sum(counts),
            "level_weights": [w + g for w, g in zip(weights, gains, strict=True)],  # as scored
        }
    if measured:
        probability = pairs.column("match_probability").to_numpy(zero_copy_only=False).copy()
        probability[changed] = probabilities(total[changed])  # per pair in Python: only those
        pairs = pairs.set_column(
            pairs.column_names.index("match_weight"), "match_weight", pa.array(total)
        ).set_column(
            pairs.column_names.index("match_probability"),
            "match_probability",
            pa.array(probability),
        )
    return pairs, measured
