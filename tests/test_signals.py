"""Signals and kills (docs/RELIABILITY.md): Ctrl-C gives one line and exit 130, a SIGKILL at
any point of the final write leaves the previous output (put back by the next run if the kill
fell between the swap's two renames), temp files of a killed run are removed by the next run,
and a second run on the same --out is refused at its start.

Each test runs resolver in a child process on a tiny input; a few lines of Python in the child
patch one internal function to mark the point reached (a file appears) or to kill itself
there, so signals arrive at deterministic points. Everything is under pytest's tmp_path (the
child's TMPDIR included).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resolver.cli import main

pytestmark = pytest.mark.slow

PARTIES = "id,name,country\n1,Alfa Trade LLC,RU\n2,ALFA TRADE LLC,RU\n3,Beta Logistics GmbH,DE\n"

CHILD = """
import os, signal, sys, time
from pathlib import Path
import resolver.cli
MARK = Path(os.environ["TEST_MARK"])
def reached():
    MARK.write_text(str(os.getpid()))
def kill_self():
    os.kill(os.getpid(), signal.SIGKILL)
{patch}
sys.exit(resolver.cli.main(sys.argv[1:]))
"""


_children: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def no_child_outlives_its_test():
    yield
    while _children:
        proc = _children.pop()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start(tmp_path: Path, patch: str, *args: str) -> subprocess.Popen:
    """Start resolver with ``patch`` applied in the child, in a process group of its own."""
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(patch=patch), encoding="utf-8")
    env = dict(os.environ, TEST_MARK=str(tmp_path / "mark"), TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _children.append(proc)
    return proc


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"child exited {proc.returncode}: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            raise AssertionError("the child never reached the test point")
        time.sleep(0.02)


def finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    """The child's exit code and stderr (the fixture kills a child that does not finish)."""
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


@pytest.fixture
def parties(tmp_path) -> Path:
    path = tmp_path / "parties.csv"
    path.write_text(PARTIES, encoding="utf-8")
    return path


def run_leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").iterdir())


# ---------------------------------------------------------------- SIGINT / SIGTERM


WORKERS_BUSY = """
import resolver.features as f
f.PARALLEL_MIN_VALUES = 0  # use the worker pool on a tiny input, with two workers
os.cpu_count = lambda: 2
def busy(task):
    reached()
    time.sleep(60)
f._run_slice = busy
"""

SQL_RUNNING = """
import resolver.dedupe as d
def endless_query(linker, floor):
    reached()
    # a query that runs until interrupted, through splink's SQL runner (which wraps errors
    # with the whole SQL text)
    linker._db_api._sql_to_splink_dataframe(
        "SELECT sum(hash(i)) FROM range(1000000000000) t(i)", "endless", "endless"
    )
d.predict_pairs = endless_query
"""


@pytest.mark.parametrize(
    ("patch", "signum", "message"),
    [
        (WORKERS_BUSY, signal.SIGINT, "resolver: interrupted"),
        (SQL_RUNNING, signal.SIGINT, "resolver: interrupted"),
        (SQL_RUNNING, signal.SIGTERM, "resolver: terminated"),
    ],
    ids=["ctrl-c-in-workers", "ctrl-c-in-sql", "sigterm-in-sql"],
)
def test_a_signal_gives_one_line_and_its_exit_code(tmp_path, parties, patch, signum, message):
    proc = start(tmp_path, patch, "dedupe", str(parties), "--out", str(tmp_path / "out"))
    wait_for(tmp_path / "mark", proc)
    time.sleep(0.3)  # let the workers / the query get going
    os.killpg(proc.pid, signum)  # as Ctrl-C does: the whole process group
    code, err = finish(proc)
    assert (code, err) == (128 + signum, message + "\n")
    assert not (tmp_path / "out").exists()
    assert run_leftovers(tmp_path) == []  # the run's temp folder (DuckDB spill) is gone


SCREEN_SQL_RUNNING = """
import resolver.screening.batch as b
def endless_scoring(screener, con, table, floor):
    reached()
    # a CREATE TABLE (as build_features runs) does not return to Python until done or interrupted
    con.execute("CREATE TEMP TABLE t AS SELECT sum(hash(i)) FROM range(1000000000000) t(i)")
b.score_records = endless_scoring
"""


def test_ctrl_c_stops_a_screening_query(tmp_path, parties):
    """Screening queries run on a cursor of their own (``Engine.session``), which Ctrl-C must
    reach as well as the engine's connection."""
    watch_list = tmp_path / "list.csv"
    watch_list.write_text("list_id,name,aliases,country,address\nL1,Alfa Trade LLC,,RU,\n")
    args = ("screen", str(parties), "--list", str(watch_list), "--out", str(tmp_path / "out"))
    proc = start(tmp_path, SCREEN_SQL_RUNNING, *args)
    wait_for(tmp_path / "mark", proc)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    assert finish(proc) == (130, "resolver: interrupted\n")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- SIGKILL during the write


def test_kill_between_the_two_renames_loses_no_output(tmp_path, parties, capsys):
    out = tmp_path / "out"
    assert main(["dedupe", str(parties), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    patch = """
import resolver.io.outputs as o
real = o._move_aside
def aside_then_die(out, old):
    real(out, old)
    kill_self()
o._move_aside = aside_then_die
"""
    proc = start(tmp_path, patch, "dedupe", str(parties), "--out", str(out), "--overwrite")
    code, _ = finish(proc)
    assert code == -signal.SIGKILL
    assert not out.exists()  # killed in the window: the previous output is in .out.old-*
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.old-")]
    # the next run puts it back first (then refuses to replace it without --overwrite)
    assert main(["dedupe", str(parties), "--out", str(out)]) == 2
    assert "earlier run" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []


def test_kill_before_the_swap_keeps_the_output_and_the_next_run_cleans_up(tmp_path, parties):
    out = tmp_path / "out"
    assert main(["dedupe", str(parties), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    patch = """
import resolver.io.outputs as o
o._swap = lambda stage, out: kill_self()
"""
    proc = start(tmp_path, patch, "dedupe", str(parties), "--out", str(out), "--overwrite")
    assert finish(proc)[0] == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.staging-")]
    assert main(["dedupe", str(parties), "--out", str(out), "--overwrite"]) == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []


def test_a_killed_runs_decoded_input_copy_is_removed_by_the_next_run(tmp_path):
    cyrillic = tmp_path / "cp.csv"
    cyrillic.write_bytes("id,name\n1,ООО Ромашка\n2,АО Альфа\n".encode("cp1251"))
    patch = """
import resolver.io.readers as r
real = r._decoded_copy
def copy_then_die(text):
    path = real(text)
    reached()
    kill_self()
r._decoded_copy = copy_then_die
"""
    proc = start(tmp_path, patch, "dedupe", str(cyrillic), "--out", str(tmp_path / "o1"))
    assert finish(proc)[0] == -signal.SIGKILL
    left = [p for p in (tmp_path / "tmp").rglob("*.csv")]
    assert left, "the kill left the decoded copy"
    proc = start(tmp_path, "", "dedupe", str(cyrillic), "--out", str(tmp_path / "o2"))
    assert finish(proc)[0] == 0
    assert run_leftovers(tmp_path) == []


# ---------------------------------------------------------------- one writer per folder


def test_a_second_run_on_the_same_out_is_refused_at_its_start(tmp_path, parties, capsys):
    out = tmp_path / "out"
    go = tmp_path / "go"
    patch = f"""
import resolver.dedupe as d
real = d.build_features
def wait_then_build(*a, **k):
    reached()
    while not Path({str(go)!r}).exists():
        time.sleep(0.02)
    return real(*a, **k)
d.build_features = wait_then_build
"""
    first = start(tmp_path, patch, "dedupe", str(parties), "--out", str(out))
    wait_for(tmp_path / "mark", first)
    t0 = time.monotonic()
    assert main(["dedupe", str(parties), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"pid {first.pid}" in err and "another resolver run" in err
    assert time.monotonic() - t0 < 5  # refused before any work
    go.touch()
    assert finish(first)[0] == 0
    assert (out / "clusters.csv").exists()
