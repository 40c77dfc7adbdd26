"""Open a report in headless Chromium: its rendered text and a screenshot.

Used by the report tests and by ``scripts/report_screenshot.py``; Chromium is the Debian
package (``make browser`` installs it). Runs offline, in a fresh profile, sandbox off (as
root in containers), with every background network feature switched off.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BINARIES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing resolves: a report must not need it
)


def find_chromium() -> str | None:
    """The path of a Chromium binary, or None."""
    return next((p for b in BINARIES if (p := shutil.which(b))), None)


def _run(page: Path, extra: list[str], timeout: float) -> subprocess.CompletedProcess:
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError("no chromium binary (install the Debian package: make browser)")
    with tempfile.TemporaryDirectory(prefix="resolver-chromium-") as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )


def rendered_dom(page: Path, timeout: float = 120) -> str:
    """The page's DOM after Chromium rendered it."""
    return _run(page, ["--dump-dom"], timeout).stdout


def screenshot(
    page: Path, target: Path, width: int = 1300, height: int = 2000, timeout: float = 120
) -> Path:
    """A PNG of the top ``height`` pixels of the page at ``width``."""
    _run(page, [f"--window-size={width},{height}", f"--screenshot={target.resolve()}"], timeout)
    return target
