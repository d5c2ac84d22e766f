"""Sample scans of real SQLite, PostgreSQL and MariaDB schemas with Chinese comments."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from pii_guard.discovery.errors import ScanTargetUnreachable
from pii_guard.discovery.model import ColumnResult, TableInfo
from pii_guard.discovery.scanner import Scanner, ScanOptions
from tests.discovery.conftest import CUSTOMER_COLUMNS, Target

EXPECTED = {name: entity for name, _, _, entity in CUSTOMER_COLUMNS}


def entities(scanner: Scanner, target: Target) -> dict[str, str | None]:
    result = scanner.scan(target.url, ScanOptions(system="test", schemas=(target.schema,)))
    assert result.complete
    assert result.tables_done == 1
    return {c.column.name: c.decision.entity for c in result.columns}


def test_sqlite_scan_decides_from_names_and_sampled_values(scanner: Scanner,
                                                           sqlite_target: Target) -> None:
    assert entities(scanner, sqlite_target) == EXPECTED


@pytest.mark.postgresql
def test_postgresql_scan_reads_comments_and_samples(scanner: Scanner,
                                                    postgres_target: Target) -> None:
    assert entities(scanner, postgres_target) == EXPECTED


@pytest.mark.mariadb
def test_mariadb_scan_reads_comments_and_samples(scanner: Scanner,
                                                 mariadb_target: Target) -> None:
    assert entities(scanner, mariadb_target) == EXPECTED


@pytest.mark.postgresql
def test_reflection_reads_chinese_column_and_table_comments(scanner: Scanner,
                                                            postgres_target: Target) -> None:
    (table,) = scanner.reflect(postgres_target.url, [postgres_target.schema])
    comments = {c.name: c.comment for c in table.columns}
    assert comments["zjhm"] == "证件号码"
    assert table.comment == "客户信息表"
    assert table.primary_key == ("khh",)


def test_output_lists_every_column_in_the_documented_shape(scanner: Scanner,
                                                           sqlite_target: Target) -> None:
    result = scanner.scan(sqlite_target.url, ScanOptions(system="test"))
    output = result.to_output()
    assert output["complete"] is True
    assert set(output["columns"][0]) == {"schema", "table", "column", "entity", "category",
                                         "tier", "confidence", "evidence"}
    none_column = next(c for c in output["columns"] if c["column"] == "khrq")
    assert none_column["entity"] is None
    assert none_column["tier"] is None


class InterruptAfterFirstTable:
    """A progress hook that presses Ctrl-C once the first table is done."""

    def started(self, tables_total: int) -> None:
        return None

    def table_done(self, table: TableInfo, results: Sequence[ColumnResult],
                   error: str | None) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_leaves_a_partial_usable_result(scanner: Scanner, sqlite_target: Target) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlite_target.url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t_second (sjhm VARCHAR(11))"))
    engine.dispose()
    result = scanner.scan(sqlite_target.url, ScanOptions(system="test"),
                          progress=InterruptAfterFirstTable())
    assert (result.complete, result.tables_done, result.tables_total) == (False, 1, 2)
    assert result.to_output()["columns"]


def test_a_cancelled_scan_stops_before_the_next_table(scanner: Scanner,
                                                      sqlite_target: Target) -> None:
    cancel = threading.Event()
    cancel.set()
    result = scanner.scan(sqlite_target.url, ScanOptions(system="test"), cancel=cancel)
    assert (result.complete, result.tables_done) == (False, 0)


@pytest.mark.postgresql
def test_an_unreachable_database_fails_with_the_password_redacted(scanner: Scanner) -> None:
    url = "postgresql+psycopg://scanner:Pa55-w0rd-XYZ@127.0.0.1:1/nowhere"
    with pytest.raises(ScanTargetUnreachable) as caught:
        scanner.scan(url, ScanOptions(system="test"))
    assert "Pa55-w0rd-XYZ" not in str(caught.value)
    assert caught.value.code == "scan_target_unreachable"
