"""Score given profile pairs with splink's predict, as dedupe scores its blocked pairs.

The pairs are a link job between the profiles on their left and on their right, blocked on the
pair's index (``arrays_to_explode``, as ``resolver.pairs`` does): exactly the pairs asked for
are compared, with the model's comparisons and the prior of the whole data set. The left of a
pair is the profile with the smaller record id, as in a dedupe.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from resolver.engine import Engine, registered
from resolver.model.params import ModelParams
from resolver.model.predict import PAIR_KEYS, build_pair_linker, predict_pairs


def weight_columns(params: ModelParams) -> list[str]:
    """The per comparison weight columns of scored pairs, in the model's order."""
    return [f"mw_{name}" for name in params.comparisons]


def score_profile_pairs(
    engine: Engine, params: ModelParams, prior: float, profiles: pa.Table, pairs: pa.Table
) -> pa.Table:
    """``pid_a, pid_b`` and the weight of each comparison of every pair in ``pairs``.

    ``profiles``: the weighted profiles of both sides (``pid``, ``unique_id`` and features).
    """
    columns = weight_columns(params)
    schema = pa.schema([("pid_a", pa.int64()), ("pid_b", pa.int64())])
    schema = schema.append(pa.field("match_weight", pa.float64()))
    for c in columns:
        schema = schema.append(pa.field(c, pa.float64()))
    if pairs.num_rows == 0:
        return schema.empty_table()
    uid = dict(
        zip(
            profiles.column("pid").to_pylist(),
            profiles.column("unique_id").to_pylist(),
            strict=True,
        )
    )
    a = pairs.column("pid_a").to_numpy()
    b = pairs.column("pid_b").to_numpy()
    a_first = np.fromiter(
        (uid[x] < uid[y] for x, y in zip(a.tolist(), b.tolist(), strict=True)), bool, len(a)
    )
    left, right = np.where(a_first, a, b), np.where(a_first, b, a)
    index = np.arange(len(a), dtype=np.int64)
    features = profiles.drop_columns(["unique_id"]).rename_columns(
        [
            "unique_id" if c == "pid" else c
            for c in profiles.drop_columns(["unique_id"]).column_names
        ]
    )
    tables = [_side(engine, features, side, index) for side in (left, right)]
    linker = build_pair_linker(engine, params, *tables, prior=prior)
    try:
        scored = predict_pairs(linker, 0.0)
        wanted = ", ".join(f'"{c}"' for c in columns)
        out = engine.con.sql(
            f"""
            SELECT least(unique_id_l, unique_id_r) AS pid_a,
                   greatest(unique_id_l, unique_id_r) AS pid_b, match_weight, {wanted}
            FROM "{scored.physical_name}" ORDER BY pid_a, pid_b
            """
        ).to_arrow_table()
    finally:
        engine.release(linker)
    return out.cast(schema)


def _side(engine: Engine, features: pa.Table, pids: np.ndarray, index: np.ndarray) -> pa.Table:
    """The profiles on one side of the pairs, each with the indices of its pairs."""
    with registered(engine.con, {"_is_side": pa.table({"unique_id": pids, "pair": index})}):
        keys = engine.con.sql(
            f"SELECT unique_id, list(pair ORDER BY pair) AS {PAIR_KEYS} FROM _is_side GROUP BY ALL"
        ).to_arrow_table()
    chosen = features.filter(pc.is_in(features.column("unique_id"), keys.column("unique_id")))
    with registered(engine.con, {"_is_keys": keys, "_is_feat": chosen}):
        return engine.con.sql(
            f"SELECT f.*, k.{PAIR_KEYS} FROM _is_feat f JOIN _is_keys k USING (unique_id) "
            "ORDER BY unique_id"
        ).to_arrow_table()
