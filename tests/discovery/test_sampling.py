"""Sampling reads a bounded number of rows, spread over the table, on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from pii_guard.discovery.reflect import reflect_tables
from pii_guard.discovery.sampling import Sampler, as_text
from tests.conftest import PostgresServer
from tests.discovery.conftest import Target

ROWS = 30_000
SIZE = 100


@pytest.fixture(scope="module")
def big_postgres(postgres: PostgresServer) -> Iterator[Engine]:
    name = postgres.create()
    engine = create_engine(postgres.url(name))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE big (id INTEGER PRIMARY KEY, code VARCHAR(20), "
                                "sparse VARCHAR(20))"))
        connection.execute(text(
            "INSERT INTO big SELECT i, 'C' || i, CASE WHEN i % 1000 = 0 THEN 'S' || i END "
            f"FROM generate_series(1, {ROWS}) AS i"))
        connection.execute(text("ANALYZE big"))
    yield engine
    engine.dispose()
    postgres.drop(name)


@pytest.mark.postgresql
def test_a_large_postgresql_table_is_sampled_at_random_pages(big_postgres: Engine) -> None:
    with big_postgres.connect() as connection:
        (info,) = reflect_tables(connection, ["public"])
        assert (info.row_estimate or 0) >= ROWS * 0.9
        values = Sampler(SIZE, 30).sample(connection, info)
    ids = sorted(int(v[1:]) for v in values["code"])
    assert len(ids) == SIZE
    assert ids[-1] > 10 * SIZE  # not simply the first rows


@pytest.mark.postgresql
def test_a_mostly_empty_column_is_topped_up_with_its_values(big_postgres: Engine) -> None:
    with big_postgres.connect() as connection:
        (info,) = reflect_tables(connection, ["public"])
        values = Sampler(SIZE, 30).sample(connection, info)
    assert len(values["sparse"]) == ROWS // 1000


@pytest.mark.mariadb
def test_a_mariadb_table_is_sampled_in_random_order(mariadb_target: Target) -> None:
    engine = create_engine(mariadb_target.url)
    with engine.connect() as connection:
        (info,) = reflect_tables(connection, [mariadb_target.schema])
        first = Sampler(10, 30).sample(connection, info)["khh"]
        second = Sampler(10, 30).sample(connection, info)["khh"]
    engine.dispose()
    assert len(first) == 10
    assert first != second


@pytest.mark.parametrize(("value", "text_value"), [
    (None, None), ("  ", None), (b"\x00", None), (True, None), (13812345678, "13812345678"),
    ("x" * 5000, "x" * 4000),
])
def test_values_become_bounded_text(value: object, text_value: str | None) -> None:
    assert as_text(value) == text_value
