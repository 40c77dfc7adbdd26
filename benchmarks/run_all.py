"""Run every benchmark and write ``benchmarks/RESULTS.md`` from their JSON results.

Run from the repository root: ``python -m benchmarks.run_all [--quick]`` (``make bench``).

Each benchmark runs in its own process (``python -m benchmarks.<name>``) and writes
``benchmarks/results/<name>.json``; this script then renders one markdown table per result
file, with the machine, the date and the command that reproduces it. Every number in
RESULTS.md is read from those JSON files: nothing is typed in by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import common

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_MD = HERE / "RESULTS.md"
BENCHMARKS = (
    "dedupe_quality",
    "seed_sweep",
    "speed",
    "incremental",
    "screening",
    "false_alerts",
    "name_pairs",
    "script_names",
    "flows",
)
PREFERRED = ["dataset", "data set", *common.QUALITY_COLUMNS[1:]]
HEADERS = {
    "dataset": "data set",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "bcubed_f1": "B-cubed F1",
    "pairs_completeness": "pairs completeness",
    "seconds": "wall s",
    "peak_mb": "peak MB",
    "s_per_100k": "s / 100k rows",
    "ratio_vs_plain": "resolver / plain",
    "records_per_s": "records / s",
    "mean_precision": "mean precision",
    "mean_recall": "mean recall",
    "mean_f1": "mean F1",
    "worst_f1": "worst F1",
    "worst_seed": "worst seed",
    "mean_bcubed_f1": "mean B-cubed F1",
    "worst_bcubed_f1": "worst B-cubed F1",
    "mean_pairs_completeness": "mean pairs completeness",
    "worst_pairs_completeness": "worst pairs completeness",
    "mean_seconds": "mean wall s",
    "max_peak_mb": "max peak MB",
    "meets_target": "target met",
    "flags_per_1000": "flags / 1,000",
    "no_shared_word": "flags without a shared word",
    "no_shared_word_per_1000": "without a shared word / 1,000",
    "flagged_records": "records flagged",
    "list_load_s": "list load s",
}


def available(name: str) -> bool:
    """Whether ``benchmarks.<name>`` exists."""
    return importlib.util.find_spec(f"benchmarks.{name}") is not None


@functools.cache
def help_text(name: str) -> str:
    """What ``python -m benchmarks.<name> --help`` prints."""
    out = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return out.stdout


def accepts_quick(name: str) -> bool:
    """Whether ``python -m benchmarks.<name> --help`` lists a --quick option."""
    return "--quick" in help_text(name)


def accepts_baseline(name: str) -> bool:
    """Whether ``python -m benchmarks.<name> --help`` lists a --baseline-src option."""
    return "--baseline-src" in help_text(name)


def command_for(name: str, quick: bool, baseline_src: Path | None = None) -> list[str]:
    """The command line run_all uses for one benchmark."""
    cmd = ["python", "-m", f"benchmarks.{name}"]
    if quick and accepts_quick(name):
        cmd.append("--quick")
    if baseline_src is not None and accepts_baseline(name):
        # the package folder: script_names puts the path it is given on PYTHONPATH as it is
        cmd += ["--baseline-src", str(common.checkout_src(baseline_src))]
    return cmd


def run_benchmark(name: str, quick: bool, baseline_src: Path | None = None) -> dict[str, Any]:
    """Run one benchmark in a child process (output streamed through); return what happened."""
    cmd = command_for(name, quick, baseline_src)
    print(f"\n######## {shlex.join(cmd)}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *cmd[1:]], cwd=REPO)
    return {
        "name": name,
        "command": shlex.join(cmd),
        "exit_code": proc.returncode,
        "seconds": time.perf_counter() - t0,
    }


# --------------------------------------------------------------------------------------------
# markdown


def table_columns(rows: list[dict[str, Any]], declared: Sequence[str] | None = None) -> list[str]:
    """Columns of a result table: the declared ones, else preferred + other scalar keys."""
    if declared:
        cols = list(declared)
    else:
        present: list[str] = []
        for row in rows:
            for key, value in row.items():
                scalar = value is None or isinstance(value, (str, int, float, bool))
                if key not in present and scalar:
                    present.append(key)
        cols = [c for c in PREFERRED if c in present]
        cols += [c for c in present if c not in cols]
    # Keep a column only when some row has a value for it.
    cols = [c for c in cols if any(row.get(c) is not None for row in rows)]
    if "status" not in cols and any(row.get("status", "ok") != "ok" for row in rows):
        cols.append("status")
    if "status" in cols and all(row.get("status", "ok") == "ok" for row in rows) and not declared:
        cols.remove("status")
    return cols


def render_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Markdown table with readable headers (values formatted by benchmarks.common)."""
    body = common.markdown_table(rows, columns).splitlines()
    body[0] = "| " + " | ".join(HEADERS.get(c, c) for c in columns) + " |"
    return "\n".join(body)


def _is_rows(value: Any) -> bool:
    """A non-empty list of dicts: a table."""
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def result_tables(
    payload: dict[str, Any],
) -> list[tuple[str | None, list[dict[str, Any]], Sequence[str] | None, list[str]]]:
    """The tables of a result: its ``rows`` first, then each other top-level list of rows and
    each sub-result holding ``rows`` (with that sub-result's scalar settings as notes)."""
    out: list[tuple[str | None, list[dict[str, Any]], Sequence[str] | None, list[str]]] = []
    if _is_rows(payload.get("rows")):
        out.append((None, payload["rows"], payload.get("columns"), []))
    for key, value in payload.items():
        if key in ("machine", "rows"):
            continue
        if _is_rows(value):
            out.append((key, value, None, []))
        elif isinstance(value, dict) and _is_rows(value.get("rows")):
            notes = [
                f"{k}: {common._cell(v)}"
                for k, v in value.items()
                if isinstance(v, (str, int, float, bool)) and k != "rows"
            ]
            out.append((key, value["rows"], value.get("columns"), notes))
    return out


def _machine_text(machine: dict[str, Any]) -> str:
    """One paragraph describing the machine of a result."""
    versions = ", ".join(f"{k} {v}" for k, v in (machine.get("versions") or {}).items() if v)
    return (
        f"{machine.get('cpu_model')}, {machine.get('logical_cores')} logical cores "
        f"({machine.get('physical_cores')} physical), {machine.get('ram_gb')} GB RAM; "
        f"{machine.get('os')}; Python {machine.get('python')}; {versions}; "
        f"git commit {machine.get('git_commit')}"
    )


def _speed_extras(payload: dict[str, Any]) -> list[str]:
    """Targets and per-rule comparison counts of the speed benchmark."""
    out: list[str] = []
    tgt = payload.get("targets")
    if tgt:
        verdict = [
            "met" if tgt["seconds_met"] else "NOT met",
            "met" if tgt["memory_met"] else "NOT met",
        ]
        out.append(
            f"Targets at {tgt['rows']:,} rows: {tgt['seconds']:.1f} s against < "
            f"{tgt['target_seconds']:.0f} s ({verdict[0]}); peak {tgt['peak_mb']:,.0f} MB "
            f"against < {tgt['target_peak_mb']:,.0f} MB ({verdict[1]})."
        )
    else:
        sizes = payload.get("sizes") or []
        out.append(
            f"Targets (1,000,000 rows in < 90 s and < 3 GB): no finished resolver run at "
            f"1,000,000 rows in this result (sizes run: {', '.join(f'{s:,}' for s in sizes)})."
        )
    blocking = payload.get("blocking_largest")
    if blocking and blocking.get("rules"):
        source = blocking.get("source") or "summary.json of the full run"
        total = sum(int(r.get("pairs_upper_bound") or 0) for r in blocking["rules"])
        out.append(
            f"resolver comparisons per blocking rule at {blocking['records']:,} rows (from "
            f"{source}; `pairs_upper_bound` counts a pair once per rule that generates it; "
            f"sum {total:,}):"
        )
        rules = blocking["rules"]
        out.append(render_table(rules, list(rules[0])))
    stages = []
    for r in payload.get("rows", []):
        if r.get("timings"):
            stages.append({"dataset": r["dataset"], **r["timings"]})
        probe = r.get("features_only") or {}
        if probe.get("status") == "ok":
            stages.append(
                {
                    "dataset": f"{r['dataset']} (stopped run; features stage alone)",
                    "read_s": probe.get("read_s"),
                    "features_s": probe.get("features_s"),
                }
            )
    if stages:
        out.append("resolver stage timings (seconds, from `summary.json` `timings`):")
        out.append(render_table(stages, table_columns(stages)))
    return out


EXTRAS = {"speed": _speed_extras}


def render_markdown(
    results: dict[str, dict[str, Any]],
    runs: dict[str, dict[str, Any]] | None = None,
    generated_at: str | None = None,
    load_average: Sequence[float] | None = None,
    note: str | None = None,
    uncommitted: Sequence[str] | None = None,
) -> str:
    """RESULTS.md text: a header with the machine and date, then one section per result."""
    runs = runs or {}
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    lines = [
        "# Benchmark results",
        "",
        "Generated by `python -m benchmarks.run_all` from `benchmarks/results/*.json`; every",
        "number below is measured, none is typed in. Run the commands from the repository root",
        "with the project's virtualenv active. See `benchmarks/README.md` for what each",
        "benchmark measures.",
        "",
        f"Written: {generated_at}.",
    ]
    machines = [p["machine"] for p in results.values() if p.get("machine")]
    if machines:
        lines += ["", f"Machine: {_machine_text(machines[0])}."]
    if load_average:
        lines += [
            "",
            "Load average (1, 5, 15 min) when the last run_all started: "
            + ", ".join(f"{x:.2f}" for x in load_average)
            + ".",
        ]
    if note:
        lines += ["", f"Note: {note}"]
    if uncommitted:
        lines += [
            "",
            f"The working tree had uncommitted changes to {len(uncommitted)} file(s) of the "
            "package or models when the last run_all started: "
            + ", ".join(f"`{f}`" for f in uncommitted)
            + ".",
        ]
    if any(p.get("quick") for p in results.values()):
        lines += ["", "**Some results below come from a quick (CI smoke) run: small sizes.**"]
    failed = [r for r in runs.values() if r.get("exit_code")]
    for run in failed:
        lines += [
            "",
            f"`{run['command']}` exited with code {run['exit_code']} after "
            f"{run['seconds']:.0f} s; its section shows the last result file it wrote, if any.",
        ]
    for name, payload in results.items():
        title = payload.get("title") or name.replace("_", " ").capitalize()
        quick = " (quick run)" if payload.get("quick") else ""
        command = payload.get("command") or runs.get(name, {}).get("command")
        if not command:
            command = shlex.join(
                [
                    "python",
                    "-m",
                    f"benchmarks.{name}",
                    *(["--quick"] if payload.get("quick") else []),
                ]
            )
        lines += ["", f"## {title}{quick}", "", f"Reproduce: `{command}`", ""]
        meta = [f"result file `benchmarks/results/{name}.json`"]
        if payload.get("written_at"):
            meta.append(f"written {payload['written_at']}")
        if isinstance(payload.get("seconds"), (int, float)):
            meta.append(f"benchmark wall time {payload['seconds']:.0f} s")
        if payload.get("load_average_at_start"):
            avg = ", ".join(f"{x:.2f}" for x in payload["load_average_at_start"])
            meta.append(f"load average (1, 5, 15 min) at its start {avg}")
        machine = payload.get("machine") or {}
        if machines and machine and machine.get("git_commit") != machines[0].get("git_commit"):
            meta.append(f"git commit {machine.get('git_commit')}")
        lines.append("; ".join(meta) + ".")
        if payload.get("metric_notes"):
            lines += ["", str(payload["metric_notes"])]
        tables = result_tables(payload)
        for label, rows, declared, notes in tables:
            if label:
                lines += ["", f"**{label}**"]
            for note in notes:
                lines += ["", note]
            lines += ["", render_table(rows, table_columns(rows, declared))]
        if not tables:
            lines += ["", "(no result rows in this file)"]
        skipped = payload.get("skipped") or []
        for skip in [skipped] if isinstance(skipped, str) else skipped:
            lines += ["", f"Skipped: {skip}"]
        for extra in EXTRAS.get(name, lambda _p: [])(payload):
            lines += ["", extra]
    return "\n".join(lines) + "\n"


def load_results(results_dir: Path, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The JSON result of each named benchmark that has one, in the given order."""
    out = {}
    for name in names:
        path = results_dir / f"{name}.json"
        if path.is_file():
            out[name] = json.loads(path.read_text(encoding="utf-8"))
    return out


def uncommitted_files() -> list[str]:
    """Files under src/ and models/ that differ from the git commit (empty if not a repo)."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--", "src", "models"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line[3:] for line in out.splitlines() if line.strip()]


def write_markdown(text: str, path: Path) -> Path:
    """Write RESULTS.md atomically."""
    return common.write_text_atomic(path, text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks (all, or --only some) and write RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke)")
    parser.add_argument(
        "--only", default=None, help=f"comma-separated subset of {', '.join(BENCHMARKS)}"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="run nothing; rebuild RESULTS.md from JSON"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_MD, help="markdown file to write")
    parser.add_argument(
        "--note", default=None, help="a sentence about the conditions, printed in RESULTS.md"
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="another checkout (e.g. git archive main) for the benchmarks that compare with one",
    )
    args = parser.parse_args(argv)
    if args.baseline_src is not None:
        try:
            common.checkout_src(args.baseline_src)
        except FileNotFoundError as exc:
            parser.error(str(exc))

    names = [n for n in BENCHMARKS if available(n)]
    missing = [n for n in BENCHMARKS if n not in names]
    for name in missing:
        print(f"benchmarks.{name} does not exist: skipped")
    to_run = names
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            parser.error(f"unknown or missing benchmark(s) {unknown}; available: {names}")
        to_run = [n for n in names if n in wanted]
    if args.report_only:
        to_run = []

    if to_run:
        load = list(os.getloadavg())
        runs = {name: run_benchmark(name, args.quick, args.baseline_src) for name in to_run}
        info = {
            "runs": runs,
            "load_average_at_start": load,
            "note": args.note,
            "uncommitted": uncommitted_files(),
        }
        common.write_result("run_all", info, add_meta=False)
    else:  # only render: the JSON files may come from separate runs, so no run_all record
        runs = {}
        info = {"note": args.note}
    results = load_results(common.RESULTS_DIR, names)
    text = render_markdown(
        results,
        runs,
        load_average=info.get("load_average_at_start"),
        note=info.get("note"),
        uncommitted=info.get("uncommitted"),
    )
    path = write_markdown(text, args.output)
    print(f"\nwrote {path}")
    for run in runs.values():
        status = "ok" if run["exit_code"] == 0 else f"exit code {run['exit_code']}"
        print(f"  {run['command']}: {status} in {run['seconds']:.0f} s")
    return 1 if any(r["exit_code"] for r in runs.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
