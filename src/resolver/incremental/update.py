"""Incremental resolution: a first run writes a state folder; each later batch joins it.

``resolve_into`` holds the state folder's lock from reading the state to swapping the new one
in: the first run is ``first.py``, a batch ``batch.py``, the files ``store.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable

import pyarrow as pa

from resolver.dedupe import DedupeResult
from resolver.engine import Engine
from resolver.errors import UsageError
from resolver.incremental.batch import run_batch
from resolver.incremental.first import first_run
from resolver.incremental.state import State, StateError, is_state, read_state
from resolver.incremental.store import write_state
from resolver.io.outputs import claim_output_dir, staged_output_dir
from resolver.model.params import ModelParams


def model_fingerprint(params: ModelParams) -> str:
    """Identity of a model's parameters (not its metadata)."""
    data = params.to_dict()
    data.pop("metadata", None)
    data.pop("resolver_version", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def resolve_into(
    table: pa.Table,
    state_dir: str | os.PathLike,
    engine: Engine,
    *,
    params: ModelParams | None,
    threshold: float | None = None,
    max_block_size: int | None = None,
    fmt: str | None = None,
    source: str = "input table",
    inputs: Iterable[str | os.PathLike] = (),
    progress: Callable[[str], None] | None = None,
) -> DedupeResult:
    """Resolve ``table`` into the state in ``state_dir``: a first run when the folder is new or
    empty, else a batch joining the stored entities. Returns the run's outputs (also written).

    ``params``: the model; on a batch it must be the one the state was made with (None: the
    state's own). ``threshold`` and ``max_block_size`` likewise must be the state's.
    """
    step = progress or (lambda _msg: None)
    if engine.backend != "duckdb":
        raise UsageError("incremental resolution (--into) runs on the DuckDB backend only")
    with claim_output_dir(state_dir, overwrite=True, inputs=list(inputs)) as folder:
        previous = None
        if is_state(folder):
            previous = read_state(folder)
            _check_settings(previous, params, threshold, max_block_size)
            fmt = fmt or previous.manifest["output_format"]
            prepared = run_batch(engine, previous, table, source, step)
        elif folder.is_dir() and any(folder.iterdir()):
            raise StateError(
                f"{state_dir}: holds a dedupe output without a state (no state.json); give a "
                "new folder for the first run of --into"
            )
        elif params is None:
            raise StateError(f"{state_dir}: no state yet: the first run needs a model")
        else:
            fmt = fmt or "csv"
            prepared = first_run(
                engine,
                params,
                table,
                threshold=threshold,
                max_block_size=max_block_size,
                fingerprint=model_fingerprint(params),
                source=source,
                step=step,
            )
        prepared.manifest["output_format"] = fmt
        step("writing")
        with staged_output_dir(folder, overwrite=True) as stage:
            prepared.result.write(stage, fmt)
            write_state(engine.con, stage, prepared, previous)
    return prepared.result


def _check_settings(
    state: State, params: ModelParams | None, threshold: float | None, block: int | None
) -> None:
    m, folder = state.manifest, state.folder
    if params is not None and model_fingerprint(params) != m["model_fingerprint"]:
        raise StateError(
            f"{folder}: the state was made with another model ({m['model_source']}); use that "
            "model, or run a full dedupe with this one into a new folder"
        )
    if threshold is not None and float(threshold) != m["threshold"]:
        raise StateError(
            f"{folder}: the state was made at threshold {m['threshold']}; a batch cannot use "
            f"{threshold} (run a full dedupe into a new folder to change it)"
        )
    if block is not None and int(block) != m["max_block_size"]:
        raise StateError(
            f"{folder}: the state was made with max block size {m['max_block_size']}; a batch "
            f"cannot use {block}"
        )
