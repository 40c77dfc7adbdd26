"""resolver: entity resolution and sanctions screening for trade-compliance records.

Public API: ``Resolver`` (train / load / dedupe) and ``Screener`` (screen against lists).
Imports are lazy so that ``resolver.errors`` and the CLI's argument parsing stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resolver.version import __version__

_EXPORTS = {
    "Resolver": "resolver.api",
    "DedupeResult": "resolver.dedupe",
    "Screener": "resolver.screening",
    "InputError": "resolver.errors",
    "ModelError": "resolver.errors",
    "ResolverError": "resolver.errors",
    "UsageError": "resolver.errors",
}

if TYPE_CHECKING:  # pragma: no cover
    from resolver.api import Resolver
    from resolver.dedupe import DedupeResult
    from resolver.errors import InputError, ModelError, ResolverError, UsageError
    from resolver.screening import Screener


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'resolver' has no attribute {name!r}")


__all__ = [
    "DedupeResult",
    "InputError",
    "ModelError",
    "Resolver",
    "ResolverError",
    "Screener",
    "UsageError",
    "__version__",
]
