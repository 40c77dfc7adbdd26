"""Sanctions screening: match party records against watch lists with the resolver model."""

from __future__ import annotations

from resolver.screening.screen import FLOOR, Match, Screener, ScreenResult

__all__ = ["FLOOR", "Match", "ScreenResult", "Screener"]
