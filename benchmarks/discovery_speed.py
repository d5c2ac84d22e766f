"""Discovery speed: a sample scan of a generated PostgreSQL database, and full-table scans of
every row, on Apache Spark (local mode) beside one plain Python process.

    .venv/bin/python -m benchmarks.discovery_speed                   # 50 x 20, 1M rows
    .venv/bin/python -m benchmarks.discovery_speed --tables 5 --rows 100000 --repeat 1

The database is generated inside PostgreSQL (``generate_series``), so loading is quick: 50
tables of 20 columns (names, mobiles, ID-like numbers, addresses, amounts, codes, timestamps,
remarks), 1M rows in total. Prints medians over ``--repeat`` runs: the sample scan's time,
tables/s and columns/s; then rows/s of a full scan of ``--full-rows`` rows with Spark
``local[2]`` and with one Python process (the same per-value detection), and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from sqlalchemy import create_engine, text

from pii_guard.discovery.profile import ValueStats
from pii_guard.discovery.redact import Redactor
from pii_guard.discovery.scanner import Scanner, ScanOptions
from pii_guard.discovery.service import build_scanner
from pii_guard.discovery.spark import tasks
from pii_guard.discovery.spark.runner import plan_partitions

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# name, SQL type, comment, generating expression (i = row number)
COLUMNS = [
    ("id", "BIGINT PRIMARY KEY", "主键", "i"),
    ("khh", "VARCHAR(20)", "客户号", "'C' || lpad(i::text, 10, '0')"),
    ("khxm", "VARCHAR(60)", "客户姓名", "(array['张伟','王芳','李娜','刘洋','陈静'])[1 + i % 5]"),
    ("sjhm", "VARCHAR(11)", "手机号码", "'13' || lpad((i * 7919 % 1000000000)::text, 9, '0')"),
    ("zjhm", "VARCHAR(18)", "证件号码", "'3101041980' || lpad((i % 99999999)::text, 8, '0')"),
    ("dzyx", "VARCHAR(100)", "电子邮箱", "'user' || i || '@example.cn'"),
    ("jtzz", "VARCHAR(200)", "家庭住址", "'上海市浦东新区世纪大道' || (i % 999) || '号'"),
    ("zjlx", "VARCHAR(2)", "证件类型", "'01'"),
    ("ye", "DECIMAL(18,2)", "余额", "round((random() * 100000)::numeric, 2)"),
    ("jyje", "DECIMAL(18,2)", "交易金额", "round((random() * 5000)::numeric, 2)"),
    ("zt", "CHAR(1)", "状态", "(i % 3)::text"),
    ("qd", "VARCHAR(4)", "渠道", "(array['MB','WEB','ATM'])[1 + i % 3]"),
    ("lsh", "VARCHAR(32)", "流水号", "md5(i::text)"),
    ("cjsj", "TIMESTAMP", "创建时间", "now() - (i || ' seconds')::interval"),
    ("gxsj", "TIMESTAMP", "更新时间", "now()"),
    ("jgh", "VARCHAR(10)", "机构号", "'JG' || (i % 500)"),
    ("cpdm", "VARCHAR(10)", "产品代码", "'P' || (i % 80)"),
    ("bz", "VARCHAR(500)", "备注", "'客户来电咨询业务' || (i % 17)"),
    ("ll", "DECIMAL(8,6)", "利率", "0.0315"),
    ("csrq", "DATE", "出生日期", "date '1960-01-01' + (i % 15000)"),
]


def create_database(tables: int, rows: int) -> tuple[str, str]:
    name = f"piig_speed_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    per_table = rows // tables
    with engine.begin() as connection:
        for t in range(tables):
            table = f"t_bench_{t:02d}"
            columns = ", ".join(f"{n} {sql}" for n, sql, _, _ in COLUMNS)
            connection.execute(text(f"CREATE TABLE {table} ({columns})"))
            for n, _, comment, _ in COLUMNS:
                connection.execute(text(f"COMMENT ON COLUMN {table}.{n} IS '{comment}'"))
            expressions = ", ".join(expr for _, _, _, expr in COLUMNS)
            connection.execute(text(f"INSERT INTO {table} SELECT {expressions} "
                                    f"FROM generate_series(1, {per_table}) AS i"))
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return name, url


def drop_database(name: str) -> None:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def sample_scan(scanner: Scanner, url: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = scanner.scan(url, ScanOptions(system="speed", sample_size=200))
        times.append(time.perf_counter() - started)
        assert result.complete
    return times


def partitions(scanner: Scanner, url: str, table: str, limit: int) -> list[tasks.Partition]:
    """The Spark runner's plan for ``table``, cut to the partitions covering ``limit`` rows."""
    info = next(t for t in scanner.reflect(url, ["public"]) if t.name == table)
    return [p for p in plan_partitions(url, info, Redactor.for_url(url), rows_per_task=2_500)
            if p.low is None or p.low <= limit]


def python_full_scan(parts: list[tasks.Partition]) -> float:
    tasks.profiler()  # build the detection engine before timing, as Spark's warm-up does
    started = time.perf_counter()
    merged: dict[str, ValueStats] = {}
    for name, stats in tasks.read_partition(parts):
        merged[name] = merged[name].merge(stats) if name in merged else stats
    return time.perf_counter() - started


def spark_full_scan(parts: list[tasks.Partition]) -> float:
    from pii_guard.discovery.spark.runner import spark_session

    session = spark_session("local[2]")
    try:
        rdd = session.sparkContext.parallelize(parts, len(parts))
        rdd.mapPartitions(tasks.read_partition).count()  # warm the executors' engines
        started = time.perf_counter()
        rdd.mapPartitions(tasks.read_partition).reduceByKey(tasks.merge).collect()
        return time.perf_counter() - started
    finally:
        session.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=50)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in all tables")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full-rows", type=int, default=20_000,
                        help="rows of one table read by the full scans")
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    scanner = build_scanner()
    started = time.perf_counter()
    name, url = create_database(args.tables, args.rows)
    print(f"generated {args.tables} tables x {len(COLUMNS)} columns, {args.rows} rows in "
          f"{time.perf_counter() - started:.1f} s")
    try:
        times = sample_scan(scanner, url, args.repeat)
        median = statistics.median(times)
        columns = args.tables * len(COLUMNS)
        print(f"sample scan (200 rows/table): median {median:.2f} s over {len(times)} runs, "
              f"{args.tables / median:.1f} tables/s, {columns / median:.0f} columns/s")
        limit = min(args.full_rows, args.rows // args.tables)
        parts = partitions(scanner, url, "t_bench_00", limit)
        rows = sum(min(p.high or limit + 1, limit + 1) - (p.low or 1) for p in parts)
        python = python_full_scan(parts)
        print(f"full scan, one Python process: {rows} rows x {len(COLUMNS) - 1} columns in "
              f"{python:.2f} s = {rows / python:.0f} rows/s")
        if not args.no_spark:
            spark = spark_full_scan(parts)
            print(f"full scan, Spark local[2]:      {rows} rows in {spark:.2f} s = "
                  f"{rows / spark:.0f} rows/s (x{python / spark:.2f} of one process)")
    finally:
        drop_database(name)


if __name__ == "__main__":
    main()
