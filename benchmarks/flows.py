"""Trade-flows benchmark: conduits and direct flows to listed parties found by ``resolver flows``
next to a naive baseline, with end-to-end time and peak memory.

Run from the repository root: ``python -m benchmarks.flows [--sizes 10000,1000000]``
(``--quick`` for a smoke run, ``--results-dir DIR`` to write the JSON elsewhere).

For each size, shipments are generated with ``resolver synth --shipments`` (seed 2016, held
out: the rules were developed on seed 3) and ``resolver.flows(...)`` runs in a fresh Python
process (``seconds``: reading the CSV to the last output written, imports excluded;
``peak_mb``: that process's peak resident memory, DuckDB included). The load average of the
machine is recorded before and after each run.

Scoring, against the generator's truth (``trade_truth.csv``, ``trade_entities.csv``):

* conduit precision / recall: a predicted conduit is a resolved entity in the middle of a
  ``via_intermediary`` path; it is right when most of its party mentions belong to a true
  conduit. Recall counts true conduits that are the majority entity of a predicted one (a
  chain's first conduit, lags past the window and onward goods declared under another heading
  are misses by design of the data).
* direct-flow precision / recall: over (true shipper, true listed consignee) pairs; a method
  predicts the pairs of the shipments it flags.

Baselines: conduits, "any third-country party that ships anything to a listed party" on the
same resolved and screened network (a shipper whose country is neither the listed party's nor
the goods' origin); direct flows, shipments whose consignee name equals a list name or alias
after case and punctuation folding (no resolution, no fuzzy screening).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from benchmarks import common

log = logging.getLogger(__name__)

RESULT_NAME = "flows"
SEED = 2016
DEFAULT_SIZES = (10_000, 1_000_000)
QUICK_SIZES = (3_000,)
TARGET_SHIPMENTS = 1_000_000
TARGET_SECONDS = 300.0
TARGET_PEAK_MB = 4096.0
REPO = Path(__file__).resolve().parents[1]
COLUMNS = [
    "dataset",
    "method",
    "conduit_precision",
    "conduit_recall",
    "direct_precision",
    "direct_recall",
    "conduits_flagged",
    "direct_pairs_flagged",
    "seconds",
    "peak_mb",
    "load_avg_1m",
]


# --------------------------------------------------------------------------------------------
# child: one measured run


class StepPeaks:
    """Peak resident memory (MB) of this process in each progress step of ``resolver.flows``,
    sampled every 50 ms by a background thread: where the memory goes."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.step, self.peaks = "start", {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self(self.step)

    def __call__(self, step: str) -> None:
        mb = round(self._proc.memory_info().rss / 2**20)
        self.peaks[self.step] = max(self.peaks.get(self.step, 0), mb)
        self.step = step
        self.peaks[step] = max(self.peaks.get(step, 0), mb)

    def stop(self) -> dict[str, int]:
        self._stop.set()
        self._thread.join()
        return self.peaks


def run_one(data: Path, out: Path, report: Path) -> None:
    """Child entry: ``resolver.flows`` on the generated shipments, outputs saved to ``out``."""
    import resolver

    peaks = StepPeaks()
    t0 = time.perf_counter()
    result = resolver.flows(data / "trade_shipments.csv", [data / "trade_list.csv"], progress=peaks)
    t_save = time.perf_counter()
    peaks("writing outputs")
    result.save(out, overwrite=True)  # a folder of this benchmark's own data root
    seconds = time.perf_counter() - t0
    payload = {
        "seconds": seconds,
        "save_s": time.perf_counter() - t_save,
        "peak_mb": common.peak_mb(),
        "peak_mb_by_step": peaks.stop(),
        "summary": result.summary,
    }
    report.write_text(json.dumps(payload, default=str), encoding="utf-8")


def run_child(data: Path, out: Path, timeout: float) -> dict[str, Any]:
    """One measured run in a fresh process; its report, or a status saying why there is none."""
    report = out.parent / f"{out.name}-report.json"
    cmd = [sys.executable, "-m", "benchmarks.flows", "--one", str(data), str(out), str(report)]
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {
            "status": f"stopped: over the {timeout:.0f} s time limit",
            "load_before": load_before,
        }
    result: dict[str, Any] = {
        "process_s": time.perf_counter() - t0,
        "load_before": list(load_before),
        "load_after": list(os.getloadavg()),
    }
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        result["status"] = f"error: exit code {proc.returncode}: {tail}"
        return result
    result.update(json.loads(report.read_text(encoding="utf-8")), status="ok")
    return result


def generate(size: int, root: Path, seed: int = SEED) -> Path:
    """Generated shipments of ``size`` rows under ``root`` (reused when already there)."""
    folder = root / f"shipments-{size}-seed{seed}"
    if not (folder / "trade_entities.csv").is_file():
        t0 = time.perf_counter()
        code = (
            "import sys; from resolver.synth import generate_shipments; "
            "generate_shipments(sys.argv[1], int(sys.argv[2]), seed=int(sys.argv[3]))"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(folder), str(size), str(seed)], cwd=REPO, check=True
        )
        print(f"   generated {size:,} shipments in {time.perf_counter() - t0:.1f}s", flush=True)
    return folder


# --------------------------------------------------------------------------------------------
# scoring


def _read(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A CSV as text (blank cells as ''), with ``columns`` in the order given."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=columns)
    return frame if columns is None else frame[list(columns)]


def mention_truth(out: Path, data: Path) -> pd.DataFrame:
    """Per party mention: predicted entity and true entity."""
    clusters = _read(out / "clusters.csv", ["shipment_id", "role", "entity_id"])
    truth = _read(data / "trade_truth.csv")
    long = truth.melt(
        id_vars="shipment_id",
        value_vars=["shipper_entity_id", "consignee_entity_id", "notify_entity_id"],
        var_name="role",
        value_name="true_entity",
    )
    long["role"] = long["role"].str.removesuffix("_entity_id")
    return clusters.merge(long, on=["shipment_id", "role"], how="left")


def majority_truth(mentions: pd.DataFrame) -> pd.Series:
    """Predicted entity -> the true entity most of its mentions belong to."""
    counts = mentions.groupby(["entity_id", "true_entity"]).size().reset_index(name="n")
    counts = counts.sort_values(["entity_id", "n", "true_entity"], ascending=[True, False, True])
    return counts.drop_duplicates("entity_id").set_index("entity_id")["true_entity"]


def precision_recall(predicted: set, true: set) -> tuple[float | None, float | None]:
    hit = len(predicted & true)
    return (hit / len(predicted) if predicted else None, hit / len(true) if true else None)


def conduit_scores(flagged: set[str], majority: pd.Series, roles: pd.Series) -> dict[str, Any]:
    """Precision over flagged predicted entities, recall over true conduits."""
    conduits = set(roles.index[roles == "conduit"])
    mapped = {majority.get(e) for e in flagged}
    right = sum(1 for e in flagged if majority.get(e) in conduits)
    return {
        "conduit_precision": right / len(flagged) if flagged else None,
        "conduit_recall": len(mapped & conduits) / len(conduits) if conduits else None,
        "conduits_flagged": len(flagged),
        "true_conduits": len(conduits),
    }


def direct_scores(flagged_shipments: set[str], truth: pd.DataFrame, listed: set[str]) -> dict:
    """Precision / recall over (true shipper, true listed consignee) pairs."""
    to_listed = truth[truth["consignee_entity_id"].isin(listed)]
    true_pairs = set(
        zip(to_listed["shipper_entity_id"], to_listed["consignee_entity_id"], strict=True)
    )
    hit = truth[truth["shipment_id"].isin(flagged_shipments)]
    predicted = set(zip(hit["shipper_entity_id"], hit["consignee_entity_id"], strict=True))
    p, r = precision_recall(predicted, true_pairs)
    return {
        "direct_precision": p,
        "direct_recall": r,
        "direct_pairs_flagged": len(predicted),
        "true_direct_pairs": len(true_pairs),
    }


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def naive_direct_shipments(data: Path) -> set[str]:
    """Shipments whose consignee name equals a list name or alias after folding."""
    lst = _read(data / "trade_list.csv", ["name", "aliases"])
    names = {_fold(n) for n in lst["name"]}
    names |= {_fold(a) for cell in lst["aliases"] for a in cell.split(";") if a.strip()}
    ships = _read(data / "trade_shipments.csv", ["shipment_id", "consignee_name"])
    hit = ships["consignee_name"].map(_fold).isin(names)
    return set(ships.loc[hit, "shipment_id"])


def naive_conduits(out: Path) -> set[str]:
    """Third-country shippers to a listed entity, on the resolved and screened network."""
    ents = _read(out / "entities.csv", ["entity_id", "countries", "list_id"])
    listed = set(ents.loc[ents["list_id"] != "", "entity_id"])
    country = dict(zip(ents["entity_id"], ents["countries"], strict=True))
    ships = _read(
        out / "shipments.csv", ["shipper_entity_id", "consignee_entity_id", "origin_country"]
    )
    to_listed = ships[ships["consignee_entity_id"].isin(listed)]
    flagged = set()
    for s, c, origin in to_listed.itertuples(index=False):
        own = set(country.get(s, "").split(";")) - {""}
        if s and own and not own & (set(country.get(c, "").split(";")) | {origin}):
            flagged.add(s)
    return flagged


def missed_conduits(
    found: set[str], roles: pd.Series, truth: pd.DataFrame, out: Path, data: Path
) -> dict[str, int]:
    """Why true conduits were missed, first matching cause from the generator's truth: first
    conduit of a chain (ships only to another conduit); the listed party it supplies was not
    flagged by screening; onward goods declared under another heading than received; onward
    goods not on the goods-of-concern list; else lags past the window or resolution."""
    from resolver.tradeflows.controlled import load_controlled

    goods = load_controlled()
    ships = _read(data / "trade_shipments.csv", ["shipment_id", "hs_code"]).set_index("shipment_id")
    code = ships["hs_code"].str.replace(".", "", regex=False)
    heading = code.str[:4]
    clusters = _read(out / "clusters.csv", ["shipment_id", "role", "entity_id"])
    consignee_entity = clusters[clusters["role"] == "consignee"].set_index("shipment_id")
    ents = _read(out / "entities.csv", ["entity_id", "list_id"])
    flagged_listed = set(ents.loc[ents["list_id"] != "", "entity_id"])
    onward_of = truth[truth["flow"] == "onward"].groupby("shipper_entity_id")["shipment_id"]
    onward_of = {k: list(v) for k, v in onward_of}
    received_of = truth[truth["flow"] == "to_conduit"].groupby("consignee_entity_id")
    received_of = {k: list(v) for k, v in received_of["shipment_id"]}
    causes: dict[str, int] = {}
    for conduit in sorted(set(roles.index[roles == "conduit"]) - found):
        onward = onward_of.get(conduit, [])
        out_heads = set(heading.reindex(onward)) - {""}
        in_heads = set(heading.reindex(received_of.get(conduit, []))) - {""}
        if not onward:
            cause = "first conduit of a chain"
        elif not set(consignee_entity["entity_id"].reindex(onward)) & flagged_listed:
            cause = "listed party not flagged by screening"
        elif not out_heads & in_heads:
            cause = "onward goods under another heading"
        elif not any(goods.flags(pa.chunked_array([code.reindex(onward)]))):
            cause = "goods not on the goods-of-concern list"
        else:
            cause = "lags past the window, or resolution"
        causes[cause] = causes.get(cause, 0) + 1
    return causes


def score_run(out: Path, data: Path) -> list[dict[str, Any]]:
    """Metrics of resolver flows and of the naive baselines on one run's outputs."""
    mentions = mention_truth(out, data)
    majority = majority_truth(mentions)
    entities = _read(data / "trade_entities.csv", ["entity_id", "role"]).set_index("entity_id")
    roles = entities["role"]
    truth = _read(data / "trade_truth.csv")
    listed = set(roles.index[roles == "listed"])
    alerts = _read(out / "alerts.csv", ["kind", "path_entity_ids", "shipment_ids"])
    via = alerts[alerts["kind"] == "via_intermediary"]
    direct = alerts[alerts["kind"] == "direct_listed"]
    flagged = {p.split(";")[1] for p in via["path_entity_ids"]}
    direct_ships = {s for ids in direct["shipment_ids"] for s in ids.split(";")}
    ours = {
        "method": "resolver flows (via_intermediary; direct_listed)",
        **conduit_scores(flagged, majority, roles),
        **direct_scores(direct_ships, truth, listed),
        "missed_conduits": missed_conduits(
            {majority.get(e) for e in flagged}, roles, truth, out, data
        ),
    }
    naive = {
        "method": "naive (third-country shipper to a listed entity; exact list name)",
        **conduit_scores(naive_conduits(out), majority, roles),
        **direct_scores(naive_direct_shipments(data), truth, listed),
    }
    return [ours, naive]


# --------------------------------------------------------------------------------------------
# driver


def targets(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The 1M-shipment targets against the measured run, if there is one."""
    run = next((r for r in rows if r.get("shipments") == TARGET_SHIPMENTS and "seconds" in r), None)
    if run is None:
        return None
    return {
        "shipments": TARGET_SHIPMENTS,
        "target_seconds": TARGET_SECONDS,
        "target_peak_mb": TARGET_PEAK_MB,
        "seconds": run["seconds"],
        "peak_mb": run["peak_mb"],
        "seconds_met": run["seconds"] < TARGET_SECONDS,
        "memory_met": run["peak_mb"] < TARGET_PEAK_MB,
    }


def bench_size(
    size: int, root: Path, timeout: float, seed: int = SEED
) -> tuple[list[dict[str, Any]], dict]:
    """Generate, run and score one size; rows for the table and the run's details."""
    print(f"\n== {size:,} shipments", flush=True)
    data = generate(size, root, seed)
    out = root / f"out-{size}-seed{seed}"
    run = run_child(data, out, timeout)
    base = {"dataset": f"generated shipments {size:,} (seed {seed})", "shipments": size}
    if run["status"] != "ok":
        print(f"   {run['status']}", flush=True)
        return [{**base, "method": "resolver flows", "status": run["status"]}], run
    print(
        f"   resolver flows {run['seconds']:.1f}s, peak {run['peak_mb']:.0f} MB, "
        f"load {run['load_before'][0]:.2f} -> {run['load_after'][0]:.2f}",
        flush=True,
    )
    rows = []
    for i, metrics in enumerate(score_run(out, data)):
        row = {**base, **metrics, "status": "ok"}
        if i == 0:
            row.update(
                seconds=run["seconds"],
                peak_mb=run["peak_mb"],
                load_avg_1m=run["load_before"][0],
                mentions=run["summary"]["party_mentions"],
                timings=run["summary"]["timings"],
                timings_of_steps=run["summary"]["timings_of_steps"],
                peak_mb_by_step=run["peak_mb_by_step"],
                alerts=run["summary"]["alerts"],
            )
        rows.append(row)
    return rows, run


def main(argv: Sequence[str] | None = None) -> int:
    """Run the flows benchmark (or, with --one, a single measured child run)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help="comma-separated shipment counts")
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES} (smoke run)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument(
        "--seed", type=int, default=SEED, help=f"generator seed (default {SEED}, held out)"
    )
    parser.add_argument("--data-root", type=Path, default=None, help="keep / reuse data here")
    parser.add_argument("--results-dir", type=Path, default=None, help="default results/")
    parser.add_argument("--one", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.one:
        run_one(*args.one)
        return 0
    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    else:
        sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    load_start = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="resolver-bench-flows-") as tmp:
        root = args.data_root or Path(tmp)
        for size in sizes:
            rows += bench_size(size, root, args.timeout, args.seed)[0]
    common.print_table(rows, COLUMNS, title="Trade flows: conduits and direct flows to listed")
    for row in rows:
        if row.get("missed_conduits") is not None:
            print(
                f"{row['dataset']}: {row['true_conduits']} true conduits; missed: "
                + ", ".join(f"{k} {v}" for k, v in sorted(row["missed_conduits"].items()))
            )
    payload = {
        "benchmark": RESULT_NAME,
        "title": "Trade flows",
        "command": shlex.join(["python", "-m", "benchmarks.flows", *argv]),
        "quick": args.quick,
        "sizes": sizes,
        "seed": args.seed,
        "seconds": time.perf_counter() - t0,
        "columns": COLUMNS,
        "load_average_at_start": load_start,
        "load_average_at_end": list(os.getloadavg()),
        "metric_notes": (
            "conduit_*: resolved entities in the middle of via_intermediary alerts (naive: "
            "third-country shippers to a listed entity) against the generator's conduits; "
            "direct_*: (true shipper, true listed consignee) pairs of flagged shipments; "
            "seconds / peak_mb: the resolver flows process, read to outputs written; "
            "load_avg_1m: the machine's 1-minute load average when the run started."
        ),
        "rows": rows,
        "targets": targets(rows),
    }
    path = common.write_result(RESULT_NAME, payload, results_dir=args.results_dir)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
