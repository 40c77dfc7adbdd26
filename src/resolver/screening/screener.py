"""``Screener``: party records against watch lists with the resolver model, in batches
(``screen``) or one record at a time (``screen_one``), both scoring the same way."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from resolver.engine import Engine
from resolver.errors import UsageError
from resolver.model.params import ModelParams, default_model_path
from resolver.model.scoring import ScoredComparison, check_threshold, scored_comparisons
from resolver.review.decisions import Decisions, read_decisions
from resolver.screening import batch, cache, realtime
from resolver.screening.calibration import screening_params
from resolver.screening.index import ListIndex
from resolver.screening.lists import load_lists

log = logging.getLogger(__name__)

SCREENING_THRESHOLD = 0.5  # calibrated scores: flag a party when a match is more likely than not
# A fixed prior per (record, listed party) pair, log2 odds -10.5 (docs/DECISIONS.md).
SCREENING_PRIOR_LOG2_ODDS = -10.5
SCREENING_PRIOR = 2.0**SCREENING_PRIOR_LOG2_ODDS / (1.0 + 2.0**SCREENING_PRIOR_LOG2_ODDS)


def load_model(model: Any) -> ModelParams:
    """A model given as parameters, a ``Resolver``, a file path, or None (the shipped default)."""
    if isinstance(model, ModelParams):
        return model
    if model is not None and hasattr(model, "params"):  # a Resolver
        return model.params
    path = Path(model) if model is not None else default_model_path()
    params = ModelParams.load(path)
    params.metadata["path"] = str(path)
    return params


def screening_prior(params: ModelParams, prior: float | None = None) -> float:
    """The prior match probability of a (record, listed party) pair: ``prior``, else the model's
    ``metadata["screening_prior"]``, else ``SCREENING_PRIOR``."""
    value = prior if prior is not None else params.metadata.get("screening_prior", SCREENING_PRIOR)
    return check_threshold(value, "screening prior")


def screening_threshold(params: ModelParams, threshold: float | None = None) -> float:
    """The score at which a candidate is a match: ``threshold``, else the model's
    ``metadata["screening_threshold"]``, else ``SCREENING_THRESHOLD``.

    Not ``params.threshold``: that is dedupe's clustering threshold, tuned for linking records
    transitively into entities, a different decision from flagging a party for review.
    """
    value = threshold if threshold is not None else params.metadata.get("screening_threshold")
    return check_threshold(SCREENING_THRESHOLD if value is None else value)


@dataclass
class PreparedList:
    """What screening against a list needs besides the model: the list index and the model's
    parameters adapted to the list (``calibration``), with what changed."""

    index: ListIndex
    comparisons: dict[str, list[dict[str, Any]]]
    weight_changes: dict[str, Any]

    @classmethod
    def build(cls, lists: pa.Table, params: ModelParams, engine: Engine) -> PreparedList:
        with engine.session() as con:
            index = ListIndex.build(lists, con)
            adapted, changes = screening_params(params, index, con)
        return cls(index, adapted.comparisons, changes)

    def to_cache(self) -> tuple[dict[str, Any], dict[str, pa.Table]]:
        tables, unseen = self.index.to_tables()
        manifest = {
            "unseen": unseen,
            "comparisons": self.comparisons,
            "weight_changes": self.weight_changes,
        }
        return manifest, tables

    @classmethod
    def from_cache(cls, manifest: dict[str, Any], tables: dict[str, pa.Table]) -> PreparedList:
        index = ListIndex.from_tables(tables, manifest["unseen"])
        return cls(index, manifest["comparisons"], manifest["weight_changes"])


class Screener:
    """Screens party records against watch lists with the resolver model (batch and real time)."""

    def __init__(
        self,
        lists: pa.Table | PreparedList,
        params: ModelParams,
        *,
        list_paths: Sequence[str | os.PathLike] = (),
        backend: str = "duckdb",
        threshold: float | None = None,
        prior: float | None = None,
        memory_limit: str | None = None,
        temp_dir: str | None = None,
        spark: Any = None,
        spark_conf: Mapping[str, str] | None = None,
    ):
        check_threshold(threshold)
        self.params = params
        self.threshold = screening_threshold(params, threshold)
        self.prior = screening_prior(params, prior)
        # scoring runs on DuckDB; the backend serves the dedupe of ``screen(entities=True)``
        self.engine = Engine(
            backend=backend,
            memory_limit=memory_limit,
            temp_dir=temp_dir,
            spark=spark,
            spark_conf=spark_conf,
        )
        self.list_paths = [str(p) for p in list_paths]
        t0 = time.perf_counter()
        prepared = (
            lists
            if isinstance(lists, PreparedList)
            else PreparedList.build(lists, params, self.engine)
        )
        self.index = prepared.index
        self.lists = prepared.index.lists
        # the model's m/u adapted to screening against this list; ``params`` stays for dedupe
        self.screen_params = replace(
            params,
            comparisons=prepared.comparisons,
            metadata={**params.metadata, "screening_adjusted": sorted(prepared.weight_changes)},
        )
        self.weight_changes = prepared.weight_changes
        self.comparisons: tuple[ScoredComparison, ...] = scored_comparisons(prepared.comparisons)
        self.index_seconds = time.perf_counter() - t0
        self.index_cached = False

    @classmethod
    def load(
        cls,
        *list_paths: str | os.PathLike,
        model: Any = None,
        backend: str = "duckdb",
        threshold: float | None = None,
        prior: float | None = None,
        memory_limit: str | None = None,
        temp_dir: str | None = None,
        spark: Any = None,
        spark_conf: Mapping[str, str] | None = None,
        use_cache: bool = True,
        allow_partial_list: bool = False,
    ) -> Screener:
        """Load watch lists and a model (the shipped default when None); the prepared list is
        read from the cache (``cache``) when these list files and this model were seen before.

        Fails closed: a list without listed parties, or an OFAC folder without its aliases or
        addresses, is an ``InputError`` unless ``allow_partial_list`` (the latter only).
        """
        if not list_paths:
            raise UsageError("give at least one list file to screen against")
        check_threshold(threshold)
        t0 = time.perf_counter()
        params = load_model(model)
        engine_options = {"memory_limit": memory_limit, "temp_dir": temp_dir}
        key = None
        if use_cache and all(Path(p).exists() for p in list_paths):
            key = cache.entry_key(list_paths, params, allow_partial=allow_partial_list)

        def build() -> tuple[dict[str, Any], dict[str, pa.Table]]:
            engine = Engine(**engine_options)
            try:
                lists = load_lists(list_paths, allow_partial=allow_partial_list)
                return PreparedList.build(lists, params, engine).to_cache()
            finally:
                engine.close()

        manifest, tables, hit = cache.cached(key, build)
        screener = cls(
            PreparedList.from_cache(manifest, tables),
            params,
            list_paths=list_paths,
            backend=backend,
            threshold=threshold,
            prior=prior,
            spark=spark,
            spark_conf=spark_conf,
            **engine_options,
        )
        screener.index_seconds = time.perf_counter() - t0
        screener.index_cached = hit
        log.info(
            "screening index: %d list names, %d profiles in %.2fs (%s)",
            screener.lists.num_rows,
            screener.index.profiles.num_rows,
            screener.index_seconds,
            "from the cache" if hit else "built",
        )
        return screener

    def screen(
        self,
        data: Any,
        mapping: str | Mapping[str, str] | None = None,
        *,
        entities: bool = False,
        threshold: float | None = None,
        floor: float = batch.FLOOR,
        encoding: str | None = None,
        delimiter: str | None = None,
        progress: Callable[[str], None] | None = None,
        decisions: Decisions | str | os.PathLike | None = None,
        all_candidates: bool = False,
    ) -> batch.ScreenResult:
        """Screen records (path, DataFrame, Arrow table or a dedupe output folder) against the
        lists; safe to call from several threads at once.

        The matches hold the alerts (and, with ``decisions``, a review decisions file or
        ``read_decisions(...)``, the pairs a reviewer decided: no_match ones suppressed,
        match ones confirmed); ``all_candidates`` keeps the candidates below the threshold too.
        """
        check_threshold(threshold)
        if decisions is not None and not isinstance(decisions, Decisions):
            decisions = read_decisions(decisions)
        return batch.screen(
            self,
            data,
            mapping,
            entities=entities,
            threshold=self.threshold if threshold is None else float(threshold),
            floor=floor,
            encoding=encoding,
            delimiter=delimiter,
            progress=progress,
            decisions=decisions,
            all_candidates=all_candidates,
        )

    def screen_one(
        self, record: Mapping[str, Any], *, floor: float = batch.FLOOR
    ) -> list[realtime.Match]:
        """Screen one record (canonical keys: name, country, city, address, postcode, tax_id)."""
        return realtime.screen_one(self, record, floor)

    def list_summary(self) -> dict[str, Any]:
        """Per list source: listed parties and names; the list files loaded."""
        sources: dict[str, Any] = {}
        src = self.lists.column("list_source").to_pylist()
        ids = self.lists.column("list_id").to_pylist()
        for s, i in zip(src, ids, strict=True):
            entry = sources.setdefault(s, {"parties": set(), "names": 0})
            entry["parties"].add(i)
            entry["names"] += 1
        return {
            "files": self.list_paths,
            "sources": {
                s: {"parties": len(e["parties"]), "names": e["names"]}
                for s, e in sorted(sources.items())
            },
        }
