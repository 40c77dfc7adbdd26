"""A trained resolver model: per-level m/u keyed by label, the prior and metadata; JSON save/load."""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resolver import __version__
from resolver.errors import ModelError
from resolver.model.spec import COMPARISON_NAMES, FEATURE_VERSION
from resolver.normalize import NORMALIZATION_VERSION

log = logging.getLogger(__name__)

FORMAT = "resolver-model"
FORMAT_VERSION = 1
DEFAULT_THRESHOLD = 0.9


@dataclass
class ModelParams:
    """Everything needed to rebuild the splink model on any backend."""

    comparisons: dict[str, list[dict[str, Any]]]  # name -> [{label, m, u}] for non-null levels
    probability_two_random_records_match: float
    expected_matches_per_profile: float
    threshold: float = DEFAULT_THRESHOLD
    metadata: dict[str, Any] = field(default_factory=dict)

    def prior_for(self, n_profiles: int, n_other: int | None = None) -> float:
        """The match prior for a data set of this size, keeping matches-per-profile constant.

        Dedupe: each of n profiles expects ``e`` matches among n-1 others, so p = e / (n-1).
        Link (n profiles against ``n_other``): p = e / n_other.
        """
        others = max((n_profiles - 1) if n_other is None else n_other, 1)
        return float(min(max(self.expected_matches_per_profile / others, 1e-12), 0.5))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "resolver_version": __version__,
            "normalization_version": NORMALIZATION_VERSION,
            "feature_version": FEATURE_VERSION,
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "expected_matches_per_profile": self.expected_matches_per_profile,
            "threshold": self.threshold,
            "comparisons": self.comparisons,
            "metadata": self.metadata,
        }

    def save(self, path: str | os.PathLike) -> Path:
        from resolver.io.writers import write_json

        return write_json(self.to_dict(), path)

    @classmethod
    def from_dict(cls, data: Any, source: str = "model") -> ModelParams:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelError(f'{source}: not a resolver model file (no \'"format": "{FORMAT}"\')')
        if data.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"{source}: model format version {data.get('format_version')} is not supported "
                f"(this resolver reads version {FORMAT_VERSION}); retrain the model"
            )
        for key, current in (
            ("feature_version", FEATURE_VERSION),
            ("normalization_version", NORMALIZATION_VERSION),
        ):
            if data.get(key) != current:
                raise ModelError(
                    f"{source}: trained with {key} {data.get(key)!r}, this resolver has {current!r}: "
                    "the features differ; retrain the model (resolver train)"
                )
        comparisons = data.get("comparisons")
        if not isinstance(comparisons, dict) or not comparisons:
            raise ModelError(f"{source}: model has no comparisons")
        unknown = sorted(set(comparisons) - set(COMPARISON_NAMES))
        if unknown:
            raise ModelError(
                f"{source}: unknown comparisons {', '.join(unknown)}; retrain the model"
            )
        try:
            prior = float(data["probability_two_random_records_match"])
            per_profile = float(data["expected_matches_per_profile"])
            threshold = float(data.get("threshold", DEFAULT_THRESHOLD))
            for name, levels in comparisons.items():
                for level in levels:
                    for key in ("m", "u"):
                        value = level[key]
                        if value is not None and not (0.0 <= float(value) <= 1.0):
                            raise ValueError(f"{name} {key}={value}")
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{source}: corrupt model parameters ({exc})") from None
        if not (0.0 < prior < 1.0) or not math.isfinite(per_profile):
            raise ModelError(f"{source}: corrupt model parameters (prior {prior})")
        return cls(comparisons, prior, per_profile, threshold, dict(data.get("metadata") or {}))

    @classmethod
    def load(cls, path: str | os.PathLike) -> ModelParams:
        path = Path(path)
        if not path.exists():
            raise ModelError(f"{path}: model file not found")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"{path}: corrupt model file (not valid JSON: {exc})") from None
        return cls.from_dict(data, str(path))
