"""Train the Fellegi-Sunter model with splink: prior, u by random sampling, EM over several rules."""

from __future__ import annotations

import logging
import math
from typing import Any

import pyarrow as pa
from splink import Linker, SettingsCreator, block_on

from resolver.engine import Engine
from resolver.features import FeatureSet
from resolver.model.adapt import rule_has_data, rule_sql, sure_match_m
from resolver.model.blocking import NAME_COLUMN_FOR_EXCLUSION, PRIOR_RULES, TRAINING_RULES
from resolver.model.params import ModelParams
from resolver.model.predict import splink_comparison
from resolver.model.spec import (
    COMPARISONS,
    M_FLOOR,
    M_FROM_SURE_MATCHES,
    ComparisonSpec,
    comparison,
)

log = logging.getLogger(__name__)

DEFAULT_PRIOR_RECALL = 0.7
U_MAX_PAIRS = 2e6
EM_MAX_PAIRS = 2e6


def present_comparisons(profiles: pa.Table) -> list[ComparisonSpec]:
    """The comparisons whose feature columns hold data in this table."""
    return [
        spec
        for spec in COMPARISONS
        if all(c in profiles.column_names for c in spec.columns)
        and any(profiles.column(c).null_count < profiles.num_rows for c in spec.columns)
    ]


def _level_params(linker: Linker) -> dict[str, list[dict[str, Any]]]:
    """Trained m/u per non-null level; untrained values become neutral (m = u) rather than guesses."""
    out: dict[str, list[dict[str, Any]]] = {}
    for trained in linker._settings_obj.comparisons:
        spec = comparison(trained.output_column_name)
        scored = [lv for lv in trained.comparison_levels if not lv.is_null_level]
        levels = []
        for level, defined in zip(scored, spec.scored_levels, strict=True):
            m, u = level.m_probability, level.u_probability
            if m is None and u is None:
                m = u = 0.5
            elif m is None:
                m = u
            elif u is None:
                u = m
            levels.append({"id": defined.id, "m": max(float(m), M_FLOOR), "u": float(u)})
        for key in ("m", "u"):  # probabilities over a comparison's levels sum to one
            total = sum(lv[key] for lv in levels)
            for lv in levels:
                lv[key] = lv[key] / total
        out[spec.name] = levels
    return out


def _u_not_observed(linker: Linker) -> dict[str, list[int]]:
    """Indices (among non-null levels) of the levels random sampling never saw, per comparison."""
    out: dict[str, list[int]] = {}
    for trained in linker._settings_obj.comparisons:
        levels = [lv for lv in trained.comparison_levels if not lv.is_null_level]
        out[trained.output_column_name] = [k for k, lv in enumerate(levels) if not lv._u_is_trained]
    return out


def train(
    engine: Engine,
    features: FeatureSet,
    *,
    seed: int = 42,
    label_pairs: pa.Table | None = None,
    prior_recall: float = DEFAULT_PRIOR_RECALL,
) -> ModelParams:
    """Train on profiles; ``label_pairs`` (unique_id_l, unique_id_r of known matches) refines m."""
    profiles = features.profiles
    specs = present_comparisons(profiles)
    if not any(s.name == "name" for s in specs):
        from resolver.errors import InputError

        raise InputError("training data has no usable names (all blank after normalization)")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[splink_comparison(spec) for spec in specs],
        blocking_rules_to_generate_predictions=[],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    db = engine.db_api()
    sdf = engine.register(db, profiles, "resolver_train_profiles")
    linker = Linker(sdf, settings, log_level=logging.ERROR)
    n = profiles.num_rows

    prior_rules = [block_on(*r) for r in PRIOR_RULES if rule_has_data(profiles, r)]
    prior_rules = prior_rules or [block_on("name_core")]
    try:
        linker.training.estimate_probability_two_random_records_match(
            prior_rules, recall=prior_recall
        )
        prior = float(linker._settings_obj._probability_two_random_records_match)
    except Exception as exc:  # splink raises when the rules find no pairs
        log.warning("prior estimation failed (%s); assuming one match per profile", exc)
        prior = 1.0 / max(n - 1, 1)
    if not (0 < prior < 1) or math.isnan(prior):
        prior = 1.0 / max(n - 1, 1)
        linker._settings_obj._probability_two_random_records_match = prior

    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
    unseen = _u_not_observed(linker)
    trained_rules = []
    name_trained = False
    for rule in TRAINING_RULES:
        if not rule_has_data(profiles, rule):
            continue
        uses_name = any(c.startswith("name_") for c in rule)
        if uses_name and not name_trained:
            # nothing else could train the name comparison (name-only data): accept the bias
            log.warning("only name columns to train on: name levels are trained on name blocks")
            sql = rule_sql(rule)
        elif uses_name:
            sql = rule_sql(rule) + f" AND l.{NAME_COLUMN_FOR_EXCLUSION} IS NOT NULL"
        else:
            sql = rule_sql(rule)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                sql, max_pairs=EM_MAX_PAIRS
            )
            trained_rules.append("+".join(rule))
            name_trained = name_trained or not uses_name
        except Exception as exc:  # no pairs in this block, or EM failed to converge
            log.warning("EM on %s skipped: %s", "+".join(rule), exc)
    if label_pairs is not None and label_pairs.num_rows:
        name = sdf.dataset_display_name
        pairs = label_pairs.select(["unique_id_l", "unique_id_r"])
        pairs = pairs.append_column("source_dataset_l", pa.array([name] * pairs.num_rows))
        pairs = pairs.append_column("source_dataset_r", pa.array([name] * pairs.num_rows))
        pairs = pairs.append_column("clerical_match_score", pa.array([1.0] * pairs.num_rows))
        labels_sdf = engine.register(db, pairs, "resolver_label_pairs")
        linker.training.estimate_m_from_pairwise_labels(labels_sdf.physical_name)
        trained_rules.append(f"labels ({pairs.num_rows} pairs)")
    comparisons = _level_params(linker)
    if label_pairs is None or not label_pairs.num_rows:
        for spec in specs:
            rule = M_FROM_SURE_MATCHES.get(spec.name)
            m = (
                sure_match_m(profiles, spec, rule)
                if rule and rule_has_data(profiles, rule)
                else None
            )
            if m is None:
                continue
            levels = [
                {**lv, "m": value} for lv, value in zip(comparisons[spec.name], m, strict=True)
            ]
            # a level random sampling never saw has no measured u (EM's guess would stand in):
            # it is kept neutral, as _level_params does for untrained values
            for k in unseen.get(spec.name, ()):
                levels[k]["u"] = levels[k]["m"]
            total = sum(lv["u"] for lv in levels)
            comparisons[spec.name] = [{**lv, "u": lv["u"] / total} for lv in levels]
            trained_rules.append(f"{spec.name} m on {'+'.join(rule)}")
    return ModelParams(
        comparisons=comparisons,
        probability_two_random_records_match=prior,
        expected_matches_per_profile=prior * max(n - 1, 1),
        metadata={
            "trained_on": {"records": int(features.records.num_rows), "profiles": int(n)},
            "em_rules": trained_rules,
            "seed": seed,
            "evidence": features.evidence,
        },
    )
