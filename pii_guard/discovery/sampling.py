"""Draw a bounded, random-where-possible sample of each table's values.

One query per table reads up to ``size`` rows of the columns worth reading (text, numbers
that could hold identifiers, dates), chosen at random where the database can do so cheaply:

* PostgreSQL: ``TABLESAMPLE SYSTEM`` on large tables (reads a fraction of the pages),
  ``ORDER BY random()`` on small ones;
* MySQL/MariaDB: ``ORDER BY RAND()`` on small tables, ``WHERE RAND() < p`` on large ones;
* SQLite: ``ORDER BY random()``; any other dialect: the first rows.

Each query runs under a per-table time limit (``statement_timeout``, ``max_statement_time``,
``max_execution_time`` or SQLite's progress handler). Columns that came back mostly empty are
topped up with a second query for their non-null values. Values are returned to the caller
and never logged.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, column, func, select, table, tablesample, text

from pii_guard.discovery.model import ColumnInfo, TableInfo

SAMPLED_FAMILIES = frozenset({"text", "bigint", "integer", "decimal", "date", "datetime",
                              "other"})
# Families whose values may hold identifiers; the others are read for their shapes only.
DETECTED_FAMILIES = frozenset({"text", "bigint", "other"})
LARGE_TABLE_ROWS = 10_000
MAX_VALUE_CHARS = 4_000
TOP_UP_SHARE = 0.2  # top a column up when fewer than this share of the sampled rows had a value


def sampled_columns(info: TableInfo) -> list[ColumnInfo]:
    return [c for c in info.columns if c.family in SAMPLED_FAMILIES]


def as_text(value: Any) -> str | None:
    """A sampled value as the text detection reads; None for empty or unreadable values."""
    if value is None or isinstance(value, bool | bytes | bytearray | memoryview):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        text_value = value.isoformat()
    elif isinstance(value, Decimal):
        text_value = format(value, "f")
    else:
        text_value = str(value)
    text_value = text_value.strip()
    return text_value[:MAX_VALUE_CHARS] if text_value else None


class Sampler:
    """Samples tables on one connection; ``size`` rows at most, ``timeout`` seconds per query."""

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout

    def sample(self, connection: Connection, info: TableInfo) -> dict[str, list[str]]:
        columns = sampled_columns(info)
        values: dict[str, list[str]] = {c.name: [] for c in columns}
        if not columns or self.size <= 0:
            return values
        names = [c.name for c in columns]
        source = table(info.name, *(column(n) for n in names), schema=info.schema)
        rows = self._run(connection, self._random_rows(connection, source, info))
        for query in self._wider_samples(connection, source, info):
            if len(rows) >= self.size:
                break
            rows = self._run(connection, query)
        for row in rows:
            for name, value in zip(names, row, strict=True):
                text_value = as_text(value)
                if text_value is not None:
                    values[name].append(text_value)
        if len(rows) >= self.size:
            for name in names:
                if len(values[name]) < TOP_UP_SHARE * len(rows):
                    query = select(source.c[name]).where(source.c[name].is_not(None))
                    extra = self._run(connection, query.limit(self.size))
                    values[name] = [t for (v,) in extra if (t := as_text(v)) is not None]
        return values

    def _random_rows(self, connection: Connection, source: Any, info: TableInfo) -> Select[Any]:
        dialect = connection.dialect.name
        estimate = info.row_estimate or 0
        large = self._large(estimate)
        if dialect == "postgresql":
            if large:
                sampled = tablesample(source, func.system(self._percent(estimate)))
                return select(*sampled.c).limit(self.size)
            return select(*source.c).order_by(func.random()).limit(self.size)
        if dialect in ("mysql", "mariadb"):
            if large:
                share = min(1.0, 5.0 * self.size / estimate)
                return select(*source.c).where(func.rand() < share).limit(self.size)
            return select(*source.c).order_by(func.rand()).limit(self.size)
        if dialect == "sqlite":
            return select(*source.c).order_by(func.random()).limit(self.size)
        return select(*source.c).limit(self.size)

    def _wider_samples(self, connection: Connection, source: Any,
                       info: TableInfo) -> Iterator[Select[Any]]:
        """PostgreSQL's page sample can miss: at 2% of 160 pages, no page at all about one
        time in fifteen. Each retry reads four times the share, up to the whole table."""
        estimate = info.row_estimate or 0
        if connection.dialect.name != "postgresql" or not self._large(estimate):
            return
        percent = self._percent(estimate)
        while percent < 100.0:
            percent = min(100.0, percent * 4)
            sampled = tablesample(source, func.system(percent))
            yield select(*sampled.c).limit(self.size)

    def _large(self, estimate: int) -> bool:
        return estimate > max(LARGE_TABLE_ROWS, 20 * self.size)

    def _percent(self, estimate: int) -> float:
        return min(100.0, 100.0 * 5 * self.size / estimate)

    def _run(self, connection: Connection, query: Select[Any]) -> list[Any]:
        with time_limit(connection, self.timeout):
            return list(connection.execute(query).all())


@contextmanager
def time_limit(connection: Connection, seconds: float) -> Iterator[None]:
    """Bound one statement's run time on this connection, the way its database allows."""
    dialect = connection.dialect.name
    if seconds <= 0:
        yield
        return
    if dialect == "postgresql":
        connection.execute(text(f"SET statement_timeout = {int(seconds * 1000)}"))
        try:
            yield
        finally:
            connection.execute(text("SET statement_timeout = 0"))
        return
    if dialect in ("mysql", "mariadb"):
        if getattr(connection.dialect, "is_mariadb", False):
            setting, value, reset = "max_statement_time", f"{seconds:.3f}", "0"
        else:
            setting, value, reset = "max_execution_time", str(int(seconds * 1000)), "0"
        connection.execute(text(f"SET SESSION {setting} = {value}"))
        try:
            yield
        finally:
            connection.execute(text(f"SET SESSION {setting} = {reset}"))
        return
    if dialect == "sqlite":
        raw: Any = connection.connection.driver_connection
        deadline = time.monotonic() + seconds
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)
        return
    yield


def sample_all(sampler: Sampler, connection: Connection,
               tables: Sequence[TableInfo]) -> Iterator[tuple[TableInfo, dict[str, list[str]]]]:
    for info in tables:
        yield info, sampler.sample(connection, info)
