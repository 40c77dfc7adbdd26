"""Spark benchmark: dedupe on Spark (local[2]) next to DuckDB on the same generated rows.

Run from the repository root: ``python -m benchmarks.spark [--sizes 100000,1000000]``.

For each size, party rows are generated with ``resolver.synth`` as in ``benchmarks.speed``
(``size // 3`` entities, seed 503, the same files). Each method runs in a fresh Python process
(``python -m benchmarks.spark --one METHOD SIZE --data DIR``) on the shipped model:

* ``duckdb``: ``Resolver.load().dedupe(parties.csv)``, then ``save`` (CSV outputs);
* ``spark``: ``Resolver.load(backend="spark", spark_conf={"spark.master": "local[2]"})``, the
  same dedupe with every step on Spark, then ``save`` (Parquet part folders plus the CSVs).

``seconds`` is the child's wall time from the dedupe call to the last output written (the
Spark session's start is timed apart, ``session_s``). ``driver_peak_mb`` is the peak resident
memory of the Python driver process (``getrusage``); ``tree_peak_mb`` is sampled every 0.25 s
over the child's whole process tree, which on a local master holds Spark's JVM (driver and
executors in one process) and its Python workers. ``stage_share`` is each stage's share of
the run's time from ``summary.json`` ``timings``. F1 is pairwise against the generated truth.

``--on-the-fly SIZE`` runs the simulated larger run: rows generated on Spark's executors
(one ``resolver.synth`` call per partition, ``ROWS_PER_TASK`` rows each, into the task's own
temp folder) as a Spark DataFrame that no driver file holds, deduplicated on Spark. The child
logs each stage with its time, so a run stopped at ``--timeout`` still says how far it got.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.speed import SEED, _quality, _tree_rss, generate_data

log = logging.getLogger(__name__)

RESULT_NAME = "spark"
DEFAULT_SIZES = (100_000, 1_000_000)
METHODS = ("duckdb", "spark")
MASTER = "local[2]"
ROWS_PER_TASK = 50_000  # rows one executor task generates for the on-the-fly run
STAGES = ("read", "features", "predict", "cluster", "outputs", "write")
COLUMNS = [
    "records",
    "method",
    "status",
    "seconds",
    "session_s",
    "driver_peak_mb",
    "tree_peak_mb",
    "f1",
    "f1_minus_duckdb",
    "precision",
    "recall",
    "stages",
    "load_average",
]


# --------------------------------------------------------------------------------------------
# child: one measured run


def _stage_shares(timings: dict[str, float]) -> dict[str, float]:
    """Each stage's share of the summed stage times (``*_s`` keys but ``total_s``)."""
    stages = {k.removesuffix("_s"): v for k, v in timings.items() if k != "total_s"}
    total = sum(stages.values()) or 1.0
    return {k: round(v / total, 3) for k, v in stages.items()}


def _stamper(stages_log: Path) -> Callable[[str], None]:
    """A progress callback appending (seconds since now, stage) lines to ``stages_log``: how
    far a run got, readable after it was stopped."""
    t_start = time.perf_counter()

    def stamp(stage: str) -> None:
        with open(stages_log, "a", encoding="utf-8") as fh:
            fh.write(f"{time.perf_counter() - t_start:.1f} {stage}\n")

    return stamp


def _spark_resolver(stamp: Any) -> tuple[Any, float]:
    """The shipped model on Spark with a local[2] session; (resolver, session start seconds)."""
    from resolver import Resolver

    t0 = time.perf_counter()
    resolver = Resolver.load(backend="spark", spark_conf={"spark.master": MASTER})
    resolver.engine.spark_session()
    stamp("session")
    return resolver, time.perf_counter() - t0


def run_one(method: str, size: int, data: Path, out_json: Path, stages_log: Path) -> None:
    """Child entry: one dedupe of ``data/parties.csv`` on ``method``; writes a JSON report."""
    from resolver import Resolver

    stamp = _stamper(stages_log)
    session_s = None
    if method == "spark":
        resolver, session_s = _spark_resolver(stamp)
    else:
        resolver = Resolver.load()
    csv = data / "parties.csv"
    with tempfile.TemporaryDirectory(prefix=f"resolver-bench-spark-{method}-") as tmp:
        t0 = time.perf_counter()
        result = resolver.dedupe(csv, progress=stamp)
        stamp("writing")
        result.save(Path(tmp) / "out", fmt="csv")
        seconds = time.perf_counter() - t0
        stamp("done")
        peak = common.peak_mb()
        quality = _quality(Path(tmp) / "out" / "clusters.csv", data / "truth.csv")
    summary = result.summary
    report = {
        "method": method,
        "records": size,
        "seconds": seconds,
        "session_s": session_s,
        "driver_peak_mb": peak,
        **quality,
        "timings": summary["timings"],
        "stage_share": _stage_shares(summary["timings"]),
        "profiles": summary["profiles"],
        "entities": summary["entities"],
        "pairs_written": summary["pairs_written"],
        "prior_method": summary.get("prior_method"),
        "spark": summary.get("spark"),
    }
    out_json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


def _generated_partition(rows_per_task: int, seed: int):
    """mapInArrow function: task numbers -> that task's generated party rows (its own seed,
    entity ids prefixed with the task number so entities never span tasks)."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        from resolver.synth import generate

        for batch in batches:
            for task in batch.column(0).to_pylist():
                with tempfile.TemporaryDirectory(prefix="resolver-bench-gen-") as tmp:
                    generate(
                        tmp,
                        n_entities=max(2, rows_per_task // 3),
                        seed=seed * 100_003 + task,
                        mentions=rows_per_task,
                    )
                    options = pacsv.ConvertOptions(
                        column_types={c: pa.string() for c in ("id", "name", "country")}
                    )
                    parties = pacsv.read_csv(f"{tmp}/parties.csv", convert_options=options)
                    cols = ["id", "name", "country", "city", "address", "postcode", "tax_id"]
                    parties = parties.select([c for c in cols if c in parties.column_names])
                    parties = parties.cast(
                        pa.schema([(c, pa.string()) for c in parties.column_names])
                    )
                    ids = [f"t{task}-{i}" for i in parties.column("id").to_pylist()]
                    parties = parties.set_column(0, "id", pa.array(ids, pa.string()))
                    yield from parties.to_batches()

    return run


def run_on_the_fly(size: int, rows_per_task: int, out_json: Path, stages_log: Path) -> None:
    """Child entry: ``size`` rows generated on Spark's executors, deduplicated on Spark."""
    stamp = _stamper(stages_log)
    resolver, session_s = _spark_resolver(stamp)
    session = resolver.engine.spark_session()
    tasks = max(1, -(-size // rows_per_task))
    schema = ", ".join(
        f"{c} string" for c in ("id", "name", "country", "city", "address", "postcode", "tax_id")
    )
    frame = (
        session.range(tasks, numPartitions=tasks)
        .mapInArrow(_generated_partition(rows_per_task, SEED), schema)
        .limit(size)
    )
    with tempfile.TemporaryDirectory(prefix="resolver-bench-spark-fly-") as tmp:
        t0 = time.perf_counter()
        result = resolver.dedupe(frame, progress=stamp)
        stamp("writing")
        result.save(Path(tmp) / "out", fmt="parquet")
        seconds = time.perf_counter() - t0
        stamp("done")
    summary = result.summary
    report = {
        "method": "spark (rows generated on the executors)",
        "records": summary["records"],
        "seconds": seconds,
        "session_s": session_s,
        "driver_peak_mb": common.peak_mb(),
        "timings": summary["timings"],
        "stage_share": _stage_shares(summary["timings"]),
        "profiles": summary["profiles"],
        "entities": summary["entities"],
        "pairs_written": summary["pairs_written"],
        "spark": summary.get("spark"),
    }
    out_json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# parent: generate, run children, collect


def run_child(args: list[str], timeout: float) -> dict[str, Any]:
    """One measurement in a fresh process; stopped after ``timeout`` seconds (then reported
    with the stages it reached)."""
    import psutil

    with tempfile.TemporaryDirectory(prefix="resolver-bench-spark-") as tmp:
        out_json, stages_log = Path(tmp) / "result.json", Path(tmp) / "stages.log"
        cmd = [sys.executable, "-m", "benchmarks.spark", *args]
        cmd += ["--out", str(out_json), "--stages-log", str(stages_log)]
        log_path = Path(tmp) / "child.log"
        t0 = time.perf_counter()
        with open(log_path, "wb") as log_fh:  # a file, not a pipe: a chatty child cannot block
            child = subprocess.Popen(cmd, cwd=common.REPO, stdout=log_fh, stderr=subprocess.STDOUT)
        proc = psutil.Process(child.pid)
        tree_peak, status, loads = 0, "ok", []
        while child.poll() is None:
            tree_peak = max(tree_peak, _tree_rss(proc))
            loads.append(os.getloadavg()[0])
            if time.perf_counter() - t0 > timeout:
                status = f"stopped: over the {timeout:.0f} s time limit"
                for p in [*proc.children(recursive=True), proc]:  # the JVM and its workers too
                    try:
                        p.kill()
                    except psutil.Error:
                        pass
                break
            time.sleep(0.25)
        child.wait()
        process_s = time.perf_counter() - t0
        if status == "ok" and child.returncode != 0:
            tail = log_path.read_text("utf-8", "replace").strip().splitlines()[-5:]
            status = f"error: exit code {child.returncode}: {' | '.join(tail)}"
        report: dict[str, Any] = json.loads(out_json.read_text()) if status == "ok" else {}
        stages = stages_log.read_text("utf-8").split("\n") if stages_log.is_file() else []
    report.update(
        status=status,
        process_s=round(process_s, 1),
        tree_peak_mb=tree_peak / 2**20,
        load_average=round(sum(loads) / len(loads), 2) if loads else None,
        stages_reached=[s for s in stages if s],
        command=shlex.join(
            ["python", "-m", "benchmarks.spark", *("DIR" if a.startswith("/") else a for a in args)]
        ),
    )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the Spark benchmark (or, with --one / --fly-child, a single measured child run)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--on-the-fly", type=int, default=None, metavar="ROWS")
    parser.add_argument("--rows-per-task", type=int, default=ROWS_PER_TASK)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")
    parser.add_argument("--data-root", type=Path, default=None, help="keep / reuse data here")
    parser.add_argument("--results-dir", type=Path, default=None, help="default results/")
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--fly-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stages-log", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.one:
        run_one(args.one[0], int(args.one[1]), args.data, args.out, args.stages_log)
        return 0
    if args.fly_child:
        run_on_the_fly(args.fly_child, args.rows_per_task, args.out, args.stages_log)
        return 0

    t0 = time.perf_counter()
    runs: list[dict[str, Any]] = []
    if args.on_the_fly:
        command = (
            f"python -m benchmarks.spark --on-the-fly {args.on_the_fly} "
            f"--rows-per-task {args.rows_per_task}"
        )
        print(f"-- {args.on_the_fly:,} rows generated on Spark's executors", flush=True)
        child = ["--fly-child", str(args.on_the_fly), "--rows-per-task", str(args.rows_per_task)]
        run = run_child(child, args.timeout)
        run.setdefault("records", args.on_the_fly)
        run.setdefault("method", "spark (rows generated on the executors)")
        runs.append(run)
        name = f"{RESULT_NAME}_on_the_fly"
    else:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
        methods = [m for m in args.methods.split(",") if m]
        command = f"python -m benchmarks.spark --sizes {args.sizes} --methods {args.methods}"
        with tempfile.TemporaryDirectory(prefix="resolver-bench-spark-data-") as scratch:
            root = args.data_root or Path(scratch)
            for size in sizes:
                data = generate_data(size, root, SEED)
                for method in methods:
                    print(f"-- {size:,} rows on {method}", flush=True)
                    run = run_child(["--one", method, str(size), "--data", str(data)], args.timeout)
                    run.setdefault("records", size)
                    run.setdefault("method", method)
                    runs.append(run)
                    print(f"   {run['status']} {run.get('seconds', 0):.0f} s", flush=True)
        name = RESULT_NAME
    duck = {r["records"]: r["f1"] for r in runs if r["method"] == "duckdb" and "f1" in r}
    for r in runs:
        if "f1" in r and r["records"] in duck:
            r["f1_minus_duckdb"] = r["f1"] - duck[r["records"]]
    for r in runs:
        shares = r.get("stage_share") or {}
        r["stages"] = " ".join(f"{k} {v:.0%}" for k, v in shares.items())
    common.print_table(runs, COLUMNS, title="resolver on Spark (local[2]) and DuckDB")
    payload = {
        "command": command,
        "master": MASTER,
        "seed": SEED,
        "elapsed_s": time.perf_counter() - t0,
        "rows": runs,
    }
    common.write_result(name, payload, results_dir=args.results_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
