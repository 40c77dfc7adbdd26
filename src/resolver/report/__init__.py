"""``report.html`` of each run: one self-contained page an analyst can open and read."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from resolver.io.outputs import atomic_path

if TYPE_CHECKING:  # pragma: no cover
    from resolver.dedupe import DedupeResult
    from resolver.review.screen_run import ReviewedScreen
    from resolver.tradeflows.run import FlowsResult

REPORT_FILE = "report.html"


def _write(text: str, target: Path) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def write_dedupe_report(result: DedupeResult, target: Path) -> Path:
    """Write the dedupe report to ``target`` atomically."""
    from resolver.report.dedupe import dedupe_report

    return _write(dedupe_report(result), target)


def write_flows_report(result: FlowsResult, target: Path) -> Path:
    """Write the flows report to ``target`` atomically."""
    from resolver.report.flows import flows_report

    return _write(flows_report(result), target)


def write_screen_report(result: ReviewedScreen, target: Path) -> Path:
    """Write the screening report to ``target`` atomically."""
    from resolver.report.screen import screen_report

    return _write(screen_report(result), target)
