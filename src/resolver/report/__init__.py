"""``report.html`` of each run: one self-contained page an analyst can open and read.

One module per run kind renders its page and writes it (``dedupe``, ``screen``, ``flows``).
"""

from __future__ import annotations

from pathlib import Path

from resolver.io.outputs import atomic_path

REPORT_FILE = "report.html"


def write_page(text: str, target: Path) -> Path:
    """Write a rendered page to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
