"""Fast inserts of many event rows: COPY on PostgreSQL, executemany elsewhere.

Both the group-commit writer (inbox) and the sequencer (log) insert thousands of rows per
transaction; COPY takes a fraction of the time of row-by-row INSERTs on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session

from pii_guard.audit.canonical import json_text


def copy_rows(session: Session, table: Table, columns: Sequence[str],
              rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL only: COPY ``rows`` (values in ``columns`` order) into ``table``. A value
    given as text is parsed by the server as the column's type, as any COPY input is."""
    connection = session.connection()
    driver = cast(Any, connection.connection.driver_connection)
    names = ", ".join(f'"{name}"' for name in columns)
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows``; on PostgreSQL JSON columns are written as canonical JSON text (the
    sequencer and the verifier rely on that)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    columns = [column.name for column in table.columns]
    json_columns = {column.name for column in table.columns if isinstance(column.type, JSON)}
    copy_rows(session, table, columns,
              ([json_text(row[name]) if name in json_columns else row[name]
                for name in columns] for row in rows))
