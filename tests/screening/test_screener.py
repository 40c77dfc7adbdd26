"""Screener as a service: batch and single lookups agree, calls from threads, no table leaks."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from resolver.model.params import default_model_path
from resolver.screening import Screener


@pytest.fixture(scope="module")
def generated(synth_dir: Path) -> tuple[Screener, pa.Table]:
    if not default_model_path().exists():
        pytest.skip(f"default model not found: {default_model_path()}")
    text = {c: pa.string() for c in ("id", "tax_id", "postcode")}
    parties = pacsv.read_csv(
        synth_dir / "parties.csv", convert_options=pacsv.ConvertOptions(column_types=text)
    )
    return Screener.load(synth_dir / "list.csv"), parties


def test_screen_one_equals_batch_on_every_record(generated) -> None:
    """Every record of a generated batch gets the same listed parties, scores, names and
    explanations one at a time as in the batch."""
    screener, parties = generated
    batch = screener.screen(parties, all_candidates=True).matches.to_pylist()
    by_record: dict[str, dict[str, dict]] = {}
    for row in batch:
        by_record.setdefault(row["id"], {})[row["list_id"]] = row
    compared = 0
    for record in parties.to_pylist():
        one = {m.list_id: m for m in screener.screen_one(record)}
        expected = by_record.get(record["id"], {})
        assert set(one) == set(expected), record
        for list_id, row in expected.items():
            m = one[list_id]
            assert (m.score, m.match, m.matched_name, m.explanation) == (
                row["score"],
                row["match"],
                row["matched_name"],
                row["explanation"],
            )
            compared += 1
    assert compared >= 100  # the comparison is not vacuous


def test_screen_from_four_threads(generated) -> None:
    """Concurrent batch calls on one Screener (half of them rolling up to entities, which
    dedupes first) give the results of sequential calls."""
    screener, parties = generated
    calls = [(parties.slice(i * 150, 150), i % 2 == 1) for i in range(8)]

    def run(call):
        result = screener.screen(call[0], entities=call[1])
        return result.matches, result.entity_matches

    expected = [run(c) for c in calls]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(run, calls))
    for (matches, entity), (want, want_entity) in zip(got, expected, strict=True):
        assert matches.equals(want)
        assert entity is None if want_entity is None else entity.equals(want_entity)
    assert sum(m.num_rows for m, _ in expected) > 0


def _objects(con) -> int:
    return con.execute(
        "SELECT (SELECT count(*) FROM duckdb_tables()) + (SELECT count(*) FROM duckdb_views() "
        "WHERE NOT internal)"
    ).fetchall()[0][0]


def test_repeated_screens_do_not_grow_registered_tables(generated, monkeypatch) -> None:
    """Each call's tables live on its own connection, closed at the end of the call; the
    engine's own connection keeps no more tables or views after 20 calls than after one."""
    screener, parties = generated
    records = parties.slice(0, 200)
    cursors = []
    real = type(screener.engine).session

    @contextlib.contextmanager
    def spy(engine):
        with real(engine) as cursor:
            cursors.append(cursor)
            yield cursor

    monkeypatch.setattr(type(screener.engine), "session", spy)
    screener.screen(records, entities=True)
    before = _objects(screener.engine.con)
    for i in range(20):
        screener.screen(records, entities=i % 2 == 0)
    assert _objects(screener.engine.con) == before
    assert len(cursors) == 21
    for cursor in cursors:  # closed, and with it what the call registered on it
        with pytest.raises(duckdb.ConnectionException):
            cursor.execute("SELECT 1")
