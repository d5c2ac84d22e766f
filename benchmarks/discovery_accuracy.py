"""Column entity accuracy of discovery on a labelled schema set.

    .venv/bin/python -m benchmarks.discovery_accuracy                 # the project's set
    .venv/bin/python -m benchmarks.discovery_accuracy --no-values     # DDL only: names,
                                                                      # comments, types
    .venv/bin/python -m benchmarks.discovery_accuracy --schemas DIR --labels FILE

Loads every ``*.sql`` file of ``--schemas`` (MySQL dialect, with COMMENT clauses) into a fresh
MariaDB database, fills each table with generated values (``discovery_data``; none with
``--no-values``), runs a sample scan exactly as ``pii-guard scan`` does and compares each
column's entity with ``labels.csv`` (``table,column,entity``; empty entity = no personal data).
Prints column entity accuracy, the share of non-personal columns flagged, personal precision
and recall, and a confusion summary of the mistakes.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import MetaData, create_engine, insert, text

from benchmarks.discovery_data import Values, value_for
from pii_guard.discovery.scanner import ScanOptions
from pii_guard.discovery.service import build_scanner

HERE = Path(__file__).resolve().parent
DEFAULT_SCHEMAS = HERE / "data" / "schemas"
SERVER = "mysql+pymysql://root@127.0.0.1:3306"


def load_labels(path: Path) -> dict[tuple[str, str], str]:
    with path.open(encoding="utf-8") as handle:
        return {(row["table"], row["column"]): row["entity"].strip()
                for row in csv.DictReader(handle)}


def statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def load_database(url: str, schemas: Path, labels: dict[tuple[str, str], str], rows: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for path in sorted(schemas.glob("*.sql")):
            for statement in statements(path.read_text(encoding="utf-8")):
                connection.execute(text(statement))
    if rows:
        metadata = MetaData()
        metadata.reflect(engine)
        values = Values()
        with engine.begin() as connection:
            for table in metadata.sorted_tables:
                batch = [{c.name: value_for(values, table.name, c.name,
                                            labels.get((table.name, c.name), ""), c.type, i,
                                            key=c.primary_key)
                          for c in table.columns} for i in range(rows)]
                connection.execute(insert(table), batch)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=Path, default=DEFAULT_SCHEMAS)
    parser.add_argument("--labels", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=300, help="rows generated per table")
    parser.add_argument("--sample", type=int, default=200, help="rows sampled per table")
    parser.add_argument("--no-values", action="store_true", help="leave the tables empty")
    parser.add_argument("--server", default=SERVER, help="MariaDB/MySQL server URL")
    parser.add_argument("--explain", action="store_true", help="print the evidence of mistakes")
    args = parser.parse_args()
    labels = load_labels(args.labels or args.schemas / "labels.csv")
    name = f"piig_acc_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    url = f"{args.server}/{name}?charset=utf8mb4"
    try:
        load_database(url, args.schemas, labels, 0 if args.no_values else args.rows)
        scanner = build_scanner()
        started = time.perf_counter()
        result = scanner.scan(url, ScanOptions(system="accuracy", sample_size=args.sample))
        elapsed = time.perf_counter() - started
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()
    report(result.columns, labels, elapsed, args.explain)


def report(columns: list, labels: dict[tuple[str, str], str], elapsed: float,  # type: ignore[type-arg]
           explain: bool = False) -> None:
    predicted = {(c.table, c.column.name): c.decision.entity or "" for c in columns}
    missing = sorted(set(labels) - set(predicted))
    if missing:
        raise SystemExit(f"labelled columns not found in the database: {missing[:5]}")
    keys = sorted(labels)
    correct = sum(predicted[k] == labels[k] for k in keys)
    negatives = [k for k in keys if not labels[k]]
    positives = [k for k in keys if labels[k]]
    flagged = sum(1 for k in negatives if predicted[k])
    found = sum(1 for k in positives if predicted[k])
    right = sum(1 for k in positives if predicted[k] == labels[k])
    predicted_positive = sum(1 for k in keys if predicted[k])
    confusion = Counter((labels[k] or "none", predicted[k] or "none") for k in keys
                        if predicted[k] != labels[k])
    print(f"columns: {len(keys)} ({len(positives)} personal, {len(negatives)} non-personal), "
          f"scan {elapsed:.2f} s")
    print(f"column entity accuracy: {correct / len(keys):.4f}")
    print(f"non-personal columns flagged: {flagged}/{len(negatives)} = "
          f"{flagged / max(1, len(negatives)):.4f}")
    print(f"personal columns: recall (any entity) {found / max(1, len(positives)):.4f}, "
          f"entity exact {right / max(1, len(positives)):.4f}, precision "
          f"{right / max(1, predicted_positive):.4f}")
    if confusion:
        print("mistakes (expected -> predicted: count, columns):")
        for (expected, got), count in confusion.most_common():
            where = [f"{t}.{c}" for (t, c) in keys
                     if (labels[(t, c)] or "none") == expected
                     and (predicted[(t, c)] or "none") == got]
            print(f"  {expected} -> {got}: {count}  {', '.join(where[:6])}")
    if explain:
        for c in columns:
            key = (c.table, c.column.name)
            if key in labels and predicted[key] != labels[key]:
                evidence = json.dumps(c.decision.evidence, ensure_ascii=False)
                print(f"{c.table}.{c.column.name}: {evidence}")


if __name__ == "__main__":
    main()
