"""Ctrl-C during a DuckDB query.

DuckDB runs a query in C++ without returning to Python, so Python's signal handler runs only
once the query is done (minutes on a large input; splink's ``CREATE TABLE`` statements never
check). Code that opens a connection registers it here; while ``watch_signals`` is active a
thread woken by SIGINT or SIGTERM interrupts every registered connection, the query stops at
once and the signal's own handler then runs in the main thread.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import weakref
from collections.abc import Iterator
from typing import TypeVar

Connection = TypeVar("Connection")

_connections: weakref.WeakSet = weakref.WeakSet()
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def register(con: Connection) -> Connection:
    """Have ``con`` (a DuckDB connection) interrupted on Ctrl-C; returns it."""
    _connections.add(con)
    return con


def interrupt_all() -> None:
    """Interrupt the query each registered connection runs (a no-op for idle ones)."""
    for con in list(_connections):
        with contextlib.suppress(Exception):
            con.interrupt()


@contextlib.contextmanager
def watch_signals() -> Iterator[None]:
    """While active, SIGINT and SIGTERM (with Python handlers installed) interrupt DuckDB."""
    wake_read, wake_write = socket.socketpair()
    wake_write.setblocking(False)
    try:
        previous = signal.set_wakeup_fd(wake_write.fileno(), warn_on_full_buffer=False)
    except ValueError:  # not the main thread: signals are not ours to watch
        wake_read.close()
        wake_write.close()
        yield
        return
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            received = wake_read.recv(64)
            if not stop.is_set() and _SIGNALS & set(received):
                interrupt_all()

    thread = threading.Thread(target=watch, name="resolver-signal-watch", daemon=True)
    thread.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous)
        stop.set()
        wake_write.send(b"\0")
        thread.join(timeout=5)
        wake_read.close()
        wake_write.close()
