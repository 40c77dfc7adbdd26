"""Speed benchmark: end-to-end dedupe time and peak memory on generated trade parties.

Run from the repository root: ``python -m benchmarks.speed [--sizes 100000,300000,1000000]``.

For each size, party rows are generated with ``resolver.synth`` (``size // 3`` entities,
``size`` mentions, seed 503; generation time is not counted) and written as CSV. Then each
method runs in a fresh Python process (``python -m benchmarks.speed --one METHOD SIZE --data
DIR``), so the peak memory is that run's own:

* ``resolver (default model)``: ``Resolver.load().dedupe(parties.csv)`` then
  ``result.save(tmp)`` (read CSV, features, predict, cluster, write clusters / entities /
  pairs / summary);
* ``plain splink (exact blocking)``: read the CSV with pandas, ``plain_splink_dedupe(records,
  blocking="exact")`` including its training, write the clusters CSV.

``seconds`` is the child's wall time from reading the CSV to the last output written (Python
imports excluded; ``process_s`` is the whole child process, interpreter start included).
``peak_mb`` is the child's peak resident memory (``getrusage`` ``ru_maxrss``, which covers
DuckDB's memory too). Quality (pairwise / B-cubed against the generated truth) is computed
after the clock stops. A run is stopped after ``--timeout`` seconds or when the child's
resident memory passes ``--max-rss-gb`` and is then reported as such, without numbers.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import common

log = logging.getLogger(__name__)

RESULT_NAME = "speed"
SEED = 503
DEFAULT_SIZES = (100_000, 300_000, 1_000_000)
QUICK_SIZES = (5_000, 20_000)
METHODS = {"resolver": "resolver (default model)", "plain": "plain splink (exact blocking)"}
TARGET_ROWS = 1_000_000
TARGET_SECONDS = 90.0
TARGET_PEAK_MB = 3 * 1024.0
COLUMNS = [*common.QUALITY_COLUMNS, "s_per_100k", "ratio_vs_plain", "status"]
REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# child: one measured run


def _emit(report: dict[str, Any], out_json: Path | None) -> dict[str, Any]:
    """Write a child's report as JSON to ``out_json`` (or stdout) and return it."""
    text = json.dumps(report, indent=2, default=str)
    if out_json:
        out_json.write_text(text)
    else:
        print(text)
    return report


def _run_resolver(csv: Path, out: Path) -> dict[str, Any]:
    """Dedupe the CSV with the shipped model and write the outputs; return resolver's summary."""
    from resolver import Resolver

    result = Resolver.load().dedupe(csv)
    result.save(out / "resolver", fmt="csv")
    return {"summary": result.summary, "clusters_csv": str(out / "resolver" / "clusters.csv")}


def _run_plain(csv: Path, out: Path) -> dict[str, Any]:
    """Read the CSV with pandas, dedupe with plain splink (exact blocking), write the clusters."""
    import pandas as pd

    from benchmarks.baselines import plain_splink_dedupe

    records = pd.read_csv(csv, dtype=str, keep_default_na=False)
    records = records.astype(object).where(records != "", None)
    clusters = plain_splink_dedupe(records, blocking="exact")
    records["entity_id"] = records["id"].astype(str).map(clusters)
    target = out / "plain_clusters.csv"
    records.to_csv(target, index=False)
    return {"clusters_csv": str(target)}


def run_features_only(size: int, data: Path, out_json: Path | None) -> dict[str, Any]:
    """Child entry: resolver's read + features stage alone, for its time and blocking counts.

    Used when a full resolver run was stopped, so the comparisons per blocking rule (which
    set the cost of the predict stage) are still measured at that size.
    """
    from resolver.engine import Engine
    from resolver.features import build_features
    from resolver.io.readers import read_records

    t0 = time.perf_counter()
    table = read_records(data / "parties.csv")
    read_s = time.perf_counter() - t0
    engine = Engine()
    features = build_features(table, engine.con)
    report = {
        "records": size,
        "read_s": read_s,
        "features_s": time.perf_counter() - t0 - read_s,
        "profiles": features.profiles.num_rows,
        "peak_mb": common.peak_mb(),
        "blocking": features.blocking,
    }
    return _emit(report, out_json)


def _quality(clusters_csv: Path, truth_csv: Path) -> dict[str, float]:
    """Pairwise and B-cubed metrics of written clusters against the generated truth."""
    import pandas as pd

    from resolver.evaluate import bcubed_metrics, pairwise_metrics

    pred_df = pd.read_csv(clusters_csv, dtype=str, usecols=["id", "entity_id"])
    truth_df = pd.read_csv(truth_csv, dtype=str)
    pred = pd.Series(pred_df["entity_id"].to_numpy(), index=pred_df["id"].to_numpy())
    truth = pd.Series(truth_df["entity_id"].to_numpy(), index=truth_df["id"].to_numpy())
    pw, bc = pairwise_metrics(pred, truth), bcubed_metrics(pred, truth)
    return {
        "precision": pw["precision"],
        "recall": pw["recall"],
        "f1": pw["f1"],
        "bcubed_f1": bc["f1"],
    }


def run_one(method: str, size: int, data: Path, out_json: Path | None) -> dict[str, Any]:
    """Child entry: time one end-to-end dedupe of ``data/parties.csv``; write/print JSON."""
    t_import = time.perf_counter()
    if method == "resolver":
        import resolver  # noqa: F401  (imports are not part of the measured run)
        from resolver import Resolver  # noqa: F401
    else:
        import pandas  # noqa: F401
        import splink  # noqa: F401

        import benchmarks.baselines  # noqa: F401
    import_s = time.perf_counter() - t_import
    csv = data / "parties.csv"
    with tempfile.TemporaryDirectory(prefix=f"resolver-bench-speed-{method}-") as tmp:
        t0 = time.perf_counter()
        info = _run_resolver(csv, Path(tmp)) if method == "resolver" else _run_plain(csv, Path(tmp))
        seconds = time.perf_counter() - t0
        peak = common.peak_mb()
        quality = _quality(Path(info["clusters_csv"]), data / "truth.csv")
    report: dict[str, Any] = {
        "method_key": method,
        "records": size,
        "seconds": seconds,
        "peak_mb": peak,
        "import_s": import_s,
        **quality,
    }
    summary = info.get("summary")
    if summary:
        report["timings"] = summary.get("timings")
        report["blocking"] = summary.get("blocking")
        for key in ("records", "profiles", "entities", "pairs_written"):
            report[f"resolver_{key}"] = summary.get(key)
    return _emit(report, out_json)


# --------------------------------------------------------------------------------------------
# parent: generate, run children, collect


def generate_data(size: int, root: Path, seed: int = SEED) -> Path:
    """Generated parties of ``size`` rows under root (reused when already there).

    Generation runs in a child process so this parent process stays small while it watches
    the measured runs.
    """
    folder = root / f"parties-{size}-seed{seed}"
    if not (folder / "truth.csv").is_file():
        t0 = time.perf_counter()
        code = (
            "import sys; from resolver.synth import generate; "
            "generate(sys.argv[1], n_entities=int(sys.argv[2]), seed=int(sys.argv[3]), "
            "mentions=int(sys.argv[4]))"
        )
        args = [str(folder), str(max(2, size // 3)), str(seed), str(size)]
        subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, check=True)
        print(f"   generated {size:,} rows in {time.perf_counter() - t0:.1f}s", flush=True)
    return folder


def _tree_rss(proc: Any) -> int:
    """Resident memory of a psutil process and its children, in bytes (0 if gone)."""
    import psutil

    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        return 0
    return total


def run_child(
    method: str, size: int, data: Path, timeout: float, max_rss_mb: float
) -> dict[str, Any]:
    """Run one measurement in a fresh process, killing it on timeout or memory overrun."""
    import psutil

    with tempfile.TemporaryDirectory(prefix="resolver-bench-speed-") as tmp:
        out_json = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "benchmarks.speed", "--one", method, str(size)]
        cmd += ["--data", str(data), "--out", str(out_json)]
        log_path = Path(tmp) / "child.log"
        t0 = time.perf_counter()
        with open(log_path, "wb") as log_fh:  # a file, not a pipe: a chatty child cannot block
            child = subprocess.Popen(cmd, cwd=REPO, stdout=log_fh, stderr=subprocess.STDOUT)
        proc = psutil.Process(child.pid)
        sampled_peak, status = 0, "ok"
        while child.poll() is None:
            rss = _tree_rss(proc)
            sampled_peak = max(sampled_peak, rss)
            elapsed = time.perf_counter() - t0
            if elapsed > timeout:
                status = f"stopped: over the {timeout:.0f} s time limit"
            elif rss > max_rss_mb * 2**20:
                status = f"stopped: resident memory over {max_rss_mb:.0f} MB"
            if status != "ok":
                status += f" (resident memory then {rss / 2**20:,.0f} MB)"
                child.kill()
                break
            time.sleep(0.25)
        child.wait()
        process_s = time.perf_counter() - t0
        if status == "ok" and child.returncode < 0:
            sig = signal.Signals(-child.returncode).name
            status = (
                f"killed by {sig} from outside the benchmark after {process_s:.0f} s "
                f"(resident memory then {sampled_peak / 2**20:,.0f} MB)"
            )
        elif status == "ok" and child.returncode != 0:
            tail = log_path.read_text("utf-8", "replace").strip().splitlines()[-5:]
            status = f"error: exit code {child.returncode}: {' | '.join(tail)}"
        report: dict[str, Any] = {}
        if status == "ok":
            report = json.loads(out_json.read_text())
    report.update(
        process_s=process_s,
        sampled_peak_mb=sampled_peak / 2**20,
        status=status,
        command=shlex.join(
            ["python", "-m", "benchmarks.speed", "--one", method, str(size), "--data", "DIR"]
        ),
    )
    if status != "ok":
        report.update(seconds_before_stop=process_s, records=size)
    return report


def build_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table rows with seconds per 100k rows and the resolver / plain time ratio per size."""
    plain = {
        r["records"]: r["seconds"]
        for r in runs
        if r["method_key"] == "plain" and r["status"] == "ok"
    }
    rows = []
    for r in runs:
        row = {k: v for k, v in r.items() if k not in ("s_per_100k", "ratio_vs_plain")}
        row["dataset"] = f"generated trade parties {r['records']:,}"
        row["method"] = METHODS[r["method_key"]]
        if r["status"] == "ok":
            row["s_per_100k"] = r["seconds"] / (r["records"] / 100_000)
            if r["method_key"] == "resolver" and plain.get(r["records"]):
                row["ratio_vs_plain"] = r["seconds"] / plain[r["records"]]
        rows.append(row)
    return rows


def merge_previous(
    runs: list[dict[str, Any]], command: str, results_dir: Path | None
) -> tuple[list[dict[str, Any]], str, list[int]]:
    """Runs of the previous speed.json that these new runs do not replace, plus the new ones."""
    path = (results_dir or common.RESULTS_DIR) / f"{RESULT_NAME}.json"
    if not path.is_file():
        return runs, command, sorted({r["records"] for r in runs})
    old = json.loads(path.read_text(encoding="utf-8"))
    new_keys = {(r["records"], r["method_key"]) for r in runs}
    kept = [r for r in old.get("rows", []) if (r["records"], r["method_key"]) not in new_keys]
    merged = sorted(kept + runs, key=lambda r: (r["records"], list(METHODS).index(r["method_key"])))
    both = f"{old.get('command', 'python -m benchmarks.speed')} && {command}"
    return merged, both, sorted({r["records"] for r in merged})


def largest_blocking(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """resolver's comparisons per blocking rule at the largest size measured.

    From the finished run's summary, or from the features-only probe of a stopped run.
    """
    found = []
    for r in rows:
        if r["method_key"] != "resolver":
            continue
        if r.get("blocking"):
            found.append((r["records"], r["blocking"], "summary.json of the full run"))
        probe = r.get("features_only") or {}
        if probe.get("blocking"):
            found.append(
                (r["records"], probe["blocking"], "features stage alone; the full run was stopped")
            )
    if not found:
        return None
    records, rules, source = max(found, key=lambda f: f[0])
    return {"records": records, "rules": rules, "source": source}


def targets(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The 1M-row targets (< 90 s, < 3 GB) against the measured resolver run, if there is one."""
    run = next(
        (
            r
            for r in rows
            if r["method_key"] == "resolver" and r["records"] == TARGET_ROWS and "seconds" in r
        ),
        None,
    )
    if run is None:
        return None
    return {
        "rows": TARGET_ROWS,
        "target_seconds": TARGET_SECONDS,
        "target_peak_mb": TARGET_PEAK_MB,
        "seconds": run["seconds"],
        "peak_mb": run["peak_mb"],
        "seconds_met": run["seconds"] < TARGET_SECONDS,
        "memory_met": run["peak_mb"] < TARGET_PEAK_MB,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the speed benchmark (or, with --one, a single measured child run)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help="comma-separated row counts")
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES} (CI smoke)")
    parser.add_argument(
        "--methods", default=",".join(METHODS), help="comma-separated: resolver,plain"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument(
        "--max-rss-gb", type=float, default=12.0, help="stop a run whose memory passes this"
    )
    parser.add_argument(
        "--data-root", type=Path, default=None, help="keep / reuse generated data here"
    )
    parser.add_argument("--results-dir", type=Path, default=None, help="default results/")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="replace only these sizes/methods in the existing speed.json (re-run one size)",
    )
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    if args.one:
        method, size = args.one[0], int(args.one[1])
        if method == "features" and args.data is not None:
            run_features_only(size, args.data, args.out)
            return 0
        if method not in METHODS or args.data is None:
            parser.error("--one METHOD SIZE needs METHOD in resolver/plain and --data DIR")
        run_one(method, size, args.data, args.out)
        return 0

    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    else:
        sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bad = [m for m in methods if m not in METHODS]
    if bad:
        parser.error(f"unknown method(s) {bad}; use {list(METHODS)}")

    t0 = time.perf_counter()
    max_rss_mb = args.max_rss_gb * 1024
    load_average = list(os.getloadavg())
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="resolver-bench-data-") as tmp:
        root = args.data_root or Path(tmp)
        for size in sizes:
            print(f"\n== {size:,} rows", flush=True)
            data = generate_data(size, root)
            for method in methods:
                run = run_child(method, size, data, args.timeout, max_rss_mb)
                run.setdefault("method_key", method)
                runs.append(run)
                if run["status"] == "ok":
                    print(
                        f"   {METHODS[method]:32s} {run['seconds']:8.1f}s "
                        f"{run['peak_mb']:8.0f}MB F1={run['f1']:.3f}",
                        flush=True,
                    )
                else:
                    print(f"   {METHODS[method]:32s} {run['status']}", flush=True)
                    if method == "resolver":
                        probe = run_child("features", size, data, args.timeout, max_rss_mb)
                        run["features_only"] = probe
                        if probe["status"] == "ok":
                            print(
                                f"   resolver features stage alone: {probe['features_s']:.1f}s, "
                                f"{probe['profiles']:,} profiles, candidate pairs "
                                f"{sum(b['pairs_upper_bound'] for b in probe['blocking']):,}",
                                flush=True,
                            )

    command = shlex.join(["python", "-m", "benchmarks.speed", *argv])
    if args.merge:
        runs, command, sizes = merge_previous(runs, command, args.results_dir)
    rows = build_rows(runs)
    common.print_table(rows, COLUMNS, title="Dedupe speed (fresh process per run)")
    largest = largest_blocking(rows)
    if largest:
        common.print_table(
            largest["rules"],
            list(largest["rules"][0]),
            title=f"resolver blocking at {largest['records']:,} rows ({largest['source']})",
        )
    payload = {
        "benchmark": RESULT_NAME,
        "title": "Dedupe speed",
        "command": command,
        "quick": args.quick,
        "sizes": sizes,
        "seed": SEED,
        "timeout_s": args.timeout,
        "max_rss_gb": args.max_rss_gb,
        "seconds": time.perf_counter() - t0,
        "columns": COLUMNS,
        "load_average_at_start": load_average,
        "load_average_at_end": list(os.getloadavg()),
        "metric_notes": (
            "seconds: end-to-end dedupe in a fresh process (read CSV to outputs written, "
            "imports excluded); peak_mb: that process's peak RSS; s_per_100k: seconds per "
            "100,000 rows; ratio_vs_plain: resolver seconds / plain splink seconds."
        ),
        "rows": rows,
        "blocking_largest": largest,
        "targets": targets(rows),
    }
    path = common.write_result(RESULT_NAME, payload, results_dir=args.results_dir)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
