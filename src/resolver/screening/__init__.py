"""Sanctions screening: match party records against watch lists with the resolver model."""

from __future__ import annotations

from resolver.screening.batch import FLOOR, ScreenResult
from resolver.screening.realtime import Match
from resolver.screening.screener import Screener

__all__ = ["FLOOR", "Match", "ScreenResult", "Screener"]
