"""A trained resolver model: m and u per level (keyed by level id), the prior and metadata.

Loading checks the file against the spec (every level of each comparison, probabilities in
range), so an edited or foreign file fails with a ``ModelError`` naming it, never silently.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from resolver.errors import ModelError
from resolver.model.spec import COMPARISON_NAMES, FEATURE_VERSION, REQUIRED_COMPARISONS, comparison
from resolver.normalize import NORMALIZATION_VERSION
from resolver.version import __version__

log = logging.getLogger(__name__)

FORMAT = "resolver-model"
FORMAT_VERSION = 2  # 2: levels keyed by id (1 keyed them by label: resolver.model.migrate)
DEFAULT_THRESHOLD = 0.9
MAX_PRIOR = 0.1
MAX_NAMES_ONLY_OFFSET_BITS = 8.0
LEVEL_FIELDS = ("id", "m", "u")


def default_model_path() -> Path:
    """The shipped default model (trained by ``make model``), or $RESOLVER_MODEL if set."""
    env = os.environ.get("RESOLVER_MODEL")
    if env:
        return Path(env)
    return Path(str(resources.files("resolver") / "data" / "default_model.json"))


def is_model_file(path: Path) -> bool:
    """Whether ``path`` holds a resolver model file (any format version): what resolver may
    replace when asked to write a model there."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


@dataclass
class ModelParams:
    """Everything needed to rebuild the splink model on any backend."""

    comparisons: dict[str, list[dict[str, Any]]]  # name -> [{id, m, u}] for non-null levels
    probability_two_random_records_match: float
    expected_matches_per_profile: float
    threshold: float = DEFAULT_THRESHOLD
    metadata: dict[str, Any] = field(default_factory=dict)
    # bits the names-only prior is raised by: the model's calibration error on names-only data,
    # measured on real labelled name lists (``resolver.model.prior.names_only_offset``)
    names_only_offset_bits: float = 0.0

    def prior_for(self, n_profiles: int, n_other: int | None = None) -> float:
        """The match prior for a data set of this size, keeping matches-per-profile constant.

        Dedupe: each of n profiles expects ``e`` matches among n-1 others, so p = e / (n-1).
        Link (n profiles against ``n_other``): p = e / n_other. At most ``MAX_PRIOR``: a few
        dozen profiles cannot each hold the matches of a data set's large entities.
        """
        others = max((n_profiles - 1) if n_other is None else n_other, 1)
        return float(min(max(self.expected_matches_per_profile / others, 1e-12), MAX_PRIOR))

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
            "names_only_offset_bits": self.names_only_offset_bits,
            "comparisons": self.comparisons,
            "metadata": self.metadata,
        }

    def save(self, path: str | os.PathLike) -> Path:
        from resolver.io.writers import write_json

        return write_json(self.to_dict(), path)

    @classmethod
    def from_dict(cls, data: Any, source: str = "model") -> ModelParams:
        """Parameters from a model file's JSON, checked against this resolver's spec."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelError(f'{source}: not a resolver model file (no \'"format": "{FORMAT}"\')')
        version = data.get("format_version")
        if version == 1:
            raise ModelError(
                f"{source}: model format version 1 keys levels by label; convert it with "
                f"'python -m resolver.model.migrate {source}' or retrain it (resolver train)"
            )
        if version != FORMAT_VERSION:
            raise ModelError(
                f"{source}: model format version {version} is not supported "
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
        comparisons = _checked_comparisons(data.get("comparisons"), source)
        prior = _number(data, "probability_two_random_records_match", source)
        per_profile = _number(data, "expected_matches_per_profile", source)
        threshold = _number(data, "threshold", source, default=DEFAULT_THRESHOLD)
        offset = _number(data, "names_only_offset_bits", source, default=0.0)
        if not 0.0 < prior < 1.0:
            raise ModelError(
                f"{source}: probability_two_random_records_match must be between 0 and 1 "
                f"(exclusive), got {prior}"
            )
        if not per_profile > 0.0:
            raise ModelError(
                f"{source}: expected_matches_per_profile must be > 0, got {per_profile}"
            )
        if not 0.0 <= threshold <= 1.0:
            raise ModelError(f"{source}: threshold must be between 0 and 1, got {threshold}")
        if not abs(offset) <= MAX_NAMES_ONLY_OFFSET_BITS:
            raise ModelError(
                f"{source}: names_only_offset_bits must be within "
                f"+-{MAX_NAMES_ONLY_OFFSET_BITS}, got {offset}"
            )
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise ModelError(f"{source}: metadata must be an object")
        return cls(comparisons, prior, per_profile, threshold, dict(metadata), offset)

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


def _number(data: dict, key: str, source: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ModelError(f"{source}: {key} must be a number, got {value!r}")
    return float(value)


def _checked_comparisons(comparisons: Any, source: str) -> dict[str, list[dict[str, Any]]]:
    """The comparisons of a model file, each holding exactly its spec's levels, m and u in (0, 1)."""
    if not isinstance(comparisons, dict) or not comparisons:
        raise ModelError(f"{source}: model has no comparisons")
    unknown = sorted(set(comparisons) - set(COMPARISON_NAMES))
    if unknown:
        raise ModelError(f"{source}: unknown comparisons {', '.join(unknown)}; retrain the model")
    missing = [c for c in REQUIRED_COMPARISONS if c not in comparisons]
    if missing:
        raise ModelError(f"{source}: model has no {', '.join(missing)} comparison; retrain it")
    out = {}
    for name, levels in comparisons.items():
        expected = [lv.id for lv in comparison(name).scored_levels]
        if not isinstance(levels, list) or not all(isinstance(lv, dict) for lv in levels):
            raise ModelError(f"{source}: comparison '{name}' must be a list of levels")
        ids = [lv.get("id") for lv in levels]
        if ids != expected:
            absent = [i for i in expected if i not in ids]
            extra = [str(i) for i in ids if i not in expected]
            detail = "; ".join(
                part
                for part in (
                    f"missing levels {', '.join(absent)}" if absent else "",
                    f"unknown levels {', '.join(extra)}" if extra else "",
                    "levels out of order" if not absent and not extra else "",
                )
                if part
            )
            raise ModelError(
                f"{source}: comparison '{name}': {detail}: the model was trained with different "
                "features; retrain it"
            )
        for level in levels:
            fields = sorted(set(level) - set(LEVEL_FIELDS))
            if fields:
                raise ModelError(
                    f"{source}: level {level['id']}: unexpected fields {', '.join(fields)} (levels "
                    "hold id, m and u): the model was made for different features; retrain it"
                )
            for key in ("m", "u"):
                value = level.get(key)
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
                if not ok or not 0.0 < value < 1.0:
                    raise ModelError(
                        f"{source}: level {level['id']}: {key} must be a probability strictly "
                        f"between 0 and 1, got {value!r}"
                    )
        out[name] = [{"id": lv["id"], "m": float(lv["m"]), "u": float(lv["u"])} for lv in levels]
    return out
