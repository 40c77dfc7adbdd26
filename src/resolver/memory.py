"""Hand memory freed between the stages of a run back to the operating system.

A large dedupe frees big tables between its stages (DuckDB's intermediate tables, Arrow copies
of the scored pairs), but the allocators keep the freed pages for reuse, and the next stage's
peak comes on top of them. On 1M generated rows 0.6-1.0 GB of free memory stayed resident in
DuckDB's allocator (its bundled jemalloc, dirty pages it only purges when allocating again)
and up to 0.9 GB in the C heap (glibc malloc, which holds Arrow tables DuckDB returns).
``release_memory`` purges both: jemalloc's dirty pages through the ``mallctl`` entry point
DuckDB's library exports, and glibc's free heap pages (``malloc_trim``). Each is skipped where
it is not there (another platform or C library, a DuckDB build without jemalloc); the outputs
never depend on it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)

# jemalloc's "all arenas" index (MALLCTL_ARENAS_ALL) in "arena.<i>.purge"
_PURGE_ALL_ARENAS = b"arena.4096.purge"
# the name DuckDB's bundled jemalloc exports its mallctl under (symbols are prefixed)
_DUCKDB_MALLCTL = "duckdb_je_mallctl"


@functools.cache
def _purgers() -> tuple[Callable[[], object], ...]:
    """The purge calls available in this process (looked up once)."""
    import duckdb  # noqa: F401  (loads the extension module whose allocator is purged)

    found: list[Callable[[], object]] = []
    module = sys.modules.get("_duckdb")
    path = getattr(module, "__file__", None)
    if path:
        try:
            mallctl = getattr(ctypes.CDLL(path), _DUCKDB_MALLCTL)
        except (OSError, AttributeError):
            log.debug("DuckDB's allocator exports no %s: not purged", _DUCKDB_MALLCTL)
        else:
            mallctl.restype = ctypes.c_int
            found.append(functools.partial(mallctl, _PURGE_ALL_ARENAS, None, None, None, 0))
    if sys.platform.startswith("linux"):
        try:
            trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            log.debug("no malloc_trim in this C library: heap not trimmed")
        else:
            trim.argtypes = [ctypes.c_size_t]
            trim.restype = ctypes.c_int
            found.append(functools.partial(trim, 0))
    return tuple(found)


def release_memory() -> None:
    """Return the free pages DuckDB's allocator and the C heap hold to the operating system.

    Cheap (a few milliseconds at 1M rows) and safe while DuckDB threads run; call it between
    stages, after large tables are dropped.
    """
    for purge in _purgers():
        purge()
