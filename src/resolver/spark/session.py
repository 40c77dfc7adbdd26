"""A Spark session for resolver: splink's similarity jar, defaults sized to the machine, overrides.

pyspark is an optional extra (``pip install 'resolver[spark]'``, Java 17+). A session resolver
starts takes, lowest precedence first: the defaults below (``local[*]``, a quarter of the
machine's memory for the driver, which in local mode also runs the executors), the
``RESOLVER_SPARK_*`` environment variables of ``ENV_SETTINGS``, then ``spark_conf``
(``--spark-conf key=value``). A session passed in (``spark=``) is used as it is, except that
splink's similarity functions are registered on it.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from resolver.errors import UsageError
from resolver.io.runtemp import run_temp_dir

log = logging.getLogger(__name__)

DEFAULT_MASTER = "local[*]"
# environment variable -> Spark setting
ENV_SETTINGS = {
    "RESOLVER_SPARK_MASTER": "spark.master",
    "RESOLVER_SPARK_DRIVER_MEMORY": "spark.driver.memory",
    "RESOLVER_SPARK_EXECUTOR_MEMORY": "spark.executor.memory",
    "RESOLVER_SPARK_PARTITIONS": "spark.sql.shuffle.partitions",
}
WORK_DIR_ENV = "RESOLVER_SPARK_WORK_DIR"
DRIVER_MEMORY_SHARE = 0.25  # of the machine's memory; the machine may be shared
DRIVER_MEMORY_MIN_MB, DRIVER_MEMORY_MAX_MB = 1024, 32768
ROWS_PER_PARTITION = 100_000  # shuffle partitions per input rows (adaptive execution merges)
MAX_PARTITIONS = 2000
LOG4J_CONFIG = Path(__file__).with_name("log4j2.properties")


def parse_spark_conf(items: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """``key=value`` settings (``--spark-conf``) as a dict; a malformed item is a UsageError."""
    if items is None:
        return {}
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip().startswith("spark.") or not value.strip():
            raise UsageError(
                f"--spark-conf '{item}': expected key=value with a Spark setting as key, "
                "e.g. spark.driver.memory=8g"
            )
        out[key.strip()] = value.strip()
    return out


def default_driver_memory() -> str:
    """A quarter of the machine's memory, between 1 and 32 GiB, as a Spark size."""
    import psutil

    mb = int(psutil.virtual_memory().total * DRIVER_MEMORY_SHARE / 2**20)
    return f"{min(max(mb, DRIVER_MEMORY_MIN_MB), DRIVER_MEMORY_MAX_MB)}m"


def session_settings(
    spark_conf: Mapping[str, str] | None = None, temp_dir: str | None = None
) -> dict[str, str]:
    """Every setting of a session resolver starts: defaults < environment < ``spark_conf``."""
    from splink.backends.spark import similarity_jar_location

    local_dir = run_temp_dir(temp_dir) / "spark-local"
    settings = {
        "spark.master": DEFAULT_MASTER,
        "spark.app.name": "resolver",
        "spark.driver.memory": default_driver_memory(),
        "spark.sql.shuffle.partitions": str(partitions_for(0)),
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.local.dir": str(local_dir),
        "spark.log.structuredLogging.enabled": "false",
        # Spark 4 decodes CSV and JSON in a few Unicode charsets only; --encoding cp1251 needs
        # Java's full set
        "spark.sql.legacy.javaCharsets": "true",
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()}",
    }
    for env, key in ENV_SETTINGS.items():
        if os.environ.get(env):
            settings[key] = os.environ[env]
    settings.update(spark_conf or {})
    jars = [j for j in settings.get("spark.jars", "").split(",") if j]
    if similarity_jar_location() not in jars:  # splink's JARO_WINKLER and friends
        settings["spark.jars"] = ",".join([*jars, similarity_jar_location()])
    return settings


def partitions_for(n_rows: int) -> int:
    """Shuffle partitions for ``n_rows`` input records: at least two per core."""
    cores = os.cpu_count() or 2
    return min(max(2 * cores, math.ceil(n_rows / ROWS_PER_PARTITION)), MAX_PARTITIONS)


def get_session(
    master: str | None = None,
    *,
    spark_conf: Mapping[str, str] | None = None,
    temp_dir: str | None = None,
) -> Any:
    """Get or create a SparkSession with resolver's settings (see the module docstring)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(
            "--backend spark needs pyspark: pip install 'resolver[spark]' (and Java 17+)"
        ) from None
    settings = session_settings(spark_conf, temp_dir)
    if master:
        settings["spark.master"] = master
    Path(settings["spark.local.dir"]).mkdir(parents=True, exist_ok=True)
    if settings["spark.master"].startswith("local"):  # Python workers must import resolver
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # no Java, a bad setting: the JVM never started
        from resolver.spark.errors import explain

        raise UsageError(explain(exc) or f"Spark did not start: {exc}") from None
    session.sparkContext.setLogLevel("FATAL")
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).disabled = True  # pyspark's JSON dump of every failed query
    return session


def is_local(session: Any) -> bool:
    return session.sparkContext.master.startswith("local")


def work_dir(session: Any, temp_dir: str | None = None) -> str:
    """A new folder for one engine's intermediate tables, where every executor can reach it.

    Under ``RESOLVER_SPARK_WORK_DIR`` or the session's checkpoint folder when set; else, for a
    local master, in the run's private temp folder (which also becomes the checkpoint folder
    splink writes its intermediate tables to). A cluster without either is a UsageError.
    """
    base = os.environ.get(WORK_DIR_ENV)
    checkpoint = session.sparkContext._jsc.sc().getCheckpointDir()
    if not base and not checkpoint.isEmpty():
        base = checkpoint.get()
    if not base:
        if not is_local(session):
            raise UsageError(
                f"Spark on {session.sparkContext.master}: set {WORK_DIR_ENV} (or the session's "
                "checkpoint folder) to a folder every executor can write, e.g. hdfs:///tmp/resolver"
            )
        local = run_temp_dir(temp_dir) / "spark-work"
        local.mkdir(exist_ok=True)
        session.sparkContext.setCheckpointDir(str(local / "splink"))
        base = str(local)
    return f"{base.rstrip('/')}/resolver-{os.getpid()}-{secrets.token_hex(4)}"


def delete_path(session: Any, path: str) -> None:
    """Delete a folder through Hadoop's file system API (local, HDFS, S3 alike)."""
    jvm = session.sparkContext._jvm
    target = jvm.org.apache.hadoop.fs.Path(path)
    target.getFileSystem(session.sparkContext._jsc.hadoopConfiguration()).delete(target, True)


def spark_db_api(session: Any) -> Any:
    """splink's SparkAPI on ``session``; intermediate tables go to the checkpoint folder."""
    from splink.backends.spark import SparkAPI

    from resolver.spark.udfs import register_udfs

    register_udfs(session)
    return SparkAPI(spark_session=session, break_lineage_method="parquet")


def to_spark(session: Any, table: pa.Table) -> Any:
    """A small Arrow table as a Spark DataFrame (via Arrow, so list and struct columns survive)."""
    return session.createDataFrame(table)
