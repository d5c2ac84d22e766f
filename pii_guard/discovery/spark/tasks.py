"""What Spark executors run: read one partition of a table, profile every value.

Executors import this module by name, so pii-guard must be installed where they run. Each
executor process builds the detection engine once (``profiler()``, cached) and streams its
partition through SQLAlchemy (``read_partition``) or receives rows from a Spark DataFrame
(Parquet, JDBC) (``profile_rows``). Both return ``(column, ValueStats)`` pairs, which Spark adds
up per column; no value leaves the executor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import and_, column, create_engine, select, table
from sqlalchemy.pool import NullPool

from pii_guard.discovery.profile import ValueProfiler, ValueStats
from pii_guard.discovery.sampling import as_text
from pii_guard.store.engine import normalise_url

FETCH_ROWS = 5_000


@dataclass(frozen=True, slots=True)
class Partition:
    """One slice of a table: rows whose integer key lies in [low, high), or all rows."""

    url: str
    schema: str
    table: str
    columns: tuple[str, ...]
    key: str | None = None
    low: int | None = None
    high: int | None = None
    detected: tuple[bool, ...] | None = None

    def __repr__(self) -> str:  # the URL holds a password
        return f"Partition({self.schema}.{self.table} [{self.low}, {self.high}))"


@cache
def profiler() -> ValueProfiler:
    """The executor's detection engine, built on first use from the packaged rule pack."""
    from pii_guard.classification.pack import load_rule_pack
    from pii_guard.detection.engine import Detector

    return ValueProfiler(Detector.from_pack(load_rule_pack()))


def profile_rows(rows: Iterable[Sequence[Any]], columns: Sequence[str],
                 detected: Sequence[bool] | None = None) -> Iterator[tuple[str, ValueStats]]:
    """Per-column statistics of ``rows``; ``detected[i]`` false reads column i for shapes only
    (dates, amounts)."""
    flags = detected if detected is not None else [True] * len(columns)
    accumulators = [profiler().accumulator(flag) for flag in flags]
    for row in rows:
        for accumulator, value in zip(accumulators, row, strict=True):
            text_value = as_text(value)
            if text_value is not None:
                accumulator.add(text_value)
    for name, accumulator in zip(columns, accumulators, strict=True):
        yield name, accumulator.stats()


def read_partition(partitions: Iterable[Partition]) -> Iterator[tuple[str, ValueStats]]:
    """``mapPartitions`` function: stream each partition's rows from the database."""
    for part in partitions:
        engine = create_engine(normalise_url(part.url), poolclass=NullPool,
                               hide_parameters=True)
        try:
            names = list(dict.fromkeys([*part.columns, *([part.key] if part.key else [])]))
            source = table(part.table, *(column(n) for n in names), schema=part.schema)
            query = select(*(source.c[n] for n in part.columns))
            if part.key is not None:
                key = source.c[part.key]
                bounds = []
                if part.low is not None:
                    bounds.append(key >= part.low)
                if part.high is not None:
                    bounds.append(key < part.high)
                query = query.where(and_(*bounds))
            with engine.connect() as connection:
                rows = connection.execution_options(stream_results=True,
                                                    yield_per=FETCH_ROWS).execute(query)
                yield from profile_rows(rows, part.columns, part.detected)
        finally:
            engine.dispose()


def merge(one: ValueStats, other: ValueStats) -> ValueStats:
    return one.merge(other)
