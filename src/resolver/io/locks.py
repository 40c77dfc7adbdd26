"""Lock files that hold the pid of their owner, for one writer per output folder.

The lock is an ``flock`` on the file, so it is released by the kernel when its owner dies: a
lock file left by a killed run is simply taken over. The pid in the file only names the owner
in the error message. Locks are re-entrant within a thread (the CLI holds the output lock for
the whole run and the save inside it takes it again); another thread of the same process is
refused like another process.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

_held: set[tuple[int, str]] = set()  # (thread, absolute lock path) of the locks held


class LockBusy(Exception):
    """The lock is held by another live process (``pid``, or None when it wrote none yet)."""

    def __init__(self, path: Path, pid: int | None):
        super().__init__(f"{path} is held by pid {pid}")
        self.path, self.pid = path, pid


@contextlib.contextmanager
def hold_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold the lock file at ``path`` for the block; ``LockBusy`` if another process holds it."""
    lock_path = os.path.abspath(path)
    key = (threading.get_ident(), lock_path)
    if key in _held:  # re-entered: the outer block releases it
        yield
        return
    fd = acquire(Path(lock_path))
    _held.add(key)
    try:
        yield
    finally:
        _held.discard(key)
        release(Path(lock_path), fd)


def acquire(path: Path) -> int:
    """Take the lock at ``path`` (creating the file) and write our pid; return its descriptor."""
    for _ in range(20):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise LockBusy(path, pid) from None
        # the previous owner may have unlinked the file between our open and our flock: then
        # we hold a lock on a file nobody else can see, so start again on the current file
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        previous = _read_pid(fd)
        if previous is not None and previous != os.getpid():
            log.info("%s: took over the lock of pid %d, which is no longer running", path, previous)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd
    raise LockBusy(path, None)


def release(path: Path, fd: int) -> None:
    """Remove the lock file (while still holding it, so nobody takes a lock on a dead file)."""
    try:
        if os.stat(path).st_ino == os.fstat(fd).st_ino:
            os.unlink(path)
    except OSError:
        pass
    os.close(fd)


def is_locked(path: Path) -> bool:
    """True when a live process holds the lock at ``path`` (without taking it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
