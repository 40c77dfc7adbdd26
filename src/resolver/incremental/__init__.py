"""Incremental resolution: batches join a stored state with stable entity ids (issue 20)."""

from resolver.incremental.state import StateError, is_state
from resolver.incremental.update import resolve_into

__all__ = ["StateError", "is_state", "resolve_into"]
