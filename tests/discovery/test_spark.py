"""Full-table scans on Apache Spark in local mode: every row is read, so an identifier quoted in
three rows of three thousand is found, and the result has the sample scan's format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from benchmarks.discovery_data import Values
from pii_guard.discovery.scanner import Scanner, ScanOptions
from pii_guard.discovery.spark.runner import SparkScanner, spark_session

pytestmark = [pytest.mark.spark, pytest.mark.slow]
ROWS = 3000


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def rare_ids(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('spark') / 'calls.db'}"
    v = Values(11)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE cc_call (id INTEGER PRIMARY KEY, sjhm VARCHAR(11), "
                                "remark VARCHAR(1000), duration INTEGER)"))
        connection.execute(text("INSERT INTO cc_call VALUES (:id, :sjhm, :remark, :duration)"), [
            {"id": i, "sjhm": v.mobile(), "duration": i % 600,
             "remark": f"客户报身份证号{v.resident_id()}核验" if i % 1000 == 7
             else "客户来电咨询账单"}
            for i in range(ROWS)])
    engine.dispose()
    return url


def test_a_full_scan_finds_identifiers_in_a_few_rows(spark: Any, scanner: Scanner,
                                                     rare_ids: str) -> None:
    result = SparkScanner(scanner, "local[2]", spark).scan(
        rare_ids, ScanOptions(system="calls", engine="spark"))
    decided = {c.column.name: c for c in result.columns}
    assert result.complete
    assert decided["remark"].decision.entity == "CN_RESIDENT_ID"
    assert decided["remark"].decision.evidence["decided_by"] == "contains"
    assert decided["sjhm"].decision.evidence["values"]["values"] == ROWS
    assert decided["duration"].decision.entity is None
    assert result.to_output()["engine"] == "spark"


def test_parquet_files_are_scanned_with_their_comments(spark: Any, scanner: Scanner,
                                                       tmp_path: Path) -> None:
    from pyspark.sql.types import StringType, StructField, StructType

    v = Values(12)
    schema = StructType([StructField("c1", StringType(), metadata={"comment": "客户身份证号码"}),
                         StructField("c2", StringType())])
    rows = [(v.resident_id(), "正常") for _ in range(200)]
    spark.createDataFrame(rows, schema).write.parquet(str(tmp_path / "lake" / "t_kh.parquet"))
    result = SparkScanner(scanner, "local[2]", spark).scan_parquet(
        tmp_path / "lake", ScanOptions(system="lake", engine="spark"))
    decided = {c.column.name: c.decision for c in result.columns}
    assert decided["c1"].entity == "CN_RESIDENT_ID"
    assert decided["c1"].evidence["decided_by"] == "comment+values"
    assert decided["c2"].entity is None
