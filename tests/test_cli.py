"""The command line's own promises: --version, defaults in --help, and the README's examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

from resolver import Resolver, __version__
from resolver.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"resolver {__version__}"


def test_help_shows_defaults(capsys):
    from resolver.api import default_model_path
    from resolver.features import DEFAULT_MAX_BLOCK_SIZE

    assert main(["dedupe", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    threshold = json.loads(default_model_path().read_text(encoding="utf-8"))["threshold"]
    assert f"{threshold} for the shipped model" in text
    assert f"(default: {DEFAULT_MAX_BLOCK_SIZE})" in text
    assert "(default: csv)" in text and "(default: duckdb)" in text


def test_readme_gives_the_shipped_dedupe_threshold():
    threshold = Resolver.load().params.threshold
    line = next(
        x for x in README.read_text(encoding="utf-8").splitlines() if "resolver dedupe" in x
    )
    assert re.search(rf"--threshold {threshold}\b", line), line


def test_readme_python_example_runs_twice(tmp_path, small_csv):
    """The README's ``result.save`` line, run twice on the same folder, as a user would."""
    code = next(
        x.strip()
        for x in README.read_text(encoding="utf-8").splitlines()
        if x.strip().startswith("result.save(")
    )
    result = Resolver.load().dedupe(small_csv)
    folder = tmp_path / "out"
    for _ in range(2):
        exec(code.replace('"out/"', repr(str(folder))), {"result": result})
    assert (folder / "clusters.csv").exists()
