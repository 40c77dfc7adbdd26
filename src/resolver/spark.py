"""Spark backend: a session with splink's similarity jar, and Arrow tables moved into Spark.

pyspark is an optional extra (``pip install resolver[spark]``). The master defaults to
``local[2]``; point resolver at a cluster with ``RESOLVER_SPARK_MASTER`` (e.g.
``spark://host:7077`` or ``yarn``) or pass your own ``SparkSession`` as ``spark=``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pyarrow as pa

from resolver.errors import UsageError

log = logging.getLogger(__name__)


def get_session(master: str | None = None) -> Any:
    """Get or create a SparkSession with splink's UDF jar on ``spark.jars``."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError:
        raise UsageError(
            "--backend spark needs pyspark: pip install 'resolver[spark]' (and Java 17+)"
        ) from None
    master = master or os.environ.get("RESOLVER_SPARK_MASTER", "local[2]")
    builder = (
        SparkSession.builder.master(master)
        .appName("resolver")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", os.environ.get("RESOLVER_SPARK_PARTITIONS", "8"))
        .config("spark.default.parallelism", os.environ.get("RESOLVER_SPARK_PARTITIONS", "8"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(
        os.environ.get("RESOLVER_SPARK_CHECKPOINT_DIR", "/tmp/resolver-spark-checkpoints")
    )
    return session


def spark_db_api(engine: Any) -> Any:
    """splink's SparkAPI on the engine's session (created on first use)."""
    from splink.backends.spark import SparkAPI

    if engine.spark is None:
        engine.spark = get_session()
    return SparkAPI(spark_session=engine.spark, break_lineage_method="parquet")


def to_spark(engine: Any, table: pa.Table) -> Any:
    """An Arrow table as a Spark DataFrame (via Arrow, so list and struct columns survive)."""
    if engine.spark is None:
        engine.spark = get_session()
    return engine.spark.createDataFrame(table)
