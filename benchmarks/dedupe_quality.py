"""Dedupe quality benchmark: resolver next to plain splink and rapidfuzz, on labelled data.

Run from the repository root: ``python -m benchmarks.dedupe_quality [--quick]``.

For every data set, five methods run side by side in this one process:

* ``resolver (default model)``: ``Resolver.load().dedupe(records)`` with the shipped model;
* ``resolver (EM on this data)``: ``Resolver.train(records, seed=42)`` (unsupervised, no labels)
  then ``.dedupe(records)``; the wall time includes the training;
* ``plain splink (exact blocking)``: :func:`benchmarks.baselines.plain_splink_dedupe` with
  ``blocking="exact"`` (its training included);
* ``rapidfuzz token_sort + blocking``: :func:`benchmarks.baselines.rapidfuzz_dedupe` with
  ``scorer="token_sort_ratio"`` (``token_set_ratio`` scores a name contained in another as 100,
  so it chains unrelated companies into one cluster).
* ``resolver (EM + 200 labelled pairs)``: ``Resolver.train(records, labels=..., seed=42)`` with
  200 matching pairs of the records as labels (:func:`labelled_pairs`: 200 random entities of
  two or more records, two records each), as a user who reviewed a few hundred pairs would
  train; the wall time includes the training.

Generated trade parties (``resolver.synth``, seeds 501 / 502; the default model is trained on
seed 2026) are scored on all rows. Real labelled data is split into dev / test halves by
entity (sha1 of the entity key, odd first byte = test, as in ``benchmarks.name_pairs``) and
only the test half is deduplicated and reported; the dev half is for anyone tuning resolver.
Febrl 4 is a link task: both files (test persons only, ids prefixed ``a:`` / ``b:``) are
deduplicated as one table and scored on the cross-file pairs that end up in the same cluster
(``link_metrics``); B-cubed is computed on the concatenation. Plain splink runs its own
``link_only`` model there (``plain_splink_link``), and its pairs are turned into clusters by
connected components. Plain splink is not run where exact-name blocking alone would compare
more than 50 million pairs (PatentsView per mention); the table says so.

Peak MB is the whole process's resident memory during the method (see
:func:`benchmarks.common.measure`), so it includes the interpreter, the loaded data and what
earlier methods left allocated (``rss_before_mb`` in the JSON); ``benchmarks.speed`` measures
each run in a fresh process.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import logging
import os
import shlex
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import baselines, common, datasets
from benchmarks.datasets import DataUnavailable
from resolver.evaluate import bcubed_metrics, link_metrics, pairwise_metrics

log = logging.getLogger(__name__)

RESULT_NAME = "dedupe_quality"
EM_SEED = 42
LABELLED_PAIRS = 200  # reviewed matching pairs given to "resolver (EM + 200 labelled pairs)"
SPLINK_BLOCKING = "exact"
RAPIDFUZZ_SCORER = "token_sort_ratio"
PLAIN_SPLINK_MAX_PAIRS = 50_000_000
METHODS = (
    "resolver (default model)",
    "resolver (EM on this data)",
    "plain splink (exact blocking)",
    "rapidfuzz token_sort + blocking",
    "resolver (EM + 200 labelled pairs)",
)
COLUMNS = [*common.QUALITY_COLUMNS[:6], "pairs_completeness", *common.QUALITY_COLUMNS[6:]]


@dataclass
class Loaded:
    """One benchmark data set ready to run: records, truth and how it was split."""

    records: pd.DataFrame
    truth: pd.Series
    split: str
    link_sides: tuple[pd.DataFrame, pd.DataFrame] | None = None


@dataclass
class Task:
    """A data set of the benchmark: a key for ``--datasets``, a display name and a loader."""

    key: str
    name: str
    load: Callable[[], Loaded]
    shared: bool


# --------------------------------------------------------------------------------------------
# data


def is_test_entity(key: object) -> bool:
    """Deterministic dev / test split of entities: test when sha1(key)'s first byte is odd.

    The same rule as ``benchmarks.name_pairs.is_test``, so the project has one dev / test split.
    """
    return hashlib.sha1(str(key).encode("utf-8")).digest()[0] % 2 == 1


def test_half(records: pd.DataFrame, truth: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Records (and truth) of the test-half entities only, in input order."""
    truth = truth.copy()
    truth.index = truth.index.astype(str)
    keep_entities = {k for k in truth.unique() if is_test_entity(k)}
    ids = records["id"].astype(str)
    mask = ids.map(truth).isin(keep_entities).to_numpy()
    kept = records.loc[mask].reset_index(drop=True)
    return kept, truth.reindex(kept["id"].astype(str).to_numpy())


def _test_split(load: Callable[[], tuple[pd.DataFrame, pd.Series]]) -> Callable[[], Loaded]:
    """Wrap a datasets loader so it returns the test half."""

    def run() -> Loaded:
        records, truth = load()
        kept, kept_truth = test_half(records, truth)
        return Loaded(kept, kept_truth, "test half of entities")

    return run


def read_generated(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    """parties.csv (blanks as None) and truth.csv (id -> entity_id) of a generated folder."""
    records = pd.read_csv(folder / "parties.csv", dtype=str, keep_default_na=False)
    records = records.astype(object).where(records != "", None)
    truth_df = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    truth = pd.Series(truth_df["entity_id"].to_numpy(), index=truth_df["id"].to_numpy())
    return records, truth.rename("entity")


def _generated(rows: int, seed: int) -> Callable[[], Loaded]:
    """Loader generating ``rows`` party mentions of ``rows // 3`` entities (time not counted)."""

    def run() -> Loaded:
        from resolver.synth import generate

        with tempfile.TemporaryDirectory(prefix="resolver-bench-quality-") as tmp:
            generate(tmp, n_entities=max(2, rows // 3), seed=seed, mentions=rows)
            records, truth = read_generated(Path(tmp))
        return Loaded(records, truth, f"all rows (generated, seed {seed})")

    return run


def _febrl4() -> Loaded:
    """Febrl 4 test-half persons: both files, ids prefixed, concatenated."""
    df_a, df_b, truth = datasets.febrl4()
    truth = truth[~truth.index.duplicated()]
    sides = []
    for prefix, df in (("a:", df_a), ("b:", df_b)):
        side_truth = truth.reindex(df["id"].astype(str).to_numpy())
        kept, kept_truth = test_half(df, side_truth.set_axis(df["id"].astype(str).to_numpy()))
        kept = kept.assign(id=prefix + kept["id"].astype(str))
        sides.append((kept, kept_truth.set_axis(kept["id"].to_numpy())))
    records = pd.concat([s[0] for s in sides], ignore_index=True)
    all_truth = pd.concat([s[1] for s in sides])
    return Loaded(
        records,
        all_truth.rename("entity"),
        "test half of persons; cross-file pairs",
        link_sides=(sides[0][0], sides[1][0]),
    )


def tasks(quick: bool, quick_rows: int = 2_000) -> list[Task]:
    """The data sets of a full run, or of a quick (CI smoke) run."""
    ofac = datasets.ofac_alias_records
    if quick:
        return [
            Task(
                "gen_small",
                f"generated trade parties {quick_rows:,}",
                _generated(quick_rows, 501),
                False,
            ),
            Task(
                "ofac_russia",
                "OFAC orgs, Russia-related, name only",
                _test_split(lambda: ofac(russia_only=True)),
                True,
            ),
            Task("restaurants", "restaurants", _test_split(datasets.restaurants), True),
        ]
    return [
        Task("gen10k", "generated trade parties 10k", _generated(10_000, 501), False),
        Task("gen100k", "generated trade parties 100k", _generated(100_000, 502), False),
        Task("ofac_orgs", "OFAC orgs, name only", _test_split(lambda: ofac()), True),
        Task(
            "ofac_russia",
            "OFAC orgs, Russia-related, name only",
            _test_split(lambda: ofac(russia_only=True)),
            True,
        ),
        Task(
            "ofac_orgs_addr",
            "OFAC orgs, name + address",
            _test_split(lambda: ofac(with_address=True)),
            True,
        ),
        Task(
            "ofac_russia_addr",
            "OFAC orgs, Russia-related, name + address",
            _test_split(lambda: ofac(russia_only=True, with_address=True)),
            True,
        ),
        Task("febrl3", "Febrl 3 (dedupe)", _test_split(lambda: datasets.febrl(3)), True),
        Task("febrl4", "Febrl 4 (link a-b)", _febrl4, True),
        Task("restaurants", "restaurants", _test_split(datasets.restaurants), True),
        Task(
            "patents_distinct",
            "PatentsView NBER, distinct names",
            _test_split(lambda: datasets.patentsview("distinct")),
            True,
        ),
        Task(
            "patents_mention",
            "PatentsView NBER, per mention",
            _test_split(lambda: datasets.patentsview("mention")),
            True,
        ),
    ]


# --------------------------------------------------------------------------------------------
# methods: each returns id -> cluster id for every record


def _clusters_series(result: Any) -> pd.Series:
    """id -> entity_id of a resolver DedupeResult."""
    table = result.clusters.select(["id", "entity_id"])
    ids = [str(v) for v in table.column("id").to_pylist()]
    return pd.Series(table.column("entity_id").to_pylist(), index=ids, name="cluster_id")


def pairs_completeness(result: Any, truth: pd.Series) -> float | None:
    """Share of the true record pairs that the run scored (both records in one profile, or their
    profiles among the pairs it kept: those at or above the floor, and every pair inside a
    candidate entity). Counted per (entity, profile) so huge entities cost no pair list."""
    import duckdb

    if result.record_profiles is None:
        return None
    members = pd.DataFrame(
        {
            "id": [str(v) for v in result.record_profiles.column("id").to_pylist()],
            "profile": result.record_profiles.column("profile_id").to_pylist(),
        }
    )
    members["entity"] = members["id"].map(
        pd.Series(truth.astype(str).values, index=truth.index.astype(str))
    )
    counts = members.dropna(subset=["entity"]).groupby(["entity", "profile"]).size()
    counts = counts.rename("n").reset_index()
    pairs = result.pairs.select(["id_l", "id_r"])
    con = duckdb.connect()
    try:
        con.register("c", counts)
        con.register("p", pairs)
        total, inside = con.execute(
            """
            SELECT (SELECT sum(n * (n - 1) / 2) FROM
                        (SELECT sum(n) AS n FROM c GROUP BY entity)),
                   (SELECT sum(n * (n - 1) / 2) FROM c)
            """
        ).fetchone()
        across = con.execute(
            """
            SELECT coalesce(sum(a.n * b.n), 0) FROM p
            JOIN c a ON a.profile = p.id_l JOIN c b ON b.profile = p.id_r AND b.entity = a.entity
            """
        ).fetchone()[0]
    finally:
        con.close()
    return None if not total else float((inside + across) / total)


def _resolver_clusters(model: Any, loaded: Loaded, details: dict[str, Any]) -> pd.Series:
    """Dedupe with ``model``; the result goes into ``details`` for measures taken after the
    timed run (pairs completeness)."""
    result = model.dedupe(loaded.records)
    details["result"] = result
    return _clusters_series(result)


def resolver_default(loaded: Loaded, details: dict[str, Any]) -> pd.Series:
    """The shipped default model."""
    from resolver import Resolver

    model = Resolver.load()
    try:
        return _resolver_clusters(model, loaded, details)
    finally:
        model.engine.close()


def resolver_em(loaded: Loaded, details: dict[str, Any]) -> pd.Series:
    """Unsupervised training on these records (no labels), then dedupe with that model."""
    from resolver import Resolver

    t0 = time.perf_counter()
    model = Resolver.train(loaded.records, seed=EM_SEED)
    details["train_s"] = time.perf_counter() - t0
    try:
        return _resolver_clusters(model, loaded, details)
    finally:
        model.engine.close()


def labelled_pairs(
    truth: pd.Series, n_pairs: int = LABELLED_PAIRS, seed: int = EM_SEED
) -> pd.DataFrame:
    """``id, entity_id`` labels a reviewer could give: ``n_pairs`` entities of two or more
    records drawn at random (fixed seed), two of each entity's records, one matching pair each."""
    by_entity = pd.Series(truth.index.astype(str), index=truth.astype(str).to_numpy())
    groups = {k: sorted(v) for k, v in by_entity.groupby(level=0).agg(list).items() if len(v) > 1}
    rng = np.random.default_rng(seed)
    keys = sorted(groups)
    chosen = rng.choice(len(keys), size=min(n_pairs, len(keys)), replace=False)
    rows = []
    for k in sorted(chosen):
        ids = groups[keys[k]]
        for i in rng.choice(len(ids), size=2, replace=False):
            rows.append({"id": ids[i], "entity_id": keys[k]})
    return pd.DataFrame(rows, columns=["id", "entity_id"])


def resolver_em_labels(loaded: Loaded, details: dict[str, Any]) -> pd.Series:
    """Training on these records with ``LABELLED_PAIRS`` reviewed matching pairs of them (as a
    user who reviewed a few hundred pairs would train), then dedupe with that model."""
    from resolver import Resolver

    labels = labelled_pairs(loaded.truth)
    details["labelled_pairs"] = len(labels) // 2
    t0 = time.perf_counter()
    model = Resolver.train(loaded.records, labels=labels, seed=EM_SEED)
    details["train_s"] = time.perf_counter() - t0
    try:
        return _resolver_clusters(model, loaded, details)
    finally:
        model.engine.close()


class NotRun(Exception):
    """A method declined to run on this data set (the reason is reported in the table)."""


def plain_splink(loaded: Loaded, details: dict[str, Any]) -> pd.Series:
    """Plain splink dedupe (link_only model for a link task), exact-value blocking.

    Declined (``NotRun``) when exact-name blocking alone would compare more than
    ``PLAIN_SPLINK_MAX_PAIRS`` pairs: repeated spellings make quadratic blocks that would run
    for hours in this shared process.
    """
    frame, _ = baselines._splink_frame(loaded.records[["id", "name"]])
    n_pairs = baselines._exact_name_pairs(frame)
    if n_pairs > PLAIN_SPLINK_MAX_PAIRS:
        raise NotRun(
            f"not run: exact-name blocking alone compares {n_pairs:,} pairs "
            f"(limit {PLAIN_SPLINK_MAX_PAIRS:,})"
        )
    if loaded.link_sides is None:
        return baselines.plain_splink_dedupe(loaded.records, blocking=SPLINK_BLOCKING)
    df_a, df_b = loaded.link_sides
    pairs = baselines.plain_splink_link(df_a, df_b, blocking=SPLINK_BLOCKING)
    return components(loaded.records["id"].astype(str).tolist(), pairs[["id_a", "id_b"]])


def rapidfuzz(loaded: Loaded, details: dict[str, Any]) -> pd.Series:
    """Token blocking + token_sort_ratio >= 0.85 + connected components."""
    return baselines.rapidfuzz_dedupe(loaded.records, scorer=RAPIDFUZZ_SCORER)


RUNNERS: dict[str, Callable[[Loaded, dict[str, float]], pd.Series]] = dict(
    zip(
        METHODS,
        (resolver_default, resolver_em, plain_splink, rapidfuzz, resolver_em_labels),
        strict=True,
    )
)


def components(ids: Sequence[str], pairs: pd.DataFrame) -> pd.Series:
    """Connected components of the pairs over ids: id -> id of the component's first record."""
    index = {i: k for k, i in enumerate(ids)}
    uf = baselines._UnionFind(len(ids))
    for a, b in zip(pairs.iloc[:, 0].astype(str), pairs.iloc[:, 1].astype(str), strict=True):
        uf.union(index[a], index[b])
    roots = uf.roots()
    return pd.Series([ids[r] for r in roots], index=list(ids), name="cluster_id")


# --------------------------------------------------------------------------------------------
# scoring


def cross_pairs(clusters: pd.Series, prefix_a: str = "a:", prefix_b: str = "b:") -> set:
    """(a id, b id) pairs in the same cluster, for a link task scored on the concatenation."""
    df = pd.DataFrame({"id": clusters.index.astype(str), "c": clusters.astype(str).to_numpy()})
    a = df[df["id"].str.startswith(prefix_a)]
    b = df[df["id"].str.startswith(prefix_b)]
    both = a.merge(b, on="c", suffixes=("_a", "_b"))
    return set(zip(both["id_a"], both["id_b"], strict=True))


def score(loaded: Loaded, clusters: pd.Series) -> dict[str, Any]:
    """Pairwise (or cross-file link) and B-cubed metrics of a clustering against the truth."""
    bc = bcubed_metrics(clusters, loaded.truth)
    if loaded.link_sides is None:
        pw = pairwise_metrics(clusters, loaded.truth)
        n_pred, n_true = pw["n_predicted_pairs"], pw["n_true_pairs"]
    else:
        true_pairs = cross_pairs(loaded.truth)
        pw = link_metrics(cross_pairs(clusters), true_pairs)
        n_pred, n_true = pw["n_predicted_pairs"], pw["n_true_pairs"]
    return {
        "precision": pw["precision"],
        "recall": pw["recall"],
        "f1": pw["f1"],
        "bcubed_precision": bc["precision"],
        "bcubed_recall": bc["recall"],
        "bcubed_f1": bc["f1"],
        "predicted_pairs": int(n_pred),
        "true_pairs": int(n_true),
        "predicted_clusters": int(clusters.nunique()),
        "n_missing": int(bc["n_missing"]),
    }


def run_task(task: Task, methods: Sequence[str]) -> tuple[list[dict[str, Any]], str | None]:
    """Load one data set and run the methods on it; return (rows, skip message or None)."""
    t0 = time.perf_counter()
    try:
        loaded = task.load()
    except DataUnavailable as exc:
        return [], f"skipping {task.name}: {exc}"
    except Exception as exc:  # a broken loader must not stop the other data sets
        log.error("loading %s failed:\n%s", task.name, traceback.format_exc())
        return [], f"skipping {task.name}: loading failed: {type(exc).__name__}: {exc}"
    load_s = time.perf_counter() - t0
    n_entities = int(loaded.truth.nunique())
    print(
        f"\n== {task.name}: {len(loaded.records):,} records of {n_entities:,} entities "
        f"({loaded.split}; loaded in {load_s:.1f}s)",
        flush=True,
    )
    rows = []
    for method in methods:
        gc.collect()
        rss_before = (common._rss_bytes() or 0) / 2**20
        details: dict[str, Any] = {}
        row: dict[str, Any] = {
            "dataset": task.name,
            "key": task.key,
            "method": method,
            "records": len(loaded.records),
            "entities": n_entities,
            "split": loaded.split,
            "task": "link" if loaded.link_sides is not None else "dedupe",
        }
        try:
            clusters, seconds, peak = common.measure(RUNNERS[method], loaded, details)
        except NotRun as exc:
            print(f"   {method:34s} {exc}", flush=True)
            row.update(status=str(exc))
            rows.append(row)
            continue
        except Exception as exc:  # one failing method must not lose the other rows
            log.error("%s / %s failed:\n%s", task.name, method, traceback.format_exc())
            row.update(status=f"error: {type(exc).__name__}: {exc}")
            rows.append(row)
            continue
        result = details.pop("result", None)
        row.update(score(loaded, clusters))
        row["pairs_completeness"] = (
            None if result is None else pairs_completeness(result, loaded.truth)
        )
        del result
        row.update(
            seconds=seconds,
            peak_mb=peak,
            rss_before_mb=rss_before,
            status="ok",
            **{k: round(v, 3) for k, v in details.items()},
        )
        rows.append(row)
        print(
            f"   {method:34s} P={row['precision']:.3f} R={row['recall']:.3f} "
            f"F1={row['f1']:.3f} B3={row['bcubed_f1']:.3f} {seconds:7.1f}s {peak:7.0f}MB"
            + (f" PC={pc:.3f}" if (pc := row.get("pairs_completeness")) is not None else ""),
            flush=True,
        )
        del clusters
    return rows, None


# --------------------------------------------------------------------------------------------
# command line


def main(argv: Sequence[str] | None = None) -> int:
    """Run the dedupe quality benchmark, print a table and write results/dedupe_quality.json."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data sets (CI smoke run)")
    parser.add_argument(
        "--datasets", default=None, help="comma-separated data set keys (default: all)"
    )
    parser.add_argument(
        "--methods",
        default=None,
        help="comma-separated method numbers 1-4 (default: all): " + "; ".join(METHODS),
    )
    parser.add_argument(
        "--no-shared", action="store_true", help="skip data sets that need ../shared/data"
    )
    parser.add_argument(
        "--quick-rows", type=int, default=2_000, help="generated rows in a quick run"
    )
    parser.add_argument(
        "--results-dir", type=Path, default=None, help="where to write the JSON (default results/)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    # Import the libraries up front so no method's wall time includes them.
    import rapidfuzz  # noqa: F401
    import splink  # noqa: F401

    import resolver  # noqa: F401

    all_tasks = tasks(args.quick, args.quick_rows)
    if args.datasets:
        wanted = [k.strip() for k in args.datasets.split(",") if k.strip()]
        unknown = sorted(set(wanted) - {t.key for t in all_tasks})
        if unknown:
            parser.error(f"unknown data set(s) {unknown}; known: {[t.key for t in all_tasks]}")
        all_tasks = [t for t in all_tasks if t.key in wanted]
    if args.no_shared:
        all_tasks = [t for t in all_tasks if not t.shared]
    methods = list(METHODS)
    if args.methods:
        methods = [METHODS[int(k) - 1] for k in args.methods.split(",")]

    t0 = time.perf_counter()
    load_average = list(os.getloadavg())
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    for task in all_tasks:
        task_rows, skip = run_task(task, methods)
        if skip:
            print(skip, flush=True)
            skipped.append(skip)
        rows += task_rows

    common.print_table(rows, COLUMNS, title="Dedupe quality (test halves of real data)")
    payload = {
        "benchmark": RESULT_NAME,
        "title": "Dedupe quality",
        "command": shlex.join(["python", "-m", "benchmarks.dedupe_quality", *argv]),
        "quick": args.quick,
        "seconds": time.perf_counter() - t0,
        "load_average_at_start": load_average,
        "columns": COLUMNS,
        "metric_notes": (
            "precision / recall / f1: pairwise over same-cluster record pairs (Febrl 4: "
            "cross-file pairs in the same cluster); bcubed_f1: B-cubed F1 over records. "
            "pairs_completeness (resolver): share of true record pairs the run scored (in one "
            "profile, or a profile pair kept at or above the 0.01 floor or inside a candidate "
            "entity). "
            "Real data: test half of entities only (sha1 of the entity key, odd first byte). "
            "peak_mb: peak RSS of the whole benchmark process during the method."
        ),
        "settings": {
            "em_seed": EM_SEED,
            "splink_blocking": SPLINK_BLOCKING,
            "rapidfuzz_scorer": RAPIDFUZZ_SCORER,
            "plain_splink_max_exact_name_pairs": PLAIN_SPLINK_MAX_PAIRS,
        },
        "rows": rows,
        "skipped": skipped,
    }
    path = common.write_result(RESULT_NAME, payload, results_dir=args.results_dir)
    print(f"results: {path}")
    failed = [r for r in rows if str(r.get("status")).startswith("error")]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
