"""Monthly partitions of ``audit_events`` on PostgreSQL, made ahead and dropped by retention.

Partitions are ranges of ``sequenced_at`` (UTC months). They are managed here at run time, not
in migrations, and the schema comparison ignores their names (``PARTITION_NAME_PATTERN``).
On SQLite there are none: every function here is a no-op there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from pii_guard.store.models.audit import PARTITION_NAME_PATTERN


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    start: dt.datetime
    end: dt.datetime


def month_start(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    return dt.datetime(moment.year, moment.month, 1, tzinfo=dt.UTC)


def add_months(month: dt.datetime, count: int) -> dt.datetime:
    index = month.year * 12 + month.month - 1 + count
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


def partition_for(month: dt.datetime) -> Partition:
    name = f"audit_events_p{month:%Y%m}"
    assert PARTITION_NAME_PATTERN.fullmatch(name)
    return Partition(name, month, add_months(month, 1))


def ensure_partitions(connection: Connection, moment: dt.datetime, ahead: int) -> dt.datetime:
    """Make the partitions of ``moment``'s month and ``ahead`` months after it; returns the
    end of the last one (the time until which inserts need nothing new)."""
    first = month_start(moment)
    if connection.dialect.name != "postgresql":
        return add_months(first, 1200)
    existing = {partition.name for partition in list_partitions(connection)}
    for offset in range(ahead + 1):
        partition = partition_for(add_months(first, offset))
        if partition.name in existing:
            continue
        bounds = f"FROM ('{partition.start.isoformat()}') TO ('{partition.end.isoformat()}')"
        connection.execute(text(f"CREATE TABLE IF NOT EXISTS {partition.name} "
                                f"PARTITION OF audit_events FOR VALUES {bounds}"))
    return add_months(first, ahead + 1)


def list_partitions(connection: Connection) -> list[Partition]:
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'audit_events' "
        "ORDER BY c.relname"))
    partitions = []
    for (name,) in rows:
        if PARTITION_NAME_PATTERN.fullmatch(name):
            month = dt.datetime(int(name[-6:-2]), int(name[-2:]), 1, tzinfo=dt.UTC)
            partitions.append(partition_for(month))
    return partitions


def drop_partition(connection: Connection, partition: Partition) -> None:
    if not PARTITION_NAME_PATTERN.fullmatch(partition.name):
        raise ValueError("not an audit partition")
    connection.execute(text(f"DROP TABLE {partition.name}"))
