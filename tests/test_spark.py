"""The Spark backend gives DuckDB's results: same clusters, entities, pairs and outputs, with every
step on Spark (local[2] here); its pieces (inputs, levels, clustering, SQL, settings, errors)
each against their DuckDB or Python twin."""

from __future__ import annotations

import json
import random
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from resolver import Resolver
from resolver.errors import InputError, UsageError

pytestmark = pytest.mark.spark
EQUIVALENCE_BLOCK_SIZE = 8


@pytest.fixture(scope="module")
def spark_engine(tmp_path_factory):
    pytest.importorskip("pyspark", reason="pyspark not installed (pip install 'resolver[spark]')")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime on PATH: Spark needs Java 17+")
    from resolver.engine import Engine

    engine = Engine(backend="spark", spark_conf={"spark.master": "local[2]"})
    engine.spark_session()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def spark(spark_engine):
    return spark_engine.spark_session()


@pytest.fixture(scope="module")
def equivalence_data(tmp_path_factory):
    """Generated trade parties, larger than the session's synth set: 4,500 rows."""
    from resolver.synth import generate

    out = tmp_path_factory.mktemp("spark-synth")
    generate(out, n_entities=1500, seed=23)
    return out


@pytest.fixture(scope="module")
def both_runs(spark, equivalence_data, trained_model, tmp_path_factory):
    """The same model and records deduplicated on DuckDB and on Spark, outputs saved. A block
    cap of 8 sends the larger blocks of several rules through the sorted windows."""
    path = equivalence_data / "parties.csv"
    duck = Resolver.load(trained_model).dedupe(path, max_block_size=EQUIVALENCE_BLOCK_SIZE)
    on_spark = Resolver.load(trained_model, backend="spark", spark=spark)
    result = on_spark.dedupe(path, max_block_size=EQUIVALENCE_BLOCK_SIZE)
    out = tmp_path_factory.mktemp("spark-out")
    duck.save(out / "duckdb")
    result.save(out / "spark")
    yield duck, result, result.to_arrow(), out
    on_spark.engine.close()


def test_spark_gives_duckdbs_clusters_entities_and_pairs(both_runs):
    duck, result, spark, _ = both_runs
    assert result.summary["backend"] == "spark"
    assert duck.summary["entities_with_several_records"] > 300  # not a vacuous comparison
    # every step of the DuckDB run happened, so Spark's twin of each is compared
    assert duck.summary["pairs_scored_within_candidate_entities"] > 0
    assert duck.summary["prior_method"].startswith("EM")
    assert duck.summary["m_measured_on_pairs"]
    assert any(b["blocks_over_cap_compared_in_windows"] for b in duck.summary["blocking"])
    assert spark.clusters.equals(duck.clusters)  # same rows, columns, order and entity ids
    assert spark.entities.equals(duck.entities)
    a = duck.pairs.to_pandas().set_index(["id_l", "id_r"])
    b = spark.pairs.to_pandas().set_index(["id_l", "id_r"])
    assert list(a.index) == list(b.index)  # same pairs in the same order
    assert a.columns.equals(b.columns)
    assert np.abs(a.to_numpy() - b.to_numpy()).max() < 1e-9
    for key in (
        "records",
        "profiles",
        "entities",
        "pairs_written",
        "pairs_at_or_above_threshold",
        "pairs_scored_within_candidate_entities",
        "prior",
        "prior_model",
        "prior_method",
        "m_measured_on_pairs",
        "evidence",
        "blocking",
    ):
        assert result.summary[key] == duck.summary[key], key


def test_spark_writes_parquet_parts_and_duckdbs_csvs(both_runs):
    _, _, _, out = both_runs
    for name in ("clusters.csv", "entities.csv"):
        assert (out / "spark" / name).read_bytes() == (out / "duckdb" / name).read_bytes()
    parts = sorted((out / "spark" / "clusters.parquet").glob("part-*.parquet"))
    assert parts
    summary = json.loads((out / "spark" / "summary.json").read_text(encoding="utf-8"))
    assert summary["csv"] == {"clusters": "clusters.csv", "entities": "entities.csv"}
    # the model in use, as DuckDB saves it; Spark writes no links.csv or report.html (README)
    from resolver.model.params import ModelParams

    spark_model = ModelParams.load(out / "spark" / "model.json").comparisons
    duck_model = ModelParams.load(out / "duckdb" / "model.json").comparisons
    assert spark_model.keys() == duck_model.keys()
    for name, levels in duck_model.items():
        for a, b in zip(levels, spark_model[name], strict=True):
            assert a["m"] == pytest.approx(b["m"], rel=1e-9) and a["u"] == b["u"], name
    assert {"read_s", "features_s", "predict_s", "cluster_s", "write_s"} <= set(summary["timings"])
    # screening reads a Spark dedupe folder back (entity ids of its part files)
    from resolver.screening.batch import read_input

    _, entity_ids, _ = read_input(out / "spark", None, None, None)
    duck_ids = pacsv.read_csv(out / "duckdb" / "clusters.csv").column("entity_id")
    assert entity_ids.to_pylist() == duck_ids.to_pylist()


# ---------------------------------------------------------------- inputs


def _records(n: int = 6) -> pa.Table:
    return pa.table(
        {
            "id": [f"r{i}" for i in range(n)],
            "name": [
                "Alfa Trade LLC",
                "ALFA TRADE LLC",
                "Beta GmbH",
                "Beta G.m.b.H.",
                "Gamma",
                None,
            ][:n],
            "country": ["RU", "RU", "DE", "DE", "FR", "FR"][:n],
            "extra": list(range(n)),
        }
    )


def _read(spark, source, **options):
    from resolver.spark.read import check_records, read_records_spark

    frame, shown, decoded = read_records_spark(spark, source, **options)
    check_records(frame, shown, check_encoding=decoded)
    return frame


def test_spark_reads_files_folders_tables_and_frames(spark, tmp_path):
    from resolver.spark.read import ROW

    table = _records()
    folder = tmp_path / "parts"
    spark.createDataFrame(table.to_pandas()).repartition(3).write.parquet(str(folder))
    pacsv.write_csv(table, tmp_path / "in.csv")
    (tmp_path / "in.jsonl").write_text(
        "\n".join(json.dumps(r) for r in table.to_pylist()), encoding="utf-8"
    )
    spark.createDataFrame(table.to_pandas()).createOrReplaceTempView("resolver_test_parties")
    for source in (
        folder,
        tmp_path / "in.csv",
        tmp_path / "in.jsonl",
        "resolver_test_parties",
        table,
    ):
        frame = _read(spark, source)
        got = sorted(frame.select("id", "name", "extra").collect())
        assert [(r.id, r.name) for r in got] == sorted(
            zip(table["id"].to_pylist(), table["name"].to_pylist(), strict=True)
        ), source
        assert ROW in frame.columns and dict(frame.dtypes)["id"] == "string"


def test_spark_input_errors_name_the_source(spark, tmp_path):
    csv = tmp_path / "dupes.csv"
    csv.write_text("id,name\n1,A\n1,B\n2,C\n", encoding="utf-8")
    with pytest.raises(InputError, match="dupes.csv: duplicate id '1'"):
        _read(spark, csv)
    csv.write_text("id,company\n1,A\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing required column 'name'.*--map name=COLUMN"):
        _read(spark, csv)
    assert _read(spark, csv, mapping="name=company").count() == 1
    csv.write_bytes("id,name\n1,ООО Ромашка\n".encode("cp1251"))
    with pytest.raises(InputError, match="not UTF-8.*--encoding cp1251"):
        _read(spark, csv)
    assert _read(spark, csv, encoding="cp1251").collect()[0].name == "ООО Ромашка"
    csv.write_bytes("\ufeffid,name\n1,Ä\n".encode())  # a byte order mark before the header
    assert _read(spark, csv).collect()[0].id == "1"
    with pytest.raises(InputError, match="not found"):
        _read(spark, tmp_path / "missing.csv")
    csv.write_text("id,name\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        _read(spark, csv)


# ---------------------------------------------------------------- levels and clustering


def test_every_level_holds_for_the_same_pairs_in_spark_sql_and_python(
    spark_engine, spark, synth_dir
):
    """The spec's Spark SQL against the levels' Python form, on blocked and random pairs."""
    import duckdb

    from resolver.features import build_features
    from resolver.io.readers import read_records
    from resolver.model.levels import python_features
    from resolver.model.scoring import gamma_sql, pair_columns_sql
    from resolver.model.spec import COMPARISONS
    from resolver.spark.session import spark_db_api

    spark_db_api(spark)  # registers the functions the levels call
    profiles = build_features(read_records(synth_dir / "parties.csv"), duckdb.connect()).profiles
    rows = profiles.to_pylist()
    rng = random.Random(5)
    by_word: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        for key in row["name_keys"] or ():
            by_word.setdefault(key, []).append(i)
    pairs = {(rng.randrange(len(rows)), rng.randrange(len(rows))) for _ in range(1500)}
    for members in by_word.values():  # pairs sharing a word reach the similarity levels
        pairs |= {(a, b) for a in members[:6] for b in members[:6] if a != b}
    pairs = sorted(pairs)
    spark.createDataFrame(
        profiles.append_column("i", pa.array(range(len(rows))))
    ).createOrReplaceTempView("resolver_level_profiles")
    spark.createDataFrame(
        pa.table({"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]})
    ).createOrReplaceTempView("resolver_level_pairs")
    columns = sorted(
        {c for spec in COMPARISONS for c in spec.columns}
        | {"name_keys", "address_keys", "name_w_total", "address_w_total"}
    )
    side_by_side = pair_columns_sql(columns).replace('"', "`")
    gammas = ", ".join(f"{gamma_sql(spec, 'spark')} AS {spec.name}" for spec in COMPARISONS)
    got = spark.sql(
        f"""
        SELECT q.a, q.b, {gammas} FROM (
            SELECT p.a, p.b, {side_by_side}
            FROM resolver_level_pairs p
            JOIN resolver_level_profiles l ON l.i = p.a JOIN resolver_level_profiles r ON r.i = p.b
        ) q
        """
    ).collect()
    features = [python_features(r) for r in rows]
    wrong = []
    for row in got:
        left, right = features[row.a], features[row.b]
        for spec in COMPARISONS:
            expected = next(
                g for lv, g in zip(spec.levels, spec.gammas, strict=True) if lv.holds(left, right)
            )
            if row[spec.name] != expected:
                wrong.append(
                    (spec.name, row[spec.name], expected, left["name_core"], right["name_core"])
                )
    assert len(got) == len(pairs) > 3000
    assert wrong == []


def test_spark_clustering_is_the_greedy_average_linkage_of_cluster_pairs(spark_engine, spark):
    from resolver.cluster import LINK_FACTOR, cluster_pairs
    from resolver.spark.cluster import cluster_pairs_spark
    from resolver.spark.sql import SparkSql

    rng = np.random.default_rng(3)
    n = 400
    left = rng.integers(0, n, 1500)
    right = rng.integers(0, n, 1500)
    keep = left < right
    left, right = left[keep], right[keep]
    prob = rng.choice([0.99, 0.95, 0.6, LINK_FACTOR * 0.9 / 2, 0.05], size=len(left))
    expected = cluster_pairs(n, left, right, prob, 0.9)
    pairs = spark.createDataFrame(
        pa.table({"pid_l": left, "pid_r": right, "match_probability": prob})
    )
    sql = SparkSql(spark, spark_engine.spark_work_dir())
    result, stats = cluster_pairs_spark(sql, pairs, 0.9)
    got = np.arange(n)
    for row in result.collect():
        got[row.pid] = row.cluster_pid
    assert stats["contested_components"] > 0  # the greedy merge ran, not only components
    assert got.tolist() == expected.tolist()


# ---------------------------------------------------------------- SQL, settings, errors


def test_duckdb_sql_is_transpiled_with_duckdbs_meaning():
    from resolver.spark.sql import to_spark_sql

    views = {"_t": "_t_1"}
    sql = to_spark_sql(
        "SELECT t.* EXCLUDE (b), hash(a) >> 1 AS h, xs[1] AS first, xs[2:3] AS mid FROM _t t",
        views,
        lambda view: ["a", "b", "xs"] if view == "_t_1" else [],
    )
    assert sql == (
        "SELECT t.a, t.xs, SHIFTRIGHT(XXHASH64(a), 1) AS h, TRY_ELEMENT_AT(xs, 1) AS first, "
        "SLICE(xs, 2, 3 - 2 + 1) AS mid FROM _t_1 AS t"
    )
    # Spark has no list_sum: a fold over the list, in its order, as DuckDB sums
    assert to_spark_sql("SELECT list_sum(ws) AS total FROM _t", views, lambda view: []) == (
        "SELECT AGGREGATE(ws, CAST(0.0 AS DOUBLE), (acc, v) -> acc + v) AS total FROM _t_1 AS _t"
    )


def test_session_settings_defaults_environment_then_spark_conf(monkeypatch, tmp_path):
    pytest.importorskip("pyspark")
    from resolver.spark.session import parse_spark_conf, session_settings

    monkeypatch.setenv("RESOLVER_SPARK_DRIVER_MEMORY", "3g")
    monkeypatch.setenv("RESOLVER_SPARK_PARTITIONS", "7")
    settings = session_settings(
        parse_spark_conf(["spark.sql.shuffle.partitions=9", "spark.jars=/x.jar"]), str(tmp_path)
    )
    assert settings["spark.driver.memory"] == "3g"
    assert settings["spark.sql.shuffle.partitions"] == "9"
    assert settings["spark.jars"].startswith("/x.jar,") and "similarity" in settings["spark.jars"]
    monkeypatch.delenv("RESOLVER_SPARK_DRIVER_MEMORY")
    assert session_settings(None, str(tmp_path))["spark.driver.memory"].endswith("m")
    with pytest.raises(UsageError, match="spark.driver.memory=8g"):
        parse_spark_conf(["driver.memory"])


@pytest.mark.parametrize(
    ("message", "setting"),
    [
        ("java.lang.OutOfMemoryError: Java heap space", "spark.driver.memory"),
        (
            "Total size of serialized results of 3 tasks (1100.0 MiB) is bigger than "
            "spark.driver.maxResultSize (1024.0 MiB)",
            "spark.driver.maxResultSize",
        ),
        ("Python worker exited unexpectedly (crashed)", "maxRecordsPerBatch"),
        ("java.io.IOException: No space left on device", "spark.local.dir"),
        ("Container killed by YARN for exceeding memory limits", "memoryOverhead"),
        (
            "[INVALID_PARAMETER_VALUE.CHARSET] The value of parameter(s) `charset` in `CSVOptions` "
            "is invalid: expects one of the iso-8859-1, utf-8, but got cp1251.",
            "javaCharsets",
        ),
    ],
)
def test_a_spark_failure_is_one_line_naming_the_setting(message, setting):
    from resolver.spark.errors import explain

    try:
        try:
            raise RuntimeError(f"An error occurred while calling o85.parquet.\n: {message}\n\tat x")
        except RuntimeError as inner:
            raise ValueError("splink failed") from inner
    except ValueError as exc:
        hint = explain(exc)
    assert hint is not None and setting in hint and "\n" not in hint
    assert explain(ValueError("a bug of ours")) is None


def test_cli_spark_conf_needs_the_spark_backend(tmp_path, capsys):
    from resolver.cli import main

    csv = tmp_path / "p.csv"
    csv.write_text("id,name\n1,A\n", encoding="utf-8")
    code = main(["dedupe", str(csv), "--out", str(tmp_path / "o"), "--spark-conf", "spark.x=1"])
    assert code == 2
    assert "--spark-conf applies to --backend spark only" in capsys.readouterr().err


def test_cli_reports_a_real_spark_failure_in_one_line_with_the_setting(spark, tmp_path, capsys):
    """A CSV in cp1251 on a session without Java's charsets: Spark refuses the encoding, the
    CLI says so in one line naming the setting, exit 2 (no Java stack)."""
    from resolver.cli import main

    csv = tmp_path / "p.csv"
    csv.write_bytes("id,name\n1,ООО Ромашка\n".encode("cp1251"))
    try:
        code = main(
            [
                "dedupe",
                str(csv),
                "--out",
                str(tmp_path / "o"),
                "--backend",
                "spark",
                "--encoding",
                "cp1251",
                "--spark-conf",
                "spark.sql.legacy.javaCharsets=false",
            ]
        )
    finally:
        spark.conf.set("spark.sql.legacy.javaCharsets", "true")
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "spark.sql.legacy.javaCharsets=true" in err, err
    assert "at org.apache" not in err


def test_screening_with_entities_on_spark_gives_duckdbs_entities(spark, synth_dir, trained_model):
    """``--backend spark`` on screening runs its dedupe step on Spark (README): the same
    entity ids and matches as on DuckDB."""
    from resolver.screening.screener import Screener

    records = synth_dir / "parties.csv"
    lists = [synth_dir / "list.csv"]
    duck = Screener.load(*lists, model=trained_model).screen(
        records, entities=True, all_candidates=True
    )
    on_spark = Screener.load(*lists, model=trained_model, backend="spark", spark=spark)
    got = on_spark.screen(records, entities=True, all_candidates=True)
    assert "dedupe_s" in got.summary["timings"] and got.summary["backend"] == "spark"
    entity_ids = duck.matches.column("entity_id").to_pylist()
    assert duck.entity_matches.num_rows > 0 and len(set(entity_ids)) < len(entity_ids)
    assert got.matches.equals(duck.matches)
    assert got.entity_matches.equals(duck.entity_matches)
