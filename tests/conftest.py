"""Shared fixtures: a small generated data set and a model trained on it once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def private_temp_folder(tmp_path_factory):
    """resolver's temp files (decoded inputs, DuckDB spill) go under pytest's base temp folder,
    not the system's."""
    import tempfile

    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path_factory.mktemp("systemp"))
    yield
    tempfile.tempdir = previous


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory) -> Path:
    """Screening's list index cache in this session's own temporary folder, never the user's."""
    path = tmp_path_factory.mktemp("cache")
    previous = os.environ.get("RESOLVER_CACHE_DIR")
    os.environ["RESOLVER_CACHE_DIR"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("RESOLVER_CACHE_DIR", None)
    else:
        os.environ["RESOLVER_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory) -> Path:
    """Generated trade records with ground truth (400 entities)."""
    from resolver.synth import generate

    out = tmp_path_factory.mktemp("synth")
    generate(out, n_entities=400, seed=11)
    return out


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory, synth_dir) -> Path:
    """A model trained on the generated data (unsupervised), saved to JSON."""
    from resolver import Resolver

    path = tmp_path_factory.mktemp("model") / "model.json"
    Resolver.train(synth_dir / "parties.csv", seed=1).save(path)
    return path


@pytest.fixture
def small_csv() -> Path:
    return FIXTURES / "parties_small.csv"
