"""Where resolver may write its outputs, and how: guarded, locked, staged, then swapped in.

* Nothing resolver did not write is deleted or replaced: an output folder carries a marker
  (``.resolver-output.json``) listing the files the run wrote (``folder/file`` for the part files
  of a Parquet folder written by Spark, one level deep). An existing folder is used only
  when it is empty or holds nothing but such files, and those are replaced only with
  ``overwrite``; old outputs are removed file by file from the marker's list. ``/``, the home,
  working and temp folders, a folder holding an input, and a symbolic link are refused.
* Atomic: outputs go to a staging folder beside the target (``.<name>.staging-*``) that is
  swapped in once complete: a failed or killed run leaves the previous output. Between the
  swap's two renames the previous output sits in ``.<name>.old-*``; a run killed right there
  has it put back by the next run, which also removes the leftovers of killed runs.
* One writer per folder: a lock file ``.<name>.lock`` beside it holds the writer's pid.
* Files and folders get the usual modes (0666 / 0777 less the umask); a replaced folder keeps
  its mode.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from resolver.errors import UsageError
from resolver.io.locks import LockBusy, hold_lock
from resolver.version import __version__

log = logging.getLogger(__name__)

MARKER = ".resolver-output.json"
STAGING, OLD, LOCK = ".staging-", ".old-", ".lock"
PathLike = str | os.PathLike


@contextlib.contextmanager
def atomic_path(target: PathLike) -> Iterator[Path]:
    """Yield a temp path beside ``target``; rename it over ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:  # not mkstemp: its 0600 would make every output private; the umask applies
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def check_output_dir(
    out_dir: PathLike,
    overwrite: bool = False,
    *,
    inputs: Iterable[PathLike] = (),
    flag: str = "overwrite=True",
) -> Path:
    """Refuse, before any work, an output folder resolver must not write to (see the module
    docstring); ``flag`` is how the caller asks for a replacement (``--overwrite`` on the CLI)."""
    out = Path(os.path.abspath(out_dir))
    shown = str(out_dir)
    _refuse_protected(out, shown, inputs)
    if os.path.lexists(out):
        if not out.is_dir():
            raise UsageError(f"{shown}: exists and is not a folder")
        if os.path.ismount(out):
            raise UsageError(f"{shown}: is a mount point; give a folder inside it")
    _writable(out.parent, shown)  # staging folder, lock and swap live beside the output
    if out.is_dir():
        _check_contents(out, shown, overwrite, flag)
    return out


def check_output_file(
    path: PathLike,
    overwrite: bool = False,
    *,
    is_ours: Callable[[Path], bool],
    what: str,
    flag: str = "overwrite=True",
) -> Path:
    """Refuse to replace a file that is not ``what`` resolver writes (``is_ours``), or one that is
    without ``overwrite``; refuse a symbolic link, a folder and an unwritable place."""
    target = Path(os.path.abspath(path))
    if target.is_symlink():
        raise UsageError(f"{path}: is a symbolic link; give the file it points to")
    if os.path.lexists(target):
        if target.is_dir():
            raise UsageError(f"{path}: is a folder")
        if not is_ours(target):
            raise UsageError(
                f"{path}: exists and is not {what}; resolver replaces only files it wrote"
            )
        if not overwrite:
            raise UsageError(f"{path}: exists; pass {flag} to replace it")
    _writable(target.parent, str(path))
    return target


@contextlib.contextmanager
def claim_output_dir(
    out_dir: PathLike,
    overwrite: bool = False,
    *,
    inputs: Iterable[PathLike] = (),
    flag: str = "overwrite=True",
    need_bytes: int = 0,
) -> Iterator[Path]:
    """Check the output folder and hold its lock for the block (one writer per folder); put back
    an output lost by a killed run and remove such runs' leftovers first."""
    inputs = list(inputs)
    out = check_output_dir(out_dir, overwrite, inputs=inputs, flag=flag)
    out.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        lock = out.parent / f".{out.name}{LOCK}"
        try:
            stack.enter_context(hold_lock(lock))
        except LockBusy as exc:
            owner = f"pid {exc.pid}" if exc.pid else "another process"
            raise UsageError(
                f"{out_dir}: another resolver run ({owner}) is writing to this folder; "
                f"wait for it to finish (lock file {exc.path})"
            ) from None
        except OSError as exc:
            raise UsageError(f"{out_dir}: cannot create {lock} ({exc.strerror})") from None
        _recover(out)
        check_output_dir(out_dir, overwrite, inputs=inputs, flag=flag)
        _check_space(out, str(out_dir), need_bytes)
        yield out


@contextlib.contextmanager
def staged_output_dir(
    out_dir: PathLike,
    overwrite: bool = False,
    *,
    flag: str = "overwrite=True",
    formula_guarded_csv: bool = True,
) -> Iterator[Path]:
    """Yield an empty staging folder; when the block succeeds, mark its files as resolver's and
    swap it in place of ``out_dir`` (refused as ``check_output_dir`` says).

    ``formula_guarded_csv``: the CSVs written are for people, formula-guarded by ``write_table``
    (recorded in the marker so resolver reads its own CSVs back raw).
    """
    with claim_output_dir(out_dir, overwrite, flag=flag) as out:
        stage = _new_stage(out)
        try:
            yield stage
            files = _written_files(stage)
            write_marker(stage, files, formula_guarded_csv=formula_guarded_csv)
            _swap(stage, out)
        finally:
            if stage.exists():
                shutil.rmtree(stage, ignore_errors=True)


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The folder's resolver output marker, or None when it has none (or not a valid one)."""
    path = folder / MARKER
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != "resolver":
        return None
    files = data.get("files")
    if not isinstance(files, list):
        return None
    if not all(isinstance(f, str) and _is_entry(f) for f in files):
        return None
    return data


def _is_entry(name: str) -> bool:
    """A marker entry: a file name, or ``folder/file`` (one level)."""
    parts = name.split("/")
    return len(parts) <= 2 and all(p and p not in (".", "..") for p in parts)


def _written_files(stage: Path) -> list[str]:
    """The files in ``stage`` (but the marker) and in its folders, as marker entries."""
    files = []
    for entry in stage.iterdir():
        if entry.name == MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            files += [f"{entry.name}/{p.name}" for p in entry.iterdir()]
        else:
            files.append(entry.name)
    return sorted(files)


def write_marker(
    folder: Path, files: list[str], *, complete: bool = True, formula_guarded_csv: bool = False
) -> None:
    """Record ``files`` as written by resolver into ``folder``."""
    payload: dict[str, Any] = {
        "written_by": "resolver",
        "version": __version__,
        "complete": complete,
        "files": files,
    }
    if formula_guarded_csv:
        payload["csv_formula_prefix"] = "'"
    with atomic_path(folder / MARKER) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _refuse_protected(out: Path, shown: str, inputs: Iterable[PathLike]) -> None:
    if out.is_symlink():
        raise UsageError(
            f"{shown}: is a symbolic link (to {os.readlink(out)}); give the folder itself"
        )
    real = out.resolve()
    protected = [(Path("/"), "the root folder")]
    with contextlib.suppress(RuntimeError, KeyError):
        protected.append((Path.home(), "your home folder"))
    protected += [
        (Path.cwd(), "the working folder"),
        (Path(tempfile.gettempdir()), "the temp folder"),
    ]
    protected = [(folder.resolve(), what) for folder, what in protected]
    for folder, what in protected:
        if real == folder:
            raise UsageError(f"{shown}: is {what}; give a new folder for resolver's outputs")
    for folder, what in protected:
        if real in folder.parents:
            raise UsageError(f"{shown}: holds {what} ({folder}); give a new folder")
    for raw in inputs:
        path = Path(raw).resolve()
        if real == path or real in path.parents:
            raise UsageError(f"{shown}: holds the input {raw}; write the outputs to another folder")


def _writable(folder: Path, shown: str) -> None:
    """The nearest existing folder at or above ``folder`` must be a writable folder."""
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{shown}: cannot be created: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{shown}: cannot write to {existing} (permission denied)")


def _check_contents(out: Path, shown: str, overwrite: bool, flag: str) -> None:
    with os.scandir(out) as it:
        entries = {e.name: e.is_file(follow_symlinks=False) for e in it}
    if not entries:
        return
    marker = read_marker(out)
    ours = {MARKER, *marker["files"]} if marker else set()
    foreign = sorted(
        n
        for n, is_file in entries.items()
        if not (n in ours and is_file) and not (not is_file and _all_ours(out / n, ours))
    )
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        raise UsageError(
            f"{shown}: holds files resolver did not write ({', '.join(foreign[:5])}{more}); "
            "resolver replaces only its own outputs: give a new or empty folder"
        )
    if not overwrite:
        raise UsageError(f"{shown}: holds the output of an earlier run; pass {flag} to replace it")


def _all_ours(folder: Path, ours: set[str]) -> bool:
    """A folder (not a link) holding only files the marker lists as ``folder/file``."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    with os.scandir(folder) as it:
        return all(
            e.is_file(follow_symlinks=False) and f"{folder.name}/{e.name}" in ours for e in it
        )


def _check_space(out: Path, shown: str, need_bytes: int) -> None:
    if need_bytes <= 0:
        return
    free = shutil.disk_usage(out.parent).free
    if free < need_bytes:
        raise UsageError(
            f"{shown}: not enough free disk space: the outputs need about "
            f"{_mb(need_bytes)}, {_mb(free)} free"
        )


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def _sibling(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}{kind}{secrets.token_hex(4)}"


def _is_sibling(out: Path, kind: str, name: str) -> bool:
    return re.fullmatch(re.escape(f".{out.name}{kind}") + "[0-9a-f]{8}", name) is not None


def _new_stage(out: Path) -> Path:
    while True:
        stage = _sibling(out, STAGING)
        try:
            stage.mkdir(0o777)  # the umask applies, as for any folder a tool creates
        except FileExistsError:
            continue
        write_marker(stage, [], complete=False)
        return stage


def _swap(stage: Path, out: Path) -> None:
    """Put the complete ``stage`` in place of ``out``; the previous output is removed last."""
    if not os.path.lexists(out):
        os.rename(stage, out)
        return
    os.chmod(stage, stat.S_IMODE(os.stat(out).st_mode))
    old = _sibling(out, OLD)
    _move_aside(out, old)
    os.rename(stage, out)
    remove_output(old)


def _move_aside(out: Path, old: Path) -> None:
    """First rename of the swap (a function of its own so tests can kill a run right after)."""
    os.rename(out, old)


def remove_output(folder: Path) -> None:
    """Delete the files the folder's marker lists, the marker and the folder if then empty;
    anything else is left in place (with a warning), never deleted."""
    marker = read_marker(folder)
    subfolders = set()
    for name in marker["files"] if marker else ():
        path = folder / name
        if "/" in name:
            if path.parent.is_symlink():
                continue
            subfolders.add(path.parent)
        if path.is_file() and not path.is_symlink():
            path.unlink()
    for sub in subfolders:
        with contextlib.suppress(OSError):
            sub.rmdir()
    if marker:
        (folder / MARKER).unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        log.warning("%s: left in place: it holds files resolver did not write", folder)


def _recover(out: Path) -> None:
    """Put back an output a killed run left in ``.<name>.old-*``; remove killed runs' leftovers."""
    stages, olds = [], []
    with os.scandir(out.parent) as it:
        for entry in it:
            if not entry.is_dir(follow_symlinks=False):
                continue
            if _is_sibling(out, STAGING, entry.name):
                stages.append(Path(entry.path))
            elif _is_sibling(out, OLD, entry.name):
                olds.append(Path(entry.path))
    if not os.path.lexists(out):
        restorable = [p for p in olds if _complete(p) or not any(p.iterdir())]
        if restorable:
            previous = max(restorable, key=lambda p: p.stat().st_mtime)
            os.rename(previous, out)
            olds.remove(previous)
            log.warning(
                "%s: put back the previous output, left by a run killed while replacing it", out
            )
    for old in olds:
        remove_output(old)
    for stage in stages:
        if read_marker(stage) is not None:
            shutil.rmtree(stage, ignore_errors=True)


def _complete(folder: Path) -> bool:
    marker = read_marker(folder)
    return bool(marker and marker.get("complete"))
