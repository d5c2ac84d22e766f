"""Run one scan: reflect a database, sample each table, decide each column, report progress.

The scanner owns the order of work and its failure modes, nothing else: reflection is in
``reflect``, sampling in ``sampling``, value statistics in ``profile`` and the decision in
``columns``. A table that fails (permission, time limit) is listed in ``errors`` and the scan
goes on; a connection that fails stops the scan with a redacted message; Ctrl-C or a
cancellation returns what was done so far with ``complete=False``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from pii_guard.discovery.errors import ScanTargetUnreachable
from pii_guard.discovery.model import (
    ColumnDecision,
    ColumnInfo,
    ColumnResult,
    ScanResult,
    TableInfo,
)
from pii_guard.discovery.profile import ValueProfiler, ValueStats
from pii_guard.discovery.redact import Redactor, parse_url
from pii_guard.discovery.reflect import reflect_tables
from pii_guard.discovery.sampling import DETECTED_FAMILIES, Sampler
from pii_guard.store.engine import normalise_url

log = structlog.get_logger(__name__)


class ColumnJudge(Protocol):
    """Decides one column from its description and the statistics of its values."""

    def decide(self, table: TableInfo, column: ColumnInfo,
               stats: ValueStats | None) -> ColumnDecision: ...


class ScanProgress(Protocol):
    def started(self, tables_total: int) -> None: ...

    def table_done(self, table: TableInfo, results: Sequence[ColumnResult],
                   error: str | None) -> None: ...


class NoProgress:
    def started(self, tables_total: int) -> None:
        return None

    def table_done(self, table: TableInfo, results: Sequence[ColumnResult],
                   error: str | None) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ScanOptions:
    system: str
    schemas: tuple[str, ...] = ()
    sample_size: int = 200
    table_timeout: float = 30.0
    engine: str = "local"


TableStats = Callable[[TableInfo], dict[str, ValueStats]]


def open_target(url: str, redactor: Redactor) -> Engine:
    """An engine for the scanned database: no pool, parameters hidden, nothing echoed."""
    try:
        parsed = normalise_url(parse_url(url))
    except ValueError:
        raise ScanTargetUnreachable("invalid_scan_url", "not a SQLAlchemy database URL") from None
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 10
    elif parsed.get_backend_name() in ("mysql", "mariadb"):
        connect_args["connect_timeout"] = 10
        connect_args.setdefault("charset", "utf8mb4")
    try:
        return create_engine(parsed, poolclass=NullPool, hide_parameters=True,
                             connect_args=connect_args)
    except Exception as exc:  # a missing driver or a malformed option
        raise ScanTargetUnreachable("scan_target_unusable", redactor.describe(exc)) from None


class Scanner:
    """Scans databases with one judge and one value profiler (both shared, immutable)."""

    def __init__(self, judge: ColumnJudge, profiler: ValueProfiler) -> None:
        self.judge = judge
        self.profiler = profiler

    def reflect(self, url: str, schemas: Sequence[str]) -> list[TableInfo]:
        redactor = Redactor.for_url(url)
        engine = open_target(url, redactor)
        try:
            with engine.connect() as connection:
                return reflect_tables(connection, schemas)
        except SQLAlchemyError as exc:
            raise ScanTargetUnreachable("scan_target_unreachable",
                                        redactor.describe(exc)) from None
        finally:
            engine.dispose()

    def scan(self, url: str, options: ScanOptions, progress: ScanProgress | None = None,
             cancel: threading.Event | None = None) -> ScanResult:
        """Sample-scan ``url``; stops early, with ``complete=False``, on Ctrl-C or ``cancel``."""
        redactor = Redactor.for_url(url)
        engine = open_target(url, redactor)
        sampler = Sampler(options.sample_size, options.table_timeout)
        try:
            with engine.connect() as connection:
                tables = self._reflect(connection, options, redactor)

                def stats_of(table: TableInfo) -> dict[str, ValueStats]:
                    values = sampler.sample(connection, table)
                    families = {c.name: c.family for c in table.columns}
                    return {name: self.profiler.profile(
                                vals, detect=families.get(name) in DETECTED_FAMILIES)
                            for name, vals in values.items()}

                return self.run(tables, options, stats_of, redactor, progress, cancel,
                                rollback=connection)
        except SQLAlchemyError as exc:
            raise ScanTargetUnreachable("scan_target_unreachable",
                                        redactor.describe(exc)) from None
        finally:
            engine.dispose()

    @staticmethod
    def _reflect(connection: Connection, options: ScanOptions,
                 redactor: Redactor) -> list[TableInfo]:
        try:
            return reflect_tables(connection, options.schemas)
        except SQLAlchemyError as exc:
            raise ScanTargetUnreachable("scan_target_unreachable",
                                        redactor.describe(exc)) from None

    def run(self, tables: Sequence[TableInfo], options: ScanOptions, stats_of: TableStats,
            redactor: Redactor, progress: ScanProgress | None = None,
            cancel: threading.Event | None = None,
            rollback: Connection | None = None) -> ScanResult:
        """Decide every column of ``tables`` with value statistics from ``stats_of`` (a sample
        here, a full Spark scan in ``spark``); the loop both runners share."""
        progress = progress or NoProgress()
        result = ScanResult(system=options.system, engine=options.engine,
                            tables_total=len(tables))
        progress.started(len(tables))
        try:
            for table in tables:
                if cancel is not None and cancel.is_set():
                    break
                error: str | None = None
                try:
                    stats = stats_of(table)
                except SQLAlchemyError as exc:
                    error = f"{table.qualified}: {redactor.describe(exc)}"
                    result.errors.append(error)
                    log.warning("scan_table_failed", table=table.qualified,
                                error=type(exc).__name__)
                    if rollback is not None:
                        rollback.rollback()
                    stats = {}
                results = [ColumnResult(table.schema, table.name, column,
                                        self.judge.decide(table, column,
                                                          stats.get(column.name)))
                           for column in table.columns]
                result.columns.extend(results)
                result.tables_done += 1
                result.scanned_tables.append((table.schema, table.name))
                progress.table_done(table, results, error)
            else:
                result.complete = True
        except KeyboardInterrupt:
            log.warning("scan_interrupted", tables_done=result.tables_done,
                        tables_total=result.tables_total)
        return result
