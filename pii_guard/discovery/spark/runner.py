"""The Spark side of a full-table scan: plan partitions on the driver, profile in executors,
decide on the driver with the same judge as a sample scan (so the output format is the same).

Sources:

* a database, read through SQLAlchemy inside the tasks (no JDBC jar needed): a table with a
  single integer primary key is cut into key ranges, one task each; any other table is one
  task;
* Parquet files (``scan_parquet``): one directory or file per table, read by Spark itself.

``spark.pyspark.python`` is set to this interpreter for local masters, so the executors run
the same Python with pii-guard installed; on a cluster, install pii-guard on the executors.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import column, func, select, table

from pii_guard.discovery.columns.judge import KnowledgeJudge
from pii_guard.discovery.errors import SparkUnavailable
from pii_guard.discovery.model import ColumnInfo, ScanResult, TableInfo, TypeFamily
from pii_guard.discovery.profile import ValueStats
from pii_guard.discovery.redact import Redactor
from pii_guard.discovery.sampling import DETECTED_FAMILIES, sampled_columns
from pii_guard.discovery.scanner import Scanner, ScanOptions, ScanProgress, open_target
from pii_guard.discovery.spark import tasks

log = structlog.get_logger(__name__)

ROWS_PER_TASK = 50_000
MAX_TASKS_PER_TABLE = 256
INTEGER_FAMILIES = ("integer", "bigint")


def spark_session(master: str) -> Any:
    """A Spark session for ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``, ...)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("spark_unavailable",
                               "install the spark extra: pip install 'pii-guard[spark]'") from None
    builder = (SparkSession.builder.master(master).appName("pii-guard-scan")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "8"))
    if master.startswith("local"):
        # PySpark starts its workers with $PYSPARK_PYTHON (default: python3 from PATH), which
        # would lack this environment's packages; a cluster's executors have their own.
        os.environ["PYSPARK_PYTHON"] = sys.executable
        builder = (builder.config("spark.pyspark.python", sys.executable)
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1"))
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing, port clash: one clear error
        raise SparkUnavailable("spark_unavailable",
                               f"Spark could not start: {type(exc).__name__}") from None
    session.sparkContext.setLogLevel("ERROR")
    # py4j logs its connection teardown at INFO, late at interpreter exit.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    return session


class SparkScanner:
    """Full scans with Spark; the judge's free-text threshold drops to counts only."""

    def __init__(self, scanner: Scanner, master: str, session: Any = None) -> None:
        judge = scanner.judge
        if isinstance(judge, KnowledgeJudge):
            judge = KnowledgeJudge(judge.knowledge, judge.reader, contains_min_share=0.0)
        self._scanner = Scanner(judge, scanner.profiler)
        self._master = master
        self._session = session

    def _spark(self) -> Any:
        if self._session is None:
            self._session = spark_session(self._master)
        return self._session

    def scan(self, url: str, options: ScanOptions, progress: ScanProgress | None = None,
             cancel: threading.Event | None = None) -> ScanResult:
        redactor = Redactor.for_url(url)
        tables = self._scanner.reflect(url, options.schemas)
        spark = self._spark()

        def stats_of(info: TableInfo) -> dict[str, ValueStats]:
            parts = plan_partitions(url, info, redactor)
            if not parts or not parts[0].columns:
                return {}
            rdd = spark.sparkContext.parallelize(parts, len(parts))
            pairs = rdd.mapPartitions(tasks.read_partition).reduceByKey(tasks.merge)
            return dict(pairs.collect())

        return self._scanner.run(tables, options, stats_of, redactor, progress, cancel)

    def scan_parquet(self, root: Path, options: ScanOptions,
                     progress: ScanProgress | None = None,
                     cancel: threading.Event | None = None) -> ScanResult:
        """Scan Parquet datasets under ``root``: each ``*.parquet`` file or directory is a
        table named after it (schema = ``root``'s name); comments come from field metadata."""
        spark = self._spark()
        paths = sorted(p for p in root.iterdir()
                       if p.suffix == ".parquet" or (p.is_dir() and any(p.glob("*.parquet"))))
        frames = {p.stem: spark.read.parquet(str(p)) for p in paths}
        tables = [_parquet_table(root.name, name, frame.schema) for name, frame in frames.items()]

        def stats_of(info: TableInfo) -> dict[str, ValueStats]:
            columns = sampled_columns(info)
            names = [c.name for c in columns]
            detected = [c.family in DETECTED_FAMILIES for c in columns]
            if not names:
                return {}
            rows = frames[info.name].select(*names).rdd
            pairs = rows.mapPartitions(lambda it: tasks.profile_rows(it, names, detected))
            return dict(pairs.reduceByKey(tasks.merge).collect())

        return self._scanner.run(tables, options, stats_of, Redactor(), progress, cancel)

    def close(self) -> None:
        if self._session is not None:
            self._session.stop()
            self._session = None


def plan_partitions(url: str, info: TableInfo, redactor: Redactor,
                    rows_per_task: int = ROWS_PER_TASK) -> list[tasks.Partition]:
    """Key ranges of about ROWS_PER_TASK rows for a table with one integer primary key, else
    the whole table as one partition."""
    columns = sampled_columns(info)
    names = tuple(c.name for c in columns)
    detected = tuple(c.family in DETECTED_FAMILIES for c in columns)
    base = tasks.Partition(url, info.schema, info.name, names, detected=detected)
    key = _integer_key(info)
    if key is None or not names:
        return [base]
    engine = open_target(url, redactor)
    try:
        source = table(info.name, column(key), schema=info.schema)
        with engine.connect() as connection:
            low, high, count = connection.execute(
                select(func.min(source.c[key]), func.max(source.c[key]),
                       func.count())).one()
    finally:
        engine.dispose()
    if low is None or high is None:
        return [base]
    pieces = max(1, min(MAX_TASKS_PER_TABLE, -(-int(count) // rows_per_task)))
    step = max(1, -(-(int(high) - int(low) + 1) // pieces))
    return [tasks.Partition(url, info.schema, info.name, names, key, start,
                            min(start + step, int(high) + 1), detected)
            for start in range(int(low), int(high) + 1, step)]


def _integer_key(info: TableInfo) -> str | None:
    if len(info.primary_key) != 1:
        return None
    key = info.primary_key[0]
    family = next((c.family for c in info.columns if c.name == key), None)
    return key if family in INTEGER_FAMILIES else None


_SPARK_FAMILIES: dict[str, TypeFamily] = {
    "string": "text", "varchar": "text", "char": "text", "integer": "integer", "int": "integer",
    "smallint": "integer", "tinyint": "integer", "short": "integer", "byte": "integer",
    "bigint": "bigint", "long": "bigint", "double": "float", "float": "float",
    "boolean": "boolean", "date": "date", "timestamp": "datetime", "timestamp_ntz": "datetime",
    "binary": "binary",
}


def _parquet_table(schema: str, name: str, struct: Any) -> TableInfo:
    columns: list[ColumnInfo] = []
    for field in struct.fields:
        type_name = field.dataType.simpleString()
        base = type_name.split("(")[0]
        family: TypeFamily = _SPARK_FAMILIES.get(base, "other")
        if base == "decimal":
            scale = getattr(field.dataType, "scale", 0)
            family = "bigint" if scale == 0 and getattr(field.dataType, "precision", 0) >= 11 \
                else "decimal"
        comment = (field.metadata or {}).get("comment")
        columns.append(ColumnInfo(field.name, type_name, family, None, comment))
    return TableInfo(schema, name, tuple(columns))

