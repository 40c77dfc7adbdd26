"""A state folder survives a killed update, and two updates of one state cannot run at once.

Same method as ``test_signals.py``: resolver runs in a child process that patches one internal
function to kill itself (or wait) at a fixed point.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from resolver.cli import main
from resolver.io.readers import read_records
from tests.test_signals import finish, no_child_outlives_its_test, start, wait_for  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture
def two_batches(tmp_path, synth_dir) -> tuple[Path, Path]:
    records = read_records(synth_dir / "parties.csv").slice(0, 120)
    paths = []
    for i, part in enumerate((records.slice(0, 80), records.slice(80))):
        paths.append(tmp_path / f"batch{i}.csv")
        pacsv.write_csv(part, paths[-1])
    return paths[0], paths[1]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


KILL_DURING_BATCH = """
import resolver.incremental.batch as b
def die(*a, **k):
    kill_self()
b.recluster = die
"""
KILL_BEFORE_SWAP = """
import resolver.io.outputs as o
o._swap = lambda stage, out: kill_self()
"""
KILL_BETWEEN_RENAMES = """
import resolver.io.outputs as o
real = o._move_aside
def aside_then_die(out, old):
    real(out, old)
    kill_self()
o._move_aside = aside_then_die
"""


@pytest.mark.parametrize(
    "patch",
    [KILL_DURING_BATCH, KILL_BEFORE_SWAP, KILL_BETWEEN_RENAMES],
    ids=["during-the-batch", "before-the-swap", "between-the-renames"],
)
def test_a_killed_update_leaves_the_previous_state(tmp_path, two_batches, trained_model, patch):
    first, second = two_batches
    state = tmp_path / "state"
    assert main(["dedupe", str(first), "--into", str(state), "--model", str(trained_model)]) == 0
    before = snapshot(state)
    # what an uninterrupted update gives, on a copy
    copy = tmp_path / "copy"
    shutil.copytree(state, copy)
    assert main(["dedupe", str(second), "--into", str(copy)]) == 0

    proc = start(tmp_path, patch, "dedupe", str(second), "--into", str(state))
    assert finish(proc)[0] == -signal.SIGKILL
    if patch is KILL_BETWEEN_RENAMES:
        assert not state.exists()  # the previous state sits in .state.old-*, put back below
    else:
        assert snapshot(state) == before
    # the next update puts the previous state back if needed, cleans up and goes on
    assert main(["dedupe", str(second), "--into", str(state)]) == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".state.")] == []
    after, expected = snapshot(state), snapshot(copy)
    for name in ("clusters.csv", "entities.csv", "proposed_splits.csv"):
        assert after[name] == expected[name]


def test_a_second_update_of_a_state_is_refused_at_its_start(
    tmp_path, two_batches, trained_model, capsys
):
    first, second = two_batches
    state = tmp_path / "state"
    assert main(["dedupe", str(first), "--into", str(state), "--model", str(trained_model)]) == 0
    go = tmp_path / "go"
    patch = f"""
import resolver.incremental.update as u
real = u.run_batch
def wait_then_run(*a, **k):
    reached()
    while not Path({str(go)!r}).exists():
        time.sleep(0.02)
    return real(*a, **k)
u.run_batch = wait_then_run
"""
    proc = start(tmp_path, patch, "dedupe", str(second), "--into", str(state))
    wait_for(tmp_path / "mark", proc)
    t0 = time.monotonic()
    assert main(["dedupe", str(second), "--into", str(state)]) == 2
    err = capsys.readouterr().err
    assert f"pid {proc.pid}" in err and "another resolver run" in err
    assert time.monotonic() - t0 < 5
    go.touch()
    assert finish(proc)[0] == 0
    assert len(json.loads((state / "state.json").read_text())["batches"]) == 2  # the child's
