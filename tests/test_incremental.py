"""Incremental resolution (issue 20): a state folder that batches join with stable entity ids.

The generated data is split into batches by row; the model is the session's trained one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from resolver import Resolver
from resolver.cli import main
from resolver.cluster import entity_id_sql
from resolver.dedupe import dedupe
from resolver.engine import Engine
from resolver.errors import InputError
from resolver.incremental import StateError
from resolver.incremental.lineage import MERGED, SPLIT_PROPOSED, reconcile
from resolver.io.readers import read_records
from resolver.model.params import ModelParams
from resolver.model.scoring import total_weights


def batches(table: pa.Table, k: int) -> list[pa.Table]:
    n = table.num_rows
    return [table.slice(i * n // k, (i + 1) * n // k - i * n // k) for i in range(k)]


def entity_of(result) -> dict[str, str]:
    return dict(
        zip(
            result.clusters.column("id").to_pylist(),
            result.clusters.column("entity_id").to_pylist(),
            strict=True,
        )
    )


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def records(synth_dir) -> pa.Table:
    return read_records(synth_dir / "parties.csv")


@pytest.fixture(scope="module")
def few(records) -> pa.Table:
    """A few hundred records, for the tests of refusals and files."""
    return records.slice(0, 300)


@pytest.fixture(scope="module")
def resolver(trained_model) -> Resolver:
    return Resolver.load(trained_model)


def test_first_run_gives_the_ids_of_a_plain_dedupe(tmp_path, records, resolver):
    into = resolver.update(tmp_path / "state", records)
    plain = resolver.dedupe(records)
    assert entity_of(into) == entity_of(plain)
    assert into.clusters.equals(plain.clusters)
    files = {p.name for p in (tmp_path / "state").iterdir()}
    assert {"clusters.csv", "entities.csv", "pairs.parquet", "summary.json", "lineage.csv"} <= files
    assert "state.json" in files and ".resolver-output.json" in files


def test_ids_are_stable_across_three_batches_and_merges_are_in_the_lineage(
    tmp_path, records, resolver
):
    state = tmp_path / "state"
    seen: dict[str, str] = {}
    for i, part in enumerate(batches(records, 3)):
        result = resolver.update(state, part)
        now = entity_of(result)
        assert len(now) == sum(p.num_rows for p in batches(records, 3)[: i + 1])
        lineage = read_csv(state / "lineage.csv")
        rows = lineage[lineage.reason == MERGED]
        merged = dict(zip(rows.old_id, rows.new_id, strict=True))
        for record, before in seen.items():
            after = before
            while after in merged:  # follow old_id -> new_id
                after = merged[after]
            # an entity keeps its id when records join it; a merged one points to its survivor
            assert now[record] == after
        # no entity is split: records that shared an entity still do
        members: dict[str, set[str]] = {}
        for record, before in seen.items():
            members.setdefault(before, set()).add(record)
        for group in members.values():
            assert len({now[r] for r in group}) == 1
        # an entity of new records only gets the id a full run would give it
        fresh = {r: e for r, e in now.items() if r not in seen}
        for entity in set(fresh.values()) - set(seen.values()) - set(merged.values()):
            members = [r for r, e in now.items() if e == entity]
            assert entity == _entity_id(min(members))
        summary = json.loads((state / "summary.json").read_text())
        assert summary["incremental"]["batch"] == i + 1
        seen = now
    assert (lineage.reason == MERGED).any(), "three batches of this data merge some entities"
    surviving = set(now.values())
    assert not surviving & set(merged), "a merged-away id is never used again"


def _entity_id(smallest: str) -> str:
    import duckdb

    return duckdb.sql(f"SELECT {entity_id_sql('$1')}", params=[smallest]).fetchall()[0][0]


def test_reconcile_survivor_ties_splits_and_new_ids():
    """Nodes 0-5: clusters {0,1,2}, {3}, {4,5}; old entities B (nodes 0, 1: 3 records),
    A (node 2: 3 records), C (nodes 3, 4: split by the clustering); node 5 is new."""
    import duckdb

    con = duckdb.connect()
    out = reconcile(
        con,
        np.array([0, 0, 0, 3, 4, 4]),
        pa.array(["EB", "EB", "EA", "EC", "EC", None]),
        np.array([1, 2, 3, 1, 1, 0]),
        np.array([1, 2, 3, 1, 2, 1]),
        pa.array(["a", "b", "c", "d", "e", "f"]),
        date="2026-01-01",
        batch=2,
    )
    # A and B have 3 records each: the smaller id survives; C is kept whole with new node 5
    assert out.entity_ids.to_pylist() == ["EA", "EA", "EA", "EC", "EC", "EC"]
    rows = out.lineage.to_pylist()
    assert [(r["reason"], r["old_id"], r["new_id"], r["records"]) for r in rows] == [
        (MERGED, "EB", "EA", 3),
        (SPLIT_PROPOSED, "EC", "EC", 3),
    ]
    assert "2 parts" in rows[1]["detail"]
    parts = out.split_parts.to_pylist()
    assert parts == [{"node": n, "part": p} for n, p in ((3, "d"), (4, "e"), (5, "e"))]
    # a group of new nodes only gets the hash of its smallest record id
    alone = reconcile(
        con,
        np.array([0, 0]),
        pa.array([None, None], pa.string()),
        np.array([0, 0]),
        np.array([1, 1]),
        pa.array(["q2", "q1"]),
        date="d",
        batch=2,
    )
    assert alone.entity_ids.to_pylist() == [_entity_id("q1")] * 2
    assert alone.new_entities == 1


@pytest.mark.parametrize("max_block_size", [None, 3], ids=["default", "windowed-blocks"])
def test_batches_equal_a_full_run_with_the_states_model_up_to_listed_splits(
    tmp_path, records, resolver, max_block_size
):
    """The partition after batches is a full run's (with the parameters the state fitted on
    its first batch), except where an entity was kept whole: then proposed_splits.csv lists
    exactly the parts the full run makes. With a block size of 3 many name blocks are over
    the cap and compared in windows, which new members shift."""
    state = tmp_path / "state"
    for part in batches(records, 5):
        result = resolver.update(state, part, max_block_size=max_block_size)
    if max_block_size is not None:
        blocking = json.loads((state / "summary.json").read_text())
        assert blocking["max_block_size"] == max_block_size
    params = ModelParams.load(state / "state-model.json")
    kwargs = {} if max_block_size is None else {"max_block_size": max_block_size}
    full = dedupe(records, params, Engine(), adapt=False, **kwargs)
    if max_block_size is not None:
        assert any(r["blocks_over_cap_compared_in_windows"] for r in full.summary["blocking"])
        # every pair the full run scores (windows included) is one the state holds
        ids = zip(full.pairs["id_l"].to_pylist(), full.pairs["id_r"].to_pylist(), strict=True)
        assert set(ids) <= _stored(state)
    proposed = read_csv(state / "proposed_splits.csv")
    applied = entity_of(result)
    parts = proposed.entity_id + "/" + proposed.proposed_part
    applied.update(zip(proposed.id, parts, strict=True))
    assert _same_partition(applied, entity_of(full))
    # and without the splits, the difference is only those entities
    kept_whole = set(proposed.entity_id)
    differ = _differing_records(entity_of(result), entity_of(full))
    assert {entity_of(result)[r] for r in differ} <= kept_whole


def _stored(state: Path) -> set[tuple[str, str]]:
    """The pairs a state holds, as (smaller, larger) record ids of their profiles."""
    import duckdb
    import pyarrow.parquet as pq

    from resolver.incremental.state import latest_pairs_sql

    manifest = json.loads((state / "state.json").read_text())
    con = duckdb.connect()
    con.register("status", pq.read_table(state / "state-profile-status.parquet"))
    rows = con.execute(
        f"""
        SELECT least(a.unique_id, b.unique_id), greatest(a.unique_id, b.unique_id)
        FROM ({latest_pairs_sql()}) p
        JOIN status a ON a.pid = p.pid_a JOIN status b ON b.pid = p.pid_b
        """,
        {"files": [str(state / f) for f in manifest["segments"]["pairs"]]},
    ).fetchall()
    return set(rows)


def _same_partition(a: dict[str, str], b: dict[str, str]) -> bool:
    return not _differing_records(a, b)


def _differing_records(a: dict[str, str], b: dict[str, str]) -> set[str]:
    """Records whose group of co-members differs between the two partitions."""
    groups_a: dict[str, set[str]] = {}
    groups_b: dict[str, set[str]] = {}
    for r, e in a.items():
        groups_a.setdefault(e, set()).add(r)
    for r, e in b.items():
        groups_b.setdefault(e, set()).add(r)
    assert a.keys() == b.keys()
    return {r for r in a if groups_a[a[r]] != groups_b[b[r]]}


def test_a_record_id_already_in_the_state_is_refused(tmp_path, few, resolver):
    first, second = batches(few, 2)
    resolver.update(tmp_path / "state", first)
    again = pa.concat_tables([second, first.slice(3, 1)])
    with pytest.raises(InputError, match=f"id '{first.column('id')[3]}' is already in the state"):
        resolver.update(tmp_path / "state", again)


def test_a_state_of_another_feature_version_asks_for_a_full_run(tmp_path, few, resolver):
    state = tmp_path / "state"
    first, second = batches(few, 2)
    resolver.update(state, first)
    manifest = json.loads((state / "state.json").read_text())
    manifest["feature_version"] = "0"
    (state / "state.json").write_text(json.dumps(manifest))
    with pytest.raises(StateError, match="feature_version '0'.*full dedupe"):
        resolver.update(state, second)


def test_a_batch_needs_the_states_model_and_threshold(tmp_path, few, resolver):
    state = tmp_path / "state"
    first, second = batches(few, 2)
    resolver.update(state, first)
    with pytest.raises(StateError, match="another model"):
        Resolver.load().update(state, second)
    with pytest.raises(StateError, match="threshold"):
        resolver.update(state, second, threshold=0.5)


def test_a_plain_dedupe_output_is_not_a_state(tmp_path, few, resolver):
    resolver.dedupe(few).save(tmp_path / "out")
    with pytest.raises(StateError, match="without a state"):
        resolver.update(tmp_path / "out", few)


def test_cli_into_runs_batches_and_reports_them(tmp_path, records, trained_model, capsys):
    paths = []
    for i, part in enumerate(batches(records, 2)):
        path = tmp_path / f"batch{i}.csv"
        pacsv.write_csv(part, path)
        paths.append(path)
    state = tmp_path / "state"
    args = ["--into", str(state), "--model", str(trained_model)]
    assert main(["dedupe", str(paths[0]), *args]) == 0
    assert main(["dedupe", str(paths[1]), "--into", str(state)]) == 0
    out = capsys.readouterr().out
    assert "batch" in out and "lineage.csv" in out
    clusters = read_csv(state / "clusters.csv")
    assert clusters.id.tolist() == records.column("id").to_pylist()
    assert main(["dedupe", str(paths[1]), "--into", str(state), "--out", str(tmp_path / "o")]) == 2


def test_segments_are_shared_not_copied(tmp_path, few, resolver):
    """An update hard-links the unchanged segments of the previous state."""
    state = tmp_path / "state"
    first, second = batches(few, 2)
    resolver.update(state, first)
    segment = state / "state-records-00001.parquet"
    inode = segment.stat().st_ino
    resolver.update(state, second)
    assert segment.stat().st_ino == inode


def test_a_small_batch_reclusters_only_its_regions_as_a_full_clustering_would(
    tmp_path, records, resolver
):
    """A small batch re-clusters only the regions it touched or whose margin the prior's fall
    used up: the result (with the proposed splits applied) is the clustering of every stored
    pair at the prior of the grown data set."""
    state = tmp_path / "state"
    n = records.num_rows
    resolver.update(state, records.slice(0, n - 40))
    result = resolver.update(state, records.slice(n - 40))
    inc = result.summary["incremental"]
    assert 0 < inc["profiles_reclustered"] < result.summary["profiles"] / 2
    applied = entity_of(result)
    proposed = read_csv(state / "proposed_splits.csv")
    applied.update(zip(proposed.id, proposed.entity_id + "/" + proposed.proposed_part, strict=True))
    assert _same_partition(applied, _clustering_of_stored_pairs(state))


def _clustering_of_stored_pairs(state: Path) -> dict[str, str]:
    import duckdb
    import pyarrow.parquet as pq

    from resolver.cluster import cluster_pairs
    from resolver.incremental.state import latest_pairs_sql

    manifest = json.loads((state / "state.json").read_text())
    con = duckdb.connect()
    files = {k: [str(state / n) for n in manifest["segments"][k]] for k in ("pairs", "records")}
    pairs = con.sql(latest_pairs_sql(), params={"files": files["pairs"]}).to_arrow_table()
    status = pq.read_table(state / "state-profile-status.parquet").sort_by("unique_id")
    params = ModelParams.load(state / "state-model.json")
    weights = [pairs.column(f"mw_{c}").to_numpy() for c in params.comparisons]
    _, prob = total_weights(params.prior_for(status.num_rows), weights, pairs.num_rows)
    keep = prob >= manifest["pairs_floor"]
    pids = status.column("pid").to_numpy()
    rank = np.empty(pids.max() + 1, np.int64)
    rank[pids] = np.arange(len(pids))
    left = rank[pairs.column("pid_a").to_numpy()[keep]]
    right = rank[pairs.column("pid_b").to_numpy()[keep]]
    reps = cluster_pairs(
        len(pids),
        np.minimum(left, right),
        np.maximum(left, right),
        prob[keep],
        manifest["threshold"],
    )
    cluster_of = dict(zip(pids.tolist(), reps.tolist(), strict=True))
    stored = con.sql(
        "SELECT id, _resolver_pid AS pid FROM read_parquet($files, union_by_name = true)",
        params={"files": files["records"]},
    ).to_arrow_table()
    pids_of = stored.column("pid").to_pylist()
    return dict(
        zip(stored.column("id").to_pylist(), [str(cluster_of[p]) for p in pids_of], strict=True)
    )


def test_a_batch_of_known_spellings_joins_their_entities(tmp_path, records, resolver):
    """Records identical to stored ones (new ids, a new column, a blank name) join the stored
    profiles' entities; the new column is carried, empty for the earlier records."""
    state = tmp_path / "state"
    first = resolver.update(state, records)
    again = records.slice(0, 30)
    again = again.set_column(0, "id", pa.array([f"again-{i}" for i in range(30)]))
    again = again.append_column("source", pa.array(["feed-2"] * 30))
    blank = again.slice(0, 1).set_column(0, "id", pa.array(["blank"]))
    blank = blank.set_column(blank.column_names.index("name"), "name", pa.array(["  "]))
    result = resolver.update(state, pa.concat_tables([again, blank]))
    before = entity_of(first)
    after = entity_of(result)
    assert result.summary["incremental"]["new_profiles"] == 1  # the blank name only
    for i, record in enumerate(records.column("id").to_pylist()[:30]):
        assert after[f"again-{i}"] == after[record] == before[record]
    clusters = read_csv(state / "clusters.csv")
    assert clusters.source.tolist()[-31:] == ["feed-2"] * 31
    assert set(clusters.source.tolist()[:-31]) == {""}
    assert clusters.set_index("id").loc["blank", "unmatchable"] == "true"
    entities = read_csv(state / "entities.csv").set_index("entity_id")
    sizes = clusters.groupby("entity_id").size()
    assert (entities.n_records.astype(int) == sizes.reindex(entities.index)).all()
