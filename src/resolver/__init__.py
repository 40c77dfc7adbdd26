"""resolver: entity resolution and sanctions screening for trade-compliance records.

Public API: ``Resolver`` (train / load / dedupe), ``Screener`` (screen against lists) and
``flows`` (shipments to a resolved trade network with alerts).
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
    "flows": "resolver.tradeflows",
    "FlowsResult": "resolver.tradeflows",
}

if TYPE_CHECKING:  # pragma: no cover
    from resolver.api import Resolver
    from resolver.dedupe import DedupeResult
    from resolver.errors import InputError, ModelError, ResolverError, UsageError
    from resolver.screening import Screener
    from resolver.tradeflows import FlowsResult, flows


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'resolver' has no attribute {name!r}")


__all__ = [
    "DedupeResult",
    "FlowsResult",
    "InputError",
    "ModelError",
    "Resolver",
    "ResolverError",
    "Screener",
    "UsageError",
    "__version__",
    "flows",
]
