"""A private temporary folder per run, removed when the run ends or by the next run.

Decoded copies of inputs and DuckDB spill files go into ``resolver-run-<pid>-*`` (mode 0700,
created by ``tempfile.mkdtemp``) in the system temp folder or the ``--temp-dir`` given. The
run holds a lock file inside it for its whole life; the folder is removed at exit, and a
folder whose lock is free (its run was killed) is removed by the next run that makes one.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

from resolver.io.locks import acquire, is_locked

log = logging.getLogger(__name__)

PREFIX = "resolver-run-"
LOCK_NAME = ".lock"

_folders: dict[tuple[int, str], Path] = {}  # (pid, base folder) -> that process's run folder


def run_temp_dir(base: str | os.PathLike | None = None) -> Path:
    """This run's private folder under ``base`` (default: the system temp folder)."""
    base_dir = Path(base) if base is not None else Path(tempfile.gettempdir())
    key = (os.getpid(), os.path.abspath(base_dir))
    folder = _folders.get(key)
    if folder is not None and folder.is_dir():
        return folder
    base_dir.mkdir(parents=True, exist_ok=True)
    remove_stale(base_dir)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base_dir))
    acquire(folder / LOCK_NAME)  # held (descriptor kept open) until the process ends
    _folders[key] = folder
    return folder


def remove_stale(base: Path) -> None:
    """Remove run folders in ``base`` whose run is gone (its lock is free)."""
    try:
        entries = list(os.scandir(base))
    except OSError:
        return
    own = set(_folders.values())
    for entry in entries:
        if not entry.name.startswith(PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        path = Path(entry.path)
        if path in own or entry.stat(follow_symlinks=False).st_uid != os.geteuid():
            continue
        if not (path / LOCK_NAME).exists() or is_locked(path / LOCK_NAME):
            continue  # not one of ours, or its run is still going
        log.info("removing %s, left by a run that did not finish", path)
        shutil.rmtree(path, ignore_errors=True)


@atexit.register
def _remove_own() -> None:
    for (pid, _), folder in list(_folders.items()):
        if pid == os.getpid():  # not in a forked worker: the folders are its parent's
            shutil.rmtree(folder, ignore_errors=True)
