"""Incremental resolution benchmark: a batch joining a state, side by side with the full re-run.

Run from the repository root: ``python -m benchmarks.incremental [--rows 1000000]
[--batch 10000] [--data-root DIR] [--quick] [--skip-real]``.

1. Speed (generated trade parties, ``resolver.synth`` seed 503 as ``benchmarks.speed``):
   ``rows + batch`` rows are generated; ``batch`` rows drawn at random (seed 7) form the new
   batch, the others the state. Each step runs in a fresh process (its peak memory is its
   own): the first run into a state folder, the batch into it (the target: < 20 s and
   < 3 GB at 1M + 10k), the full re-run of all rows, and a full run with the parameters the
   state fitted on its first run (u adapted to the data, tax id m measured on pairs).
2. Equivalence: the batch's partition against both full runs: records whose entity (its set
   of records) differs, before and after applying ``proposed_splits.csv`` (the entities a
   batch keeps whole where the clustering would split them), and pairwise precision / recall
   of the incremental partition taking the full run as truth.
3. The same equivalence on generated data of 50k rows joined in 5 batches (seed 504), and on
   the test halves of real labelled data (PatentsView distinct names, OFAC organisations):
   80% of the records (by sha1 of the id) first, the other 20% as a batch.

Every step prints one line; the tables and ``benchmarks/results/incremental.json`` hold the
figures with the load average of the machine at start and end (it is shared: timings are
noisy).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import common

log = logging.getLogger(__name__)

RESULT_NAME = "incremental"
SEED = 503
BATCH_SEED = 7
TARGET_SECONDS = 20.0
TARGET_PEAK_MB = 3 * 1024.0
REPO = Path(__file__).resolve().parents[1]
STEPS = ("first", "batch", "full", "fixed")


# --------------------------------------------------------------------------------------------
# partitions


def read_partition(folder: Path, proposed: bool = False) -> dict[str, str]:
    """id -> entity of a dedupe output folder; with ``proposed``, the parts of the entities a
    batch kept whole as separate entities."""
    import pandas as pd

    clusters = pd.read_csv(folder / "clusters.csv", dtype=str, usecols=["id", "entity_id"])
    out = dict(zip(clusters["id"], clusters["entity_id"], strict=True))
    if proposed and (folder / "proposed_splits.csv").is_file():
        parts = pd.read_csv(folder / "proposed_splits.csv", dtype=str)
        labels = parts["entity_id"] + "/" + parts["proposed_part"]
        out.update(zip(parts["id"], labels, strict=True))
    return out


def compare(incremental: dict[str, str], full: dict[str, str]) -> dict[str, Any]:
    """Records whose entity differs, and pairwise precision / recall of ``incremental``
    taking ``full`` as the truth."""
    import pandas as pd

    from resolver.evaluate import pairwise_metrics

    def members(part: dict[str, str]) -> dict[str, frozenset]:
        groups: dict[str, set] = {}
        for record, entity in part.items():
            groups.setdefault(entity, set()).add(record)
        frozen = {e: frozenset(g) for e, g in groups.items()}
        return {record: frozen[entity] for record, entity in part.items()}

    a, b = members(incremental), members(full)
    # records whose (incremental, full) entities differ; each pair of entities is compared once
    # (a large entity would otherwise be compared once per record)
    pairs_of = {}
    for r in a:
        key = (incremental[r], full.get(r))
        pairs_of.setdefault(key, []).append(r)
    differ, examples = [], []
    for records in sorted(pairs_of.values(), key=min):
        group_a, group_b = a[records[0]], b.get(records[0])
        if group_a == group_b:
            continue
        differ += records
        if len(examples) < 5:
            examples.append((sorted(group_a)[:6], sorted(group_b or ())[:6]))
    pw = pairwise_metrics(pd.Series(incremental), pd.Series(full))
    return {
        "records": len(a),
        "differing_records": len(differ),
        "differing_share": len(differ) / max(len(a), 1),
        "pairwise_precision": pw["precision"],
        "pairwise_recall": pw["recall"],
        "examples": [{"incremental": x, "full": y} for x, y in examples],
    }


def truth_f1(partition: dict[str, str], truth: dict[str, str]) -> float:
    import pandas as pd

    from resolver.evaluate import pairwise_metrics

    return pairwise_metrics(pd.Series(partition), pd.Series(truth))["f1"]


# --------------------------------------------------------------------------------------------
# child: one measured step


def run_step(step: str, work: Path, out_json: Path) -> None:
    """Child entry: time one step on ``work`` (base.csv, batch.csv, all.csv, state/)."""
    from resolver import Resolver
    from resolver.dedupe import dedupe
    from resolver.engine import Engine
    from resolver.io.readers import read_records
    from resolver.model.params import ModelParams

    t0 = time.perf_counter()
    summary: dict[str, Any] = {}
    if step == "first":
        summary = Resolver.load().update(work / "state", work / "base.csv").summary
    elif step == "batch":
        summary = Resolver.load().update(work / "state", work / "batch.csv").summary
    elif step == "full":
        result = Resolver.load().dedupe(work / "all.csv")
        result.save(work / "full", overwrite=True)
        summary = result.summary
    else:  # a full run with the state's fitted parameters (after its first run)
        params = ModelParams.load(work / "first-model.json")
        result = dedupe(read_records(work / "all.csv"), params, Engine(), adapt=False)
        result.save(work / "fixed", overwrite=True)
        summary = result.summary
    report = {
        "step": step,
        "seconds": time.perf_counter() - t0,
        "peak_mb": common.peak_mb(),
        "timings": summary.get("timings"),
        "incremental": summary.get("incremental"),
        "entities": summary.get("entities"),
    }
    out_json.write_text(json.dumps(report, indent=2, default=str))


def child(step: str, work: Path) -> dict[str, Any]:
    """Run one step in a fresh process; its report, with the load average around it."""
    out_json = work / f"{step}.json"
    if out_json.is_file():  # --resume: a step an interrupted run finished
        report = json.loads(out_json.read_text())
        report.update(status="ok (read from an interrupted run; load average not recorded)")
        return report
    cmd = [sys.executable, "-m", "benchmarks.incremental", "--step", step, "--work", str(work)]
    load_before = os.getloadavg()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return {"step": step, "status": f"error: exit {done.returncode}: {tail}"}
    report = json.loads(out_json.read_text())
    report.update(status="ok", load_before=load_before, load_after=os.getloadavg())
    return report


# --------------------------------------------------------------------------------------------
# scenarios


def speed_scenario(rows: int, batch: int, root: Path, work: Path) -> dict[str, Any]:
    """1M-scale speed: first run, batch, full re-run, full run with the state's parameters."""
    import numpy as np
    import pandas as pd

    from benchmarks.speed import generate_data

    data = generate_data(rows + batch, root, seed=SEED)
    records = pd.read_csv(data / "parties.csv", dtype=str, keep_default_na=False)
    chosen = np.zeros(len(records), dtype=bool)
    chosen[np.random.default_rng(BATCH_SEED).choice(len(records), batch, replace=False)] = True
    records[~chosen].to_csv(work / "base.csv", index=False)
    records[chosen].to_csv(work / "batch.csv", index=False)
    records.to_csv(work / "all.csv", index=False)
    truth = pd.read_csv(data / "truth.csv", dtype=str)
    truth = dict(zip(truth["id"], truth["entity_id"], strict=True))
    runs = {}
    for step in STEPS:
        if step == "batch":  # the state's fitted model, for the "fixed" full run
            (work / "first-model.json").write_bytes(
                (work / "state" / "state-model.json").read_bytes()
            )
        runs[step] = child(step, work)
        run = runs[step]
        shown = (
            f"{run['seconds']:7.1f} s {run['peak_mb']:7.0f} MB"
            if run["status"].startswith("ok")
            else run["status"]
        )
        print(f"   {step:6s} {shown}", flush=True)
    incremental = read_partition(work / "state")
    applied = read_partition(work / "state", proposed=True)
    out: dict[str, Any] = {"rows": rows, "batch": batch, "runs": runs}
    for name in ("full", "fixed"):
        if runs[name]["status"].startswith("ok"):
            full = read_partition(work / name)
            out[f"vs_{name}"] = compare(incremental, full)
            out[f"vs_{name}_after_proposed_splits"] = compare(applied, full)
            out[f"truth_f1_{name}"] = truth_f1(full, truth)
    out["truth_f1_incremental"] = truth_f1(incremental, truth)
    out["truth_f1_incremental_after_proposed_splits"] = truth_f1(applied, truth)
    return out


def batches_scenario(
    name: str, records, truth: dict[str, str], chunks: list, work: Path
) -> dict[str, Any]:
    """Equivalence after joining ``chunks`` (lists of row positions) one after the other."""
    from resolver import Resolver
    from resolver.dedupe import dedupe
    from resolver.io.readers import read_records
    from resolver.model.params import ModelParams

    resolver = Resolver.load()
    state = work / f"state-{name}"
    t0 = time.perf_counter()
    summaries = []
    for chunk in chunks:
        summaries.append(resolver.update(state, records.iloc[chunk]).summary)
    seconds = time.perf_counter() - t0
    table = read_records(records)
    full = resolver.dedupe(table)
    params = ModelParams.load(state / "state-model.json")
    fixed = dedupe(table, params, resolver.engine, adapt=False)

    def partition(result) -> dict[str, str]:
        ids = result.clusters.column("id").to_pylist()
        return dict(zip(ids, result.clusters.column("entity_id").to_pylist(), strict=True))

    incremental = read_partition(state)
    applied = read_partition(state, proposed=True)
    inc = [s.get("incremental", {}) for s in summaries]
    return {
        "data set": name,
        "records": len(records),
        "batches": len(chunks),
        "seconds_all_batches": seconds,
        "split_proposals": sum(s.get("split_proposals", 0) for s in inc),
        "merges": sum(s.get("merges", 0) for s in inc),
        "old_pairs_rescored": sum(s.get("old_pairs_rescored", 0) for s in inc),
        "vs_full": compare(incremental, partition(full)),
        "vs_fixed": compare(incremental, partition(fixed)),
        "vs_fixed_after_proposed_splits": compare(applied, partition(fixed)),
        "truth_f1_incremental": truth_f1(incremental, truth),
        "truth_f1_full": truth_f1(partition(full), truth),
        "truth_f1_fixed": truth_f1(partition(fixed), truth),
    }


def generated_batches(work: Path, rows: int = 50_000, k: int = 5) -> dict[str, Any]:
    import pandas as pd

    from benchmarks.speed import generate_data

    data = generate_data(rows, work, seed=504)
    records = pd.read_csv(data / "parties.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(data / "truth.csv", dtype=str)
    chunks = [list(range(i * rows // k, (i + 1) * rows // k)) for i in range(k)]
    name = f"generated {rows:,} in {k} batches"
    truth_of = dict(zip(truth["id"], truth["entity_id"], strict=True))
    return batches_scenario(name, records, truth_of, chunks, work)


def real_batches(work: Path) -> list[dict[str, Any]]:
    """80% then 20% of the test halves of real labelled data (skipped when absent)."""
    from benchmarks import datasets
    from benchmarks.dedupe_quality import test_half

    out = []
    loaders = {
        "PatentsView distinct names (test half)": lambda: datasets.patentsview("distinct"),
        "OFAC organisations + addresses (test half)": lambda: datasets.ofac_alias_records(
            with_address=True
        ),
    }
    for name, load in loaders.items():
        try:
            records, truth = load()
        except datasets.DataUnavailable as exc:
            print(f"   {name}: skipped ({exc})", flush=True)
            continue
        records, truth = test_half(records, truth)
        late = [hashlib.sha1(i.encode()).digest()[0] < 52 for i in records["id"].astype(str)]
        chunks = [
            [i for i, x in enumerate(late) if not x],
            [i for i, x in enumerate(late) if x],
        ]
        row = batches_scenario(name, records, truth.to_dict(), chunks, work)
        out.append(row)
        print(f"   {name}: {row['vs_fixed']['differing_records']} records differ", flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="records of the state")
    parser.add_argument("--batch", type=int, default=10_000, help="records of the batch")
    parser.add_argument("--quick", action="store_true", help="3k + 300, no real data (smoke run)")
    parser.add_argument("--skip-real", action="store_true", help="skip the real data sets")
    parser.add_argument("--data-root", type=Path, default=None, help="keep generated data here")
    parser.add_argument("--results-dir", type=Path, default=None, help="default results/")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--resume",
        type=Path,
        default=None,
        help="work folder of an interrupted run: its finished steps are read, not run again",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.step:
        run_step(args.step, args.work, args.work / f"{args.step}.json")
        return 0
    rows, batch = (3_000, 300) if args.quick else (args.rows, args.batch)
    load_start = list(os.getloadavg())
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="resolver-bench-incremental-") as tmp:
        work = args.resume or Path(tmp)
        root = args.data_root or work
        print(f"\n== speed: {batch:,} records into a state of {rows:,}", flush=True)
        speed = speed_scenario(rows, batch, root, work)
        print("\n== equivalence over batches", flush=True)
        equivalence = [generated_batches(work, 2_000 if args.quick else 50_000)]
        if not (args.quick or args.skip_real):
            equivalence += real_batches(work)
    runs = speed["runs"]
    speed_rows = [
        {
            "step": step,
            "records": {"first": rows, "batch": batch, "full": rows + batch, "fixed": rows + batch}[
                step
            ],
            "seconds": runs[step].get("seconds"),
            "peak_mb": runs[step].get("peak_mb"),
            "entities": runs[step].get("entities"),
            "load_before": runs[step].get("load_before", [None])[0],
            "status": runs[step]["status"],
        }
        for step in STEPS
    ]
    common.print_table(
        speed_rows, list(speed_rows[0]), title="Incremental vs full (fresh process each)"
    )
    eq_rows = []
    for label, cmp_key in (
        ("batch vs full re-run", "vs_full"),
        ("batch vs full run, state's parameters", "vs_fixed"),
        ("  after proposed splits", "vs_fixed_after_proposed_splits"),
    ):
        if cmp_key in speed:
            c = speed[cmp_key]
            eq_rows.append(
                {
                    "data set": f"generated {rows:,} + {batch:,}",
                    "comparison": label,
                    **{
                        k: c[k]
                        for k in ("differing_records", "pairwise_precision", "pairwise_recall")
                    },
                }
            )
    for row in equivalence:
        for label, cmp_key in (
            ("batches vs full re-run", "vs_full"),
            ("batches vs full run, state's parameters", "vs_fixed"),
            ("  after proposed splits", "vs_fixed_after_proposed_splits"),
        ):
            c = row[cmp_key]
            eq_rows.append(
                {
                    "data set": row["data set"],
                    "comparison": label,
                    **{
                        k: c[k]
                        for k in ("differing_records", "pairwise_precision", "pairwise_recall")
                    },
                }
            )
    common.print_table(eq_rows, list(eq_rows[0]), title="Equivalence (full run as the truth)")
    batch_run = runs["batch"]
    payload = {
        "benchmark": RESULT_NAME,
        "title": "Incremental resolution",
        "command": shlex.join(["python", "-m", "benchmarks.incremental", *argv]),
        "seconds": time.perf_counter() - t0,
        "load_average_at_start": load_start,
        "load_average_at_end": list(os.getloadavg()),
        "targets": {
            "rows": rows,
            "batch": batch,
            "target_seconds": TARGET_SECONDS,
            "target_peak_mb": TARGET_PEAK_MB,
            "seconds": batch_run.get("seconds"),
            "peak_mb": batch_run.get("peak_mb"),
            "seconds_met": (batch_run.get("seconds") or 1e9) < TARGET_SECONDS,
            "memory_met": (batch_run.get("peak_mb") or 1e9) < TARGET_PEAK_MB,
        },
        "speed_rows": speed_rows,
        "columns": list(eq_rows[0]),
        "rows": eq_rows,
        "details": {"speed": speed, "equivalence": equivalence},
    }
    common.write_result(RESULT_NAME, payload, args.results_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
