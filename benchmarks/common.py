"""Benchmark helpers: timing and peak memory, machine info, JSON results and tables."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO = RESULTS_DIR.parents[1]
T = TypeVar("T")
_MB = 1024 * 1024
# the quality-and-cost columns every dedupe benchmark table starts with
QUALITY_COLUMNS = [
    "dataset",
    "method",
    "precision",
    "recall",
    "f1",
    "bcubed_f1",
    "seconds",
    "peak_mb",
    "records",
]


def _rss_bytes() -> int | None:
    """Current resident set size of this process, or None without psutil."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a dependency
        return None
    return int(psutil.Process().memory_info().rss)


def _maxrss_bytes() -> int:
    """Lifetime peak RSS of this process from getrusage (KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def peak_mb() -> float:
    """This process's lifetime peak RSS in MB (covers DuckDB's memory too)."""
    return _maxrss_bytes() / _MB


def measure(
    fn: Callable[..., T], *args: Any, interval: float = 0.05, **kwargs: Any
) -> tuple[T, float, float]:
    """Run fn(*args, **kwargs); return (result, wall seconds, peak process RSS in MB).

    The peak is the process's whole resident memory (Python, DuckDB, ...) during the call,
    not an increment. It is the larger of (a) RSS sampled with psutil by a background thread
    every ``interval`` seconds (misses spikes shorter than the interval) and (b) the
    getrusage ``ru_maxrss`` high-water mark, counted only if it rose during the call (exact,
    but blind to a peak lower than an earlier one in the process's life).
    """
    peak = [_rss_bytes() or 0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(interval):
            rss = _rss_bytes()
            if rss is not None and rss > peak[0]:
                peak[0] = rss

    maxrss_before = _maxrss_bytes()
    sampler = threading.Thread(target=sample, name="measure-rss", daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
    finally:
        wall = time.perf_counter() - start
        stop.set()
        sampler.join()
    final = _rss_bytes() or 0
    maxrss_after = _maxrss_bytes()
    best = max(peak[0], final)
    if maxrss_after > maxrss_before:
        best = max(best, maxrss_after)
    return result, wall, best / _MB


def _version(package: str) -> str | None:
    """Installed version of a distribution, or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    """CPU model name from /proc/cpuinfo, else platform.processor()."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    """Short commit hash of the repo holding this file, or None."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python and key package versions, git commit."""
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
        ram_gb = round(psutil.virtual_memory().total / 1024**3, 1)
    except ImportError:  # pragma: no cover
        physical, ram_gb = None, None
    return {
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": physical,
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            pkg: _version(pkg)
            for pkg in ("resolver", "splink", "duckdb", "pandas", "numpy", "pyarrow", "rapidfuzz")
        },
        "git_commit": _git_commit(),
        "load_avg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }


def _json_default(value: Any) -> Any:
    """JSON fallback for numpy scalars/arrays, paths, dates and sets."""
    if hasattr(value, "item") and callable(value.item):
        try:
            return value.item()
        except (ValueError, TypeError):
            pass
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (Path, _dt.date, _dt.datetime)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically, with the usual file mode (0666 less the umask)."""
    from resolver.io.outputs import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_result(
    name: str, payload: dict[str, Any], results_dir: Path | None = None, add_meta: bool = True
) -> Path:
    """Write payload to ``<results_dir>/<name>.json`` atomically (temp file + rename).

    With ``add_meta`` the keys ``written_at`` (UTC ISO time) and ``machine``
    (:func:`machine_info`) are added when the payload does not already have them.
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", name) or name.endswith(".json"):
        raise ValueError(f"bad result name {name!r}: use letters, digits, '_', '-', '.'")
    folder = Path(results_dir) if results_dir is not None else RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    data = dict(payload)
    if add_meta:
        data.setdefault(
            "written_at", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        )
        data.setdefault("machine", machine_info())
    text = json.dumps(data, indent=2, sort_keys=False, default=_json_default, allow_nan=True)
    target = write_text_atomic(folder / f"{name}.json", text + "\n")
    log.info("wrote %s", target)
    return target


def _cell(value: Any, markdown: bool = True) -> str:
    """Format one table cell: floats to 4 significant digits, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return "nan"
        if value == int(value) and abs(value) >= 1000:
            return f"{int(value):,}"
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    text = str(value).replace("\n", " ")
    return text.replace("|", "\\|") if markdown else text


def markdown_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """GitHub-flavoured markdown table of the given columns (missing keys are blank)."""
    header = "| " + " | ".join(columns) + " |"
    rule = "| " + " | ".join("---" for _ in columns) + " |"
    body = ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join([header, rule, *body])


def print_table(rows: list[dict[str, Any]], columns: list[str], title: str | None = None) -> None:
    """Print rows as a rich table when rich is installed, else as markdown."""
    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:
        if title:
            print(f"\n{title}\n")
        print(markdown_table(rows, columns))
        return
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="left" if col in {"name", "dataset", "method"} else "right")
    for row in rows:
        table.add_row(*(Text(_cell(row.get(c), markdown=False)) for c in columns))
    # Off a terminal rich would wrap at 80 columns; results tables read better unwrapped.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def parse_seeds(text: str) -> list[int]:
    """Seeds from the command line: comma-separated numbers ("7001,7003") or ranges ("7001-7010")."""
    seeds: list[int] = []
    try:
        for part in (p.strip() for p in text.split(",") if p.strip()):
            lo, _, hi = part.partition("-")
            seeds += list(range(int(lo), int(hi) + 1)) if hi else [int(lo)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not seeds: {text!r} (e.g. 7001-7010 or 7001,7003)"
        ) from None
    if not seeds:
        raise argparse.ArgumentTypeError("give at least one seed")
    return seeds


def add_seed_options(
    parser: argparse.ArgumentParser,
    seeds: Sequence[int],
    rows: int,
    quick_seeds: Sequence[int],
    quick_rows: int,
) -> None:
    """Options of a benchmark on generated data of several seeds, next to another checkout:
    --quick, --seeds, --rows, --data-root, --results-dir, --baseline-src, --baseline-label and
    the hidden --rows-only of its baseline subprocess (see :func:`run_with_checkout`)."""
    text = ",".join(map(str, seeds))
    quick = ",".join(map(str, quick_seeds))
    parser.add_argument("--quick", action="store_true", help=f"seeds {quick} x {quick_rows:,} rows")
    parser.add_argument(
        "--seeds",
        type=parse_seeds,
        default=None,
        help=f"as 7001-7010 or 7001,7003 (default {text})",
    )
    parser.add_argument("--rows", type=int, default=None, help=f"rows per seed ({rows:,})")
    parser.add_argument("--data-root", type=Path, default=None, help="keep / reuse data here")
    parser.add_argument("--results-dir", type=Path, default=None, help="JSON folder (results/)")
    parser.add_argument(
        "--baseline-src", type=Path, default=None, help="another checkout to compare with"
    )
    parser.add_argument("--baseline-label", default="resolver @ main", help="its method name")
    parser.add_argument("--rows-only", type=Path, default=None, help=argparse.SUPPRESS)


def generated_parties(root: Path, rows: int, seed: int) -> Path:
    """Folder of ``resolver.synth`` trade parties: ``rows`` mentions of ``rows // 3`` entities.

    Reused when ``root`` already holds it (same arguments give byte-identical files, and the
    folder name is the one ``speed.py`` uses). Generated into a temporary folder beside it and
    renamed, so an interrupted run leaves no half-written folder to be reused.
    """
    from resolver.synth import generate

    root = Path(root)
    folder = root / f"parties-{rows}-seed{seed}"
    if (folder / "truth.csv").is_file():
        return folder
    if folder.exists():
        raise FileExistsError(f"{folder} exists without truth.csv: not a finished data folder")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=root))
    try:
        generate(tmp, n_entities=max(2, rows // 3), seed=seed, mentions=rows)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def checkout_src(path: Path) -> Path:
    """The folder holding another checkout's ``resolver`` package: ``path/src`` or ``path``."""
    path = Path(path).resolve()
    for candidate in (path / "src", path):
        if (candidate / "resolver" / "__init__.py").is_file():
            return candidate
    raise FileNotFoundError(f"no resolver package under {path} or {path / 'src'}")


def run_with_checkout(module: str, src: Path, args: Sequence[str]) -> Any:
    """Run ``python -m benchmarks.<module> --rows-only OUT *args`` with another checkout's
    resolver (and so its shipped model) first on the path; return the JSON the child wrote.

    The child imports this repository's ``benchmarks`` package and that checkout's ``resolver``
    (``resolver_file`` in its output says which one it used).
    """
    package = checkout_src(src)
    with tempfile.TemporaryDirectory(prefix="resolver-bench-baseline-") as tmp:
        out = Path(tmp) / "rows.json"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(package), str(REPO)])}
        cmd = [sys.executable, "-m", f"benchmarks.{module}", "--rows-only", str(out), *args]
        subprocess.run(cmd, env=env, cwd=REPO, check=True)
        return json.loads(out.read_text("utf-8"))
