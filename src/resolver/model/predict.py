"""The model as splink comparisons, and a splink linker to score candidate pairs on any backend."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect

from resolver.engine import Engine, registered
from resolver.errors import ModelError
from resolver.model.blocking import BLOCKING_RULES
from resolver.model.levels import Level
from resolver.model.params import ModelParams
from resolver.model.spec import ComparisonSpec, comparison

log = logging.getLogger(__name__)


class _SplinkLevel(ComparisonLevelCreator):
    """A resolver level as splink sees it: its SQL for the backend's dialect and its label."""

    def __init__(self, level: Level, label: str):
        self.level, self.label = level, label
        if level.is_null:
            self.is_null_level = True

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        return self.level.sql(sql_dialect.sql_dialect_str)

    def create_label_for_charts(self) -> str:
        return self.label


def splink_comparison(
    spec: ComparisonSpec, parameters: Sequence[dict] | None = None
) -> cl.CustomComparison:
    """The splink comparison of ``spec``, with the saved m and u of each level when given."""
    saved = {lv["id"]: lv for lv in parameters or ()}
    if parameters is not None:
        missing = [lv.id for lv in spec.scored_levels if lv.id not in saved]
        if missing:
            raise ModelError(
                f"model comparison '{spec.name}' has no m/u for {', '.join(missing)}; retrain it"
            )
    creators: list[ComparisonLevelCreator] = []
    for level in spec.levels:
        label = spec.label(level)
        creator = (
            cll.ElseLevel().configure(label_for_charts=label)
            if level.is_else
            else _SplinkLevel(level, label)
        )
        if level.id in saved:
            creator.configure(
                m_probability=saved[level.id]["m"], u_probability=saved[level.id]["u"]
            )
        creators.append(creator)
    return cl.CustomComparison(comparison_levels=creators, output_column_name=spec.name)


def build_linker(
    engine: Engine,
    params: ModelParams,
    tables: list[pa.Table],
    *,
    link_type: str,
    prior: float,
    blocking: list | None = None,
) -> Linker:
    """A splink linker holding the model's comparisons with their trained m/u."""
    creators = []
    for name, levels in params.comparisons.items():
        try:
            spec = comparison(name)
        except KeyError:
            raise ModelError(f"model has unknown comparison '{name}'; retrain it") from None
        creators.append(splink_comparison(spec, levels))
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
    # splink's settings validation only logs warnings (below ERROR, so never shown) after
    # parsing every level's SQL: 0.16 -> 0.07 s of CPU per linker
    return Linker(
        sdfs if len(sdfs) > 1 else sdfs[0],
        settings,
        log_level=logging.ERROR,
        validate_settings=False,
    )


def predict_pairs(linker: Linker, floor: float):
    """Scored pairs above ``floor`` match probability, as a splink dataframe."""
    return linker.inference.predict(threshold_match_probability=floor)


PAIR_KEYS = "pair_keys"


def build_pair_linker(
    engine: Engine, params: ModelParams, left: pa.Table, right: pa.Table, *, prior: float
) -> Linker:
    """A linker that scores given pairs: ``left`` and ``right`` rows carry in ``pair_keys`` the
    indices of their pairs, and exactly the rows sharing an index are compared."""
    return build_linker(
        engine,
        params,
        [left, right],
        link_type="link_only",
        prior=prior,
        blocking=[block_on(PAIR_KEYS, arrays_to_explode=[PAIR_KEYS])],
    )


def splink_source(engine: Engine, pairs_sdf, columns: list[str]) -> tuple[str, dict]:
    """A name the local DuckDB connection reads splink's scored pairs under, and the tables to
    register for it (none on DuckDB: splink's table is read in place, no copy in memory)."""
    if engine.backend == "duckdb":
        return f'"{pairs_sdf.physical_name}"', {}
    raw = pa.Table.from_pandas(pairs_sdf.as_pandas_dataframe()[columns], preserve_index=False)
    return "_pairs_raw", {"_pairs_raw": raw}


def weight_patterns(
    engine: Engine, pairs_sdf, comparison_names: list[str]
) -> list[tuple[dict[str, float], int]]:
    """Distinct combinations of per-comparison match weights among scored pairs, with counts."""
    available = {c.unquote().name for c in pairs_sdf.columns}
    names = [c for c in comparison_names if f"mw_{c}" in available]
    source, tables = splink_source(engine, pairs_sdf, [f"mw_{c}" for c in names])
    cols = ", ".join(f'"mw_{c}"' for c in names)
    with registered(engine.con, tables):
        rows = engine.con.sql(f"SELECT {cols}, count(*) FROM {source} GROUP BY ALL").fetchall()
    return [
        ({c: float(v) for c, v in zip(names, row[:-1], strict=True)}, int(row[-1])) for row in rows
    ]
