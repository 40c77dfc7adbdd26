"""Backend choice: an embedded DuckDB connection (default) or a Spark session, wrapped for splink."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from resolver import interrupts
from resolver.errors import UsageError
from resolver.io.runtemp import run_temp_dir

log = logging.getLogger(__name__)

# DuckDB's own default is 80% of RAM. resolver's largest tables (candidate pairs, scored pairs)
# spill well: on 1M generated rows (one run each, machine shared) a 1.5 GB cap lowered the
# run's peak memory from 3.2 to 2.9 GB and the run was not slower; --memory-limit raises it.
DEFAULT_MEMORY_LIMIT = "1536MB"


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, tables: Mapping[str, Any]) -> Iterator[None]:
    """Arrow tables registered on ``con`` under the given names for the duration of the block."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)


@dataclass
class Engine:
    """A database backend that splink runs on; ``con`` is always a DuckDB connection for local SQL.

    DuckDB spills to a private folder of its own inside the run's temp folder (under
    ``temp_dir`` when given), removed by ``close`` or at exit.
    """

    backend: str = "duckdb"
    memory_limit: str | None = None
    temp_dir: str | None = None
    spark: Any = None
    con: duckdb.DuckDBPyConnection = field(init=False)
    spill_dir: Path = field(init=False)
    _registrations: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.backend not in ("duckdb", "spark"):
            raise UsageError(f"unknown backend '{self.backend}' (expected duckdb or spark)")
        self.con = interrupts.register(duckdb.connect())
        try:
            self.spill_dir = Path(
                tempfile.mkdtemp(prefix="duckdb-", dir=run_temp_dir(self.temp_dir))
            )
        except OSError as exc:
            where = self.temp_dir or tempfile.gettempdir()
            raise UsageError(f"temp folder {where}: cannot use it ({exc.strerror})") from None
        self.con.execute("SET temp_directory = ?", [str(self.spill_dir)])
        self.con.execute("SET preserve_insertion_order = false")
        limit = self.memory_limit or DEFAULT_MEMORY_LIMIT
        try:
            self.con.execute("SET memory_limit = ?", [limit])
        except duckdb.Error as exc:
            raise UsageError(f"--memory-limit '{limit}': {exc}") from None

    @contextlib.contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to this engine's database for one call: what it registers and its temp
        tables are its own (concurrent calls do not meet) and are gone when the block ends."""
        with self._lock:  # a DuckDB connection object is not thread-safe, cursor() included
            # a cursor is a connection of its own: ``con.interrupt()`` does not stop its query
            cursor = interrupts.register(self.con.cursor())
        try:
            yield cursor
        finally:
            cursor.close()

    def db_api(self):
        """A fresh splink database API on this engine."""
        if self.backend == "duckdb":
            from splink import DuckDBAPI

            return DuckDBAPI(connection=self.con)
        from resolver.spark import spark_db_api

        return spark_db_api(self)

    def register(self, db_api, table, name: str):
        """Register an Arrow table with splink's backend under a name unique to this engine."""
        self._registrations += 1
        name = f"{name}_{self._registrations}"
        if self.backend == "duckdb":
            return db_api.register(table, dataset_display_name=name, table_name=name)
        from resolver.spark import to_spark

        return db_api.register(to_spark(self, table), dataset_display_name=name, table_name=name)

    def release(self, linker) -> None:
        """Drop the tables splink made for ``linker`` and the inputs ``register`` gave it, so
        long-lived engines do not grow."""
        try:
            linker.table_management.delete_tables_created_by_splink_from_db()
            for sdf in linker._input_tables_dict.values():
                if self.backend == "duckdb":  # a registered Arrow table is a view
                    self.con.unregister(sdf.physical_name)
                else:
                    sdf.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
        except Exception as exc:  # cleanup must never fail a finished run
            log.debug("cleanup of splink tables failed: %s", exc)

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.spill_dir, ignore_errors=True)
