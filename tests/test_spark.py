"""The same model on Spark (splink's SparkAPI, local[2]) gives the same clusters as on DuckDB."""

from __future__ import annotations

import shutil

import pyarrow.csv as pacsv
import pytest

from resolver import Resolver

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_session():
    pytest.importorskip("pyspark", reason="pyspark not installed (pip install 'resolver[spark]')")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime on PATH: Spark needs Java 17+")
    from resolver.spark import get_session

    session = get_session("local[2]")
    yield session
    session.stop()


def test_duckdb_trained_model_gives_same_clusters_on_spark(spark_session, synth_dir, trained_model):
    records = pacsv.read_csv(synth_dir / "parties.csv").slice(0, 2000)
    on_duckdb = Resolver.load(trained_model).dedupe(records)
    on_spark = Resolver.load(trained_model, backend="spark", spark=spark_session).dedupe(records)
    assert on_spark.summary["backend"] == "spark"
    duck = dict(
        zip(
            on_duckdb.clusters["id"].to_pylist(),
            on_duckdb.clusters["entity_id"].to_pylist(),
            strict=True,
        )
    )
    spark = dict(
        zip(
            on_spark.clusters["id"].to_pylist(),
            on_spark.clusters["entity_id"].to_pylist(),
            strict=True,
        )
    )
    assert duck == spark
    assert on_duckdb.summary["entities_with_several_records"] > 50  # the comparison is not vacuous
    a = on_duckdb.pairs.to_pandas().set_index(["id_l", "id_r"]).match_probability
    b = on_spark.pairs.to_pandas().set_index(["id_l", "id_r"]).match_probability
    assert set(a.index) == set(b.index)
    assert (a - b.reindex(a.index)).abs().max() < 1e-6
