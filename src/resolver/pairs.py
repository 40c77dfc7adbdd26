"""Score given record pairs (row i of ``left`` against row i of ``right``) with the model.

Used for clerical review and for labelled pair benchmarks: the pairs are scored by splink's own
predict (blocking on the pair index), so the weights are exactly those dedupe and screening use.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from resolver.engine import Engine
from resolver.errors import InputError
from resolver.features import build_features
from resolver.model.params import ModelParams
from resolver.model.predict import build_pair_linker, predict_pairs


def score_pairs(
    engine: Engine, params: ModelParams, left: pa.Table, right: pa.Table, prior: float = 0.5
) -> pa.Table:
    """One row per pair: pair, match_weight (log2 Bayes factor incl. the prior), probability, mw_*.

    ``prior`` is the match probability before evidence; the default 0.5 makes ``match_weight``
    the pure evidence (the sum of the comparisons' weights).
    """
    if left.num_rows != right.num_rows:
        raise InputError(f"score_pairs: {left.num_rows} left rows but {right.num_rows} right rows")
    n = left.num_rows
    cols = [c for c in left.column_names if c in right.column_names]
    both = pa.concat_tables(
        [
            left.select(cols).set_column(0, "id", pa.array([f"l{i}" for i in range(n)])),
            right.select(cols).set_column(0, "id", pa.array([f"r{i}" for i in range(n)])),
        ]
    )
    source = pa.array(["l"] * n + ["r"] * n)
    features = build_features(both, engine.con, source=source)
    pair_of = {f"{s}{i}": i for s in "lr" for i in range(n)}
    rec = features.records
    pairs_by_profile: dict[tuple[str, str], list[int]] = {}
    for rid, pid, src in zip(
        rec.column("id").to_pylist(),
        rec.column("profile_id").to_pylist(),
        source.to_pylist(),
        strict=True,
    ):
        pairs_by_profile.setdefault((src, pid), []).append(pair_of[rid])
    profiles = features.profiles
    keys = [
        sorted(pairs_by_profile[(s, u)])
        for s, u in zip(
            profiles.column("source_dataset").to_pylist(),
            profiles.column("unique_id").to_pylist(),
            strict=True,
        )
    ]
    profiles = profiles.append_column("pair_keys", pa.array(keys, pa.list_(pa.int64())))
    tables = [
        profiles.filter(pc.equal(profiles.column("source_dataset"), s)).drop(["source_dataset"])
        for s in ("l", "r")
    ]
    linker = build_pair_linker(engine, params, *tables, prior=prior)
    try:
        scored = predict_pairs(linker, 0.0).as_pandas_dataframe()
    finally:
        engine.release(linker)
    by_profiles = {
        (row.unique_id_l, row.unique_id_r): row for row in scored.itertuples(index=False)
    }
    prof_of = {
        rid: pid
        for rid, pid in zip(
            rec.column("id").to_pylist(), rec.column("profile_id").to_pylist(), strict=True
        )
    }
    mw_cols = [c for c in scored.columns if c.startswith("mw_")]
    out: dict[str, list] = {"pair": [], "match_weight": [], "match_probability": []}
    out.update({c: [] for c in mw_cols})
    for i in range(n):
        row = by_profiles.get((prof_of[f"l{i}"], prof_of[f"r{i}"]))
        out["pair"].append(i)
        out["match_weight"].append(None if row is None else float(row.match_weight))
        out["match_probability"].append(None if row is None else float(row.match_probability))
        for c in mw_cols:
            out[c].append(None if row is None else float(getattr(row, c)))
    return pa.table(out)
