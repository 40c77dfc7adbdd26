"""m and u measured on labelled data: how often true matches, and different entities, reach each
level of every comparison.

EM on unlabelled pairs confuses the levels of one comparison with the block-mates of another
(on generated data it put 35% of true pairs at "names differ", where the truth is 5%), so the
shipped model takes m and u from data whose entities are known: the generator's truth and the
dev halves of real labelled sets (see ``scripts/build_model.py``). ``resolver train --labels``
uses the same counts on a user's labelled records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from resolver.model.scoring import gamma_sql, pair_columns_sql
from resolver.model.spec import COMPARISONS, M_FLOOR, ComparisonSpec

log = logging.getLogger(__name__)

MAX_PROFILES_PER_ENTITY = 30  # true pairs grow with the square of an entity's profiles
RANDOM_PAIRS = 300_000
MIN_PAIRS = 100  # fewer labelled pairs with a comparison's data: no m from this source
MIN_PROFILES_FOR_U = 500  # random pairs among fewer profiles repeat a few pairs: no u from it


@dataclass
class LevelCounts:
    """Per comparison: pairs at each non-null level among true matches and among non-matches."""

    source: str
    matches: dict[str, list[int]] = field(default_factory=dict)
    non_matches: dict[str, list[int]] = field(default_factory=dict)
    true_pairs: int = 0
    profiles: int = 0
    matches_per_profile: float = 0.0


def count_levels(
    profiles: pa.Table,
    profile_entity: Mapping[str, str],
    source: str,
    *,
    comparisons: Iterable[str] | None = None,
    seed: int = 0,
) -> LevelCounts:
    """Level counts of ``comparisons`` (default all) over the labelled profiles of one source.

    True pairs: every pair of profiles of one entity (at most ``MAX_PROFILES_PER_ENTITY``
    profiles per entity, in id order). Non-matches: ``RANDOM_PAIRS`` random profile pairs of
    different entities (fixed seed).
    """
    ids = [i for i in profiles.column("unique_id").to_pylist() if i in profile_entity]
    by_entity: dict[str, list[str]] = {}
    for i in sorted(ids):
        by_entity.setdefault(profile_entity[i], []).append(i)
    left, right = [], []
    for members in by_entity.values():
        members = members[:MAX_PROFILES_PER_ENTITY]
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                left.append(members[a])
                right.append(members[b])
    rng = np.random.default_rng(seed)
    pool = np.array(ids, dtype=object)
    a = pool[rng.integers(0, len(pool), RANDOM_PAIRS)] if len(pool) else pool
    b = pool[rng.integers(0, len(pool), RANDOM_PAIRS)] if len(pool) else pool
    keep = [x != y and profile_entity[x] != profile_entity[y] for x, y in zip(a, b, strict=True)]
    out = LevelCounts(source, true_pairs=len(left), profiles=len(ids))
    # matches per profile as the pairs are counted: at most MAX_PROFILES_PER_ENTITY per entity,
    # so a few parties with hundreds of spellings do not set the prior of every data set
    sizes = np.array(
        [min(len(m), MAX_PROFILES_PER_ENTITY) for m in by_entity.values()], dtype=np.float64
    )
    out.matches_per_profile = float((sizes * (sizes - 1)).sum() / max(sizes.sum(), 1.0))
    wanted = set(comparisons) if comparisons is not None else None
    con = duckdb.connect()
    try:
        con.register("_lab_profiles", profiles)
        con.register("_lab_true", pa.table({"a": left, "b": right}, schema=_PAIR_SCHEMA))
        con.register(
            "_lab_random",
            pa.table(
                {"a": list(a[keep]), "b": list(b[keep])},
                schema=_PAIR_SCHEMA,
            ),
        )
        for spec in COMPARISONS:
            if wanted is not None and spec.name not in wanted:
                continue
            if not all(c in profiles.column_names for c in spec.columns):
                continue
            out.matches[spec.name] = _counts(con, spec, "_lab_true", profiles.column_names)
            out.non_matches[spec.name] = _counts(con, spec, "_lab_random", profiles.column_names)
    finally:
        con.close()
    return out


_PAIR_SCHEMA = pa.schema([("a", pa.string()), ("b", pa.string())])


def _counts(
    con: duckdb.DuckDBPyConnection, spec: ComparisonSpec, pairs: str, columns: Sequence[str]
) -> list[int]:
    """Pairs of table ``pairs`` at each scored (non-null) level of ``spec``, in level order."""
    cols = [c for c in columns if c != "unique_id"]
    rows = con.sql(
        f"""
        SELECT {gamma_sql(spec)} AS gamma, count(*) FROM (
            SELECT {pair_columns_sql(cols)} FROM {pairs} p
            JOIN _lab_profiles l ON l.unique_id = p.a JOIN _lab_profiles r ON r.unique_id = p.b
        ) GROUP BY ALL
        """
    ).fetchall()
    found = dict(rows)
    return [
        int(found.get(g, 0))
        for level, g in zip(spec.levels, spec.gammas, strict=True)
        if not level.is_null
    ]


def pair_level_counts(
    profiles: pa.Table, pairs: pa.Table, comparisons: Iterable[str]
) -> dict[str, list[int]]:
    """Per comparison, the given profile pairs (``unique_id_l``, ``unique_id_r``) at each scored
    level, in level order."""
    table = pa.table(
        {"a": pairs.column("unique_id_l"), "b": pairs.column("unique_id_r")}, schema=_PAIR_SCHEMA
    )
    wanted = set(comparisons)
    con = duckdb.connect()
    try:
        con.register("_lab_profiles", profiles)
        con.register("_lab_pairs", table)
        return {
            spec.name: _counts(con, spec, "_lab_pairs", profiles.column_names)
            for spec in COMPARISONS
            if spec.name in wanted and all(c in profiles.column_names for c in spec.columns)
        }
    finally:
        con.close()


def mixture(
    counts: Sequence[LevelCounts], which: str, weights: Mapping[str, float] | None = None
) -> dict[str, list[float] | None]:
    """Per comparison, the level distribution averaged over the sources that have at least
    ``MIN_PAIRS`` pairs with its data (and, for non-matches, ``MIN_PROFILES_FOR_U`` profiles),
    weighted by ``weights`` per source (default 1) (``which``: "matches" or "non_matches");
    None where no source qualifies."""
    out: dict[str, list[float] | None] = {}
    for spec in COMPARISONS:
        shares, share_weights = [], []
        for c in counts:
            levels = getattr(c, which).get(spec.name)
            if levels is None or sum(levels) < MIN_PAIRS:
                continue
            if which == "non_matches" and c.profiles < MIN_PROFILES_FOR_U:
                continue
            total = sum(levels)
            shares.append([v / total for v in levels])
            share_weights.append((weights or {}).get(c.source, 1.0))
        if not shares:  # no source has enough: pool whatever the sources have
            pooled = [getattr(c, which).get(spec.name) for c in counts]
            pooled = [p for p in pooled if p is not None]
            total = [sum(col) for col in zip(*pooled, strict=True)] if pooled else []
            if sum(total) > 0:
                shares, share_weights = [[v / sum(total) for v in total]], [1.0]
        out[spec.name] = (
            [float(np.average(col, weights=share_weights)) for col in zip(*shares, strict=True)]
            if shares
            else None
        )
    return out


def floored(shares: Sequence[float], floor: float = M_FLOOR) -> list[float]:
    """Shares with no level below ``floor``, summing to one."""
    values = [max(v, floor) for v in shares]
    total = sum(values)
    return [v / total for v in values]
