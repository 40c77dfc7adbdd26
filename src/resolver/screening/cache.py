"""The prepared list (index and screening weights) kept on disk between runs.

An entry is a folder named by a key over everything its content depends on: the list files'
bytes (an OFAC sdn.csv's alt.csv and add.csv too), whether a partial list was allowed, the
model's parameters, the normalization and feature versions and the code itself. It is
written to a temporary folder and renamed into place, and every file's hash is checked on
load: a changed list or model gets a new key, a damaged entry is rebuilt, never used. The
folder is $RESOLVER_CACHE_DIR, else the user's cache folder (e.g. ~/.cache/resolver).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from resolver.model.params import ModelParams
from resolver.model.spec import FEATURE_VERSION
from resolver.normalize import NORMALIZATION_VERSION
from resolver.screening.lists import ofac

log = logging.getLogger(__name__)

FORMAT = "resolver-list-index"
FORMAT_VERSION = 1
KEEP_ENTRIES = 8  # older entries are removed when a new one is written
_MANIFEST = "manifest.json"
_PREFIX = "list-"


def cache_dir() -> Path:
    """$RESOLVER_CACHE_DIR, else the platform's per-user cache folder + resolver."""
    env = os.environ.get("RESOLVER_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "resolver" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "resolver"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "resolver"


def _hash_file(digest: Any, path: Path) -> None:
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)


def _hash_path(digest: Any, path: Path) -> None:
    """A list path's bytes: a file (an OFAC sdn.csv with the alt.csv and add.csv beside it), or
    every file of a folder (sorted, with their names)."""
    if path.is_dir():
        files = [(str(p.relative_to(path)), p) for p in sorted(path.rglob("*")) if p.is_file()]
    else:
        files = [(p.name, p) for p in (path, *ofac.companion_files(path))]
    for name, file in files:
        digest.update(name.encode())
        _hash_file(digest, file)


@cache
def code_fingerprint() -> str:
    """A hash of resolver's own files (code and data tables), so any change rebuilds entries."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            _hash_file(digest, path)
    return digest.hexdigest()


def entry_key(
    list_paths: Sequence[str | os.PathLike], params: ModelParams, *, allow_partial: bool = False
) -> str:
    """The key of a prepared list: list files, model parameters, versions, code and whether a
    partial list was allowed (an entry built with it must not serve a run that refuses one)."""
    digest = hashlib.sha256()
    header = {
        "format": [FORMAT, FORMAT_VERSION],
        "normalization_version": NORMALIZATION_VERSION,
        "feature_version": FEATURE_VERSION,
        "code": code_fingerprint(),
        "model": params.comparisons,
        "allow_partial": allow_partial,
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    for path in list_paths:
        digest.update(b"\x00list\x00")
        _hash_path(digest, Path(path))
    return digest.hexdigest()


def load(key: str) -> tuple[dict[str, Any], dict[str, pa.Table]] | None:
    """(manifest, tables) of the entry ``key``; None when it is absent or damaged."""
    folder = cache_dir() / f"{_PREFIX}{key}"
    if not folder.is_dir():
        return None
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise ValueError("another format")
        if manifest.get("key") != key:
            raise ValueError("key does not match its folder")
        tables = {}
        for name, expected in manifest["files"].items():
            path = folder / f"{name}.arrow"
            digest = hashlib.sha256()
            _hash_file(digest, path)
            if digest.hexdigest() != expected:
                raise ValueError(f"{path.name}: content changed")
            with pa.memory_map(str(path)) as source:
                tables[name] = pa.ipc.open_file(source).read_all()
        return manifest, tables
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        log.warning("list index cache %s is damaged (%s): rebuilding it", folder, exc)
        return None


def store(key: str, manifest: dict[str, Any], tables: dict[str, pa.Table]) -> Path | None:
    """Write an entry atomically (temporary folder, then rename); None if the cache folder is
    not writable (the run goes on without a cache)."""
    root = cache_dir()
    folder = root / f"{_PREFIX}{key}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{_PREFIX}tmp-", dir=root))
    except OSError as exc:
        log.warning("list index cache %s is not writable (%s): not cached", root, exc)
        return None
    try:
        hashes = {}
        for name, table in tables.items():
            path = stage / f"{name}.arrow"
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            digest = hashlib.sha256()
            _hash_file(digest, path)
            hashes[name] = digest.hexdigest()
        full = {"format": FORMAT, "format_version": FORMAT_VERSION, "key": key, "files": hashes}
        (stage / _MANIFEST).write_text(json.dumps({**manifest, **full}), encoding="utf-8")
        _replace(stage, folder)
    except OSError as exc:
        log.warning("list index cache %s: write failed (%s): not cached", folder, exc)
        shutil.rmtree(stage, ignore_errors=True)
        return None
    _prune(root, keep=folder)
    return folder


def _replace(stage: Path, folder: Path) -> None:
    """Rename ``stage`` to ``folder``; a damaged entry there is moved aside and removed."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        folder.rename(old)
    try:
        stage.rename(folder)
    except OSError:
        if not folder.exists():  # not another process writing the same entry first
            raise
        shutil.rmtree(stage, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _prune(root: Path, keep: Path) -> None:
    """Remove the oldest entries beyond KEEP_ENTRIES (only folders this module names)."""
    entries = [p for p in root.iterdir() if p.is_dir() and p.name.startswith(_PREFIX) and p != keep]
    with contextlib.suppress(OSError):
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP_ENTRIES - 1 :]:
            shutil.rmtree(old, ignore_errors=True)


def cached(
    key: str | None,
    build: Callable[[], tuple[dict[str, Any], dict[str, pa.Table]]],
) -> tuple[dict[str, Any], dict[str, pa.Table], bool]:
    """(manifest, tables, whether read from the cache): the entry ``key`` if it is intact, else
    ``build()``'s, stored under ``key`` (no key: built, not stored)."""
    if key is not None:
        hit = load(key)
        if hit is not None:
            return (*hit, True)
    manifest, tables = build()
    if key is not None:
        store(key, manifest, tables)
    return manifest, tables, False
