"""Backend choice: an embedded DuckDB connection (default) or a Spark session, wrapped for splink."""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

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


class SqlRunner(Protocol):
    """Where SQL written once in DuckDB's dialect runs: DuckDB as written (``DuckDBSql``) or
    Spark, transpiled (``resolver.spark.sql.SparkSql``). Tables are temporary, per run."""

    def create(self, name: str, select: str) -> None:
        """Materialize the result of ``select`` as table ``name`` (replacing it)."""

    def rows(self, select: str) -> list[tuple]:
        """The (small) result of ``select`` as tuples."""

    def drop(self, *names: str) -> None:
        """Drop the tables, if they exist."""


@dataclass
class DuckDBSql:
    """``SqlRunner`` on a DuckDB connection: temp tables of that connection."""

    con: duckdb.DuckDBPyConnection

    def create(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")

    def rows(self, select: str) -> list[tuple]:
        return self.con.execute(select).fetchall()

    def drop(self, *names: str) -> None:
        for name in names:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")


@dataclass
class Engine:
    """A database backend that splink runs on; ``con`` is always a DuckDB connection for local SQL.

    DuckDB spills to a private folder of its own inside the run's temp folder (under
    ``temp_dir`` when given), removed by ``close`` or at exit. The Spark session (``spark``,
    or one started with ``spark_conf`` on first use) gets a work folder per engine for its
    intermediate tables, also removed by ``close``.
    """

    backend: str = "duckdb"
    memory_limit: str | None = None
    temp_dir: str | None = None
    spark: Any = None
    spark_conf: Mapping[str, str] | None = None
    con: duckdb.DuckDBPyConnection = field(init=False)
    spill_dir: Path = field(init=False)
    _registrations: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _spark_owned: bool = field(default=False, init=False)
    _spark_work: str | None = field(default=None, init=False)
    # Spark's temp views belong to the session, which several engines may share
    _tag: str = field(default_factory=lambda: secrets.token_hex(4), init=False)

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

    def spark_session(self) -> Any:
        """The Spark session: the one given, else one resolver starts (``resolver.spark.session``)."""
        if self.spark is None:
            from resolver.spark.session import get_session

            self.spark = get_session(spark_conf=self.spark_conf, temp_dir=self.temp_dir)
            self._spark_owned = True
        return self.spark

    @property
    def spark_owned(self) -> bool:
        """resolver started the session (its settings are resolver's to tune per run)."""
        return self._spark_owned

    def spark_work_dir(self) -> str:
        """This engine's folder for Spark's intermediate tables (created on first use)."""
        if self._spark_work is None:
            from resolver.spark.session import work_dir

            self._spark_work = work_dir(self.spark_session(), self.temp_dir)
        return self._spark_work

    def db_api(self):
        """A fresh splink database API on this engine."""
        if self.backend == "duckdb":
            from splink import DuckDBAPI

            return DuckDBAPI(connection=self.con)
        from resolver.spark.session import spark_db_api

        self.spark_work_dir()  # a local session gets its checkpoint folder here
        return spark_db_api(self.spark_session())

    def register(self, db_api, table, name: str):
        """Register a table with splink's backend under a name unique to this engine (on Spark
        unique to the session): an Arrow table, or on Spark also a Spark DataFrame."""
        self._registrations += 1
        name = f"{name}_{self._registrations}"
        if self.backend == "spark":
            name = f"{name}_{self._tag}"
            if isinstance(table, pa.Table):
                from resolver.spark.session import to_spark

                table = to_spark(self.spark_session(), table)
        return db_api.register(table, dataset_display_name=name, table_name=name)

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
        if self._spark_work is not None:
            from resolver.spark.session import delete_path

            with contextlib.suppress(Exception):  # a stopped session: the run folder goes at exit
                delete_path(self.spark, self._spark_work)
            self._spark_work = None
