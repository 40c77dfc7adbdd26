"""Regenerate the report screenshots shown in the README (docs/images/report-*.png).

Runs the demo's data (``resolver synth --entities 400 --seed 7``), a dedupe, a screen of it
against the generated list, and the flows seed story, each into a temporary folder, and
photographs the top of each ``report.html`` in headless Chromium (``make browser``). For CJK
names install a CJK font first (Debian: ``fonts-noto-cjk``).

    python scripts/report_screenshot.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from resolver.cli import main
from resolver.report.browser import find_chromium, screenshot

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "images"
FIXTURES = ROOT / "tests" / "fixtures"
WIDTH = 1200


def run(*argv: str) -> None:
    code = main(["--quiet", *argv])
    if code != 0:
        sys.exit(f"resolver {' '.join(argv)}: exit {code}")


def shoot(report: Path, name: str, height: int) -> None:
    target = screenshot(report, TARGET / name, width=WIDTH, height=height)
    print(f"wrote {target.relative_to(ROOT)}")


def main_script() -> None:
    if find_chromium() is None:
        sys.exit("no chromium: install it first (make browser)")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not fonts.strip():
        print("note: no CJK font installed: Chinese names show as boxes (fonts-noto-cjk)")
    TARGET.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="resolver-screenshots-") as tmp:
        work = Path(tmp)
        run("synth", "--entities", "400", "--seed", "7", "--out", str(work / "data"))
        run("dedupe", str(work / "data" / "parties.csv"), "--out", str(work / "dedupe"))
        shoot(work / "dedupe" / "report.html", "report-dedupe.png", 1500)
        run(
            "screen",
            str(work / "dedupe"),
            "--list",
            str(work / "data" / "list.csv"),
            "--out",
            str(work / "screen"),
        )
        shoot(work / "screen" / "report.html", "report-screen.png", 1500)
        run(
            "flows",
            str(FIXTURES / "flows_seed_shipments.csv"),
            "--list",
            str(FIXTURES / "flows_seed_list.csv"),
            "--out",
            str(work / "flows"),
        )
        shoot(work / "flows" / "report.html", "report-flows.png", 1300)


if __name__ == "__main__":
    main_script()
