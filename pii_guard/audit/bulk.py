"""Fast inserts of many event rows: COPY on PostgreSQL, executemany elsewhere.

Both the group-commit writer (inbox) and the sequencer (log) insert thousands of rows per
transaction; COPY takes a fraction of the time of row-by-row INSERTs on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session

from pii_guard.audit.canonical import json_text


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]],
                json_texts: Sequence[Mapping[str, str]] | None = None) -> None:
    """Insert ``rows``; on PostgreSQL JSON columns are written as canonical JSON text (the
    verifier relies on that), taken from ``json_texts`` when the caller already has them."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    columns = [column.name for column in table.columns]
    json_columns = {column.name for column in table.columns if isinstance(column.type, JSON)}
    driver = cast(Any, connection.connection.driver_connection)
    names = ", ".join(f'"{name}"' for name in columns)
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for i, row in enumerate(rows):
            texts = json_texts[i] if json_texts is not None else {}
            copy.write_row([(texts.get(name) or json_text(row[name]))
                            if name in json_columns else row[name] for name in columns])
