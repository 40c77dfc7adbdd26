"""Seed sweep: dedupe quality on generated trade parties over held-out seeds, mean and worst.

Run from the repository root: ``python -m benchmarks.seed_sweep [--quick] [--baseline-src DIR]``.

Seeds 7001-7010 are HELD OUT: they were never used to tune resolver and must not be; tune on
other seeds (the model is trained on seed 2026, dedupe_quality reports 501 / 502). For each
seed, ``resolver.synth.generate(dir, n_entities=rows // 3, seed=seed, mentions=rows)`` writes
``rows`` party mentions (10,000 by default) with their truth; every row is deduplicated by

* ``resolver (this commit)``: ``Resolver.load().dedupe(records)``, the shipped model;
* ``rapidfuzz token_sort + blocking``: :func:`benchmarks.baselines.rapidfuzz_dedupe`
  (token blocking, ``token_sort_ratio`` >= 0.85, connected components);
* with ``--baseline-src DIR`` (another checkout, e.g. ``git archive main | tar -x -C DIR``):
  the same resolver rows run in a subprocess with that checkout's resolver and shipped model
  on the same generated files, so previous and current figures sit side by side.

Reported: pairwise precision / recall / F1 and B-cubed F1 per seed, and per method the mean
over seeds and the worst seed (issue 14's target: worst pairwise F1 >= 0.93). ``seconds`` is
the wall time of one dedupe (model load included); ``peak_mb`` is the peak RSS of the whole
benchmark process during it (see :func:`benchmarks.common.measure`; the baseline's is its own
process's). Only the public API is used (``Resolver``, ``synth.generate``, ``evaluate``), so
the benchmark runs unchanged on any checkout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.dedupe_quality import (
    Loaded,
    pairs_completeness,
    rapidfuzz,
    read_generated,
    resolver_default,
    score,
)

log = logging.getLogger(__name__)

RESULT_NAME = "seed_sweep"
SEEDS = tuple(range(7001, 7011))  # held out: never tune on these
ROWS = 10_000
QUICK_SEEDS = (7001, 7002)
QUICK_ROWS = 2_000
TARGET_WORST_F1 = 0.93
THIS = "resolver (this commit)"
RAPIDFUZZ = "rapidfuzz token_sort + blocking"
SEED_COLUMNS = [
    "seed",
    *common.QUALITY_COLUMNS[1:6],
    "pairs_completeness",
    *common.QUALITY_COLUMNS[6:],
]
SUMMARY_COLUMNS = [
    "method",
    "seeds",
    "mean_precision",
    "mean_recall",
    "mean_f1",
    "worst_f1",
    "worst_seed",
    "mean_bcubed_f1",
    "worst_bcubed_f1",
    "mean_pairs_completeness",
    "worst_pairs_completeness",
    "mean_seconds",
    "max_peak_mb",
    "meets_target",
]


def run_seed(folder: Path, seed: int, methods: dict[str, Any]) -> list[dict[str, Any]]:
    """Dedupe one generated folder with each method; one scored row per method."""
    records, truth = read_generated(folder)
    loaded = Loaded(records, truth, f"all rows (generated, seed {seed})")
    rows = []
    for method, runner in methods.items():
        rss_before = (common._rss_bytes() or 0) / 2**20
        details: dict[str, Any] = {}
        clusters, seconds, peak = common.measure(runner, loaded, details)
        metrics = score(loaded, clusters)
        result = details.pop("result", None)  # resolver's run: the pairs it scored
        metrics["pairs_completeness"] = (
            None if result is None else pairs_completeness(result, loaded.truth)
        )
        del result
        rows.append(
            {
                "seed": seed,
                "method": method,
                "records": len(records),
                "entities": int(truth.nunique()),
                **metrics,
                "seconds": seconds,
                "peak_mb": peak,
                "rss_before_mb": rss_before,
            }
        )
        print(
            f"   seed {seed} {method:34s} P={metrics['precision']:.3f} "
            f"R={metrics['recall']:.3f} F1={metrics['f1']:.3f} B3={metrics['bcubed_f1']:.3f} "
            f"{seconds:6.1f}s {peak:6.0f}MB",
            flush=True,
        )
    return rows


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per method (in order of first appearance): means over seeds and the worst seed."""
    out = []
    for method in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == method]
        worst = min(mine, key=lambda r: (r["f1"], r["seed"]))
        out.append(
            {
                "method": method,
                "seeds": len(mine),
                "mean_precision": statistics.fmean(r["precision"] for r in mine),
                "mean_recall": statistics.fmean(r["recall"] for r in mine),
                "mean_f1": statistics.fmean(r["f1"] for r in mine),
                "worst_f1": worst["f1"],
                "worst_seed": worst["seed"],
                "mean_bcubed_f1": statistics.fmean(r["bcubed_f1"] for r in mine),
                "worst_bcubed_f1": min(r["bcubed_f1"] for r in mine),
                "mean_pairs_completeness": _mean_or_none(r["pairs_completeness"] for r in mine),
                "worst_pairs_completeness": _min_or_none(r["pairs_completeness"] for r in mine),
                "mean_seconds": statistics.fmean(r["seconds"] for r in mine),
                "max_peak_mb": max(r["peak_mb"] for r in mine),
                "meets_target": worst["f1"] >= TARGET_WORST_F1,
            }
        )
    return out


def _mean_or_none(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def _min_or_none(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return min(known) if known else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sweep, print the tables and write results/seed_sweep.json."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_seed_options(parser, SEEDS, ROWS, QUICK_SEEDS, QUICK_ROWS)
    parser.add_argument("--method", default=THIS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    seeds = args.seeds or list(QUICK_SEEDS if args.quick else SEEDS)
    rows_per_seed = args.rows or (QUICK_ROWS if args.quick else ROWS)
    if rows_per_seed < 2:
        parser.error("--rows must be at least 2")
    if args.rows_only is not None and args.data_root is None:
        parser.error("--rows-only needs --data-root (the parent's generated files)")

    if args.rows_only is not None:  # the baseline subprocess: resolver rows on given data
        import resolver

        rows = []
        for seed in seeds:
            folder = common.generated_parties(args.data_root, rows_per_seed, seed)
            rows += run_seed(folder, seed, {args.method: resolver_default})
        payload = {"rows": rows, "resolver_file": resolver.__file__}
        args.rows_only.write_text(json.dumps(payload), encoding="utf-8")
        return 0

    import rapidfuzz as _rapidfuzz  # noqa: F401  (imported up front: not in any wall time)

    import resolver

    t0 = time.perf_counter()
    load_average = list(os.getloadavg())
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="resolver-bench-seeds-") as tmp:
        root = args.data_root or Path(tmp)
        for seed in seeds:
            folder = common.generated_parties(root, rows_per_seed, seed)
            print(f"\n== seed {seed}: {rows_per_seed:,} rows ({folder})", flush=True)
            rows += run_seed(folder, seed, {THIS: resolver_default, RAPIDFUZZ: rapidfuzz})
        baseline: dict[str, Any] | None = None
        if args.baseline_src is not None:
            print(f"\n== {args.baseline_label} ({args.baseline_src})", flush=True)
            child_args = ["--seeds", ",".join(map(str, seeds)), "--rows", str(rows_per_seed)]
            child_args += ["--data-root", str(root), "--method", args.baseline_label]
            baseline = common.run_with_checkout(RESULT_NAME, args.baseline_src, child_args)
            rows += baseline["rows"]
    order = {THIS: 0, args.baseline_label: 1, RAPIDFUZZ: 2}
    rows.sort(key=lambda r: (r["seed"], order[r["method"]]))
    summary = summarise(rows)
    common.print_table(rows, SEED_COLUMNS, title="Seed sweep: per seed")
    common.print_table(summary, SUMMARY_COLUMNS, title="Seed sweep: mean and worst over seeds")
    payload = {
        "benchmark": RESULT_NAME,
        "title": "Seed sweep (generated trade parties, held-out seeds)",
        "command": shlex.join(["python", "-m", f"benchmarks.{RESULT_NAME}", *argv]),
        "quick": args.quick,
        "seconds": time.perf_counter() - t0,
        "load_average_at_start": load_average,
        "seeds": seeds,
        "rows_per_seed": rows_per_seed,
        "target_worst_f1": TARGET_WORST_F1,
        "columns": SUMMARY_COLUMNS,
        "metric_notes": (
            f"Seeds {', '.join(map(str, seeds))} are held out (never used for tuning), "
            f"{rows_per_seed:,} rows of {rows_per_seed // 3:,} entities each. Pairwise "
            "precision / recall / F1 over same-cluster record pairs and B-cubed F1, averaged "
            "over seeds; worst = the seed with the lowest pairwise F1. meets_target: worst "
            f"pairwise F1 >= {TARGET_WORST_F1} (issue 14). seconds: one dedupe including the "
            "model load; peak_mb: peak RSS of the process running it."
        ),
        "rows": summary,
        "per_seed": {"what": "every seed and method", "columns": SEED_COLUMNS, "rows": rows},
        "resolver_file": resolver.__file__,
    }
    if baseline is not None:
        payload["baseline_src"] = str(args.baseline_src)
        payload["baseline_resolver_file"] = baseline["resolver_file"]
    path = common.write_result(RESULT_NAME, payload, results_dir=args.results_dir)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
