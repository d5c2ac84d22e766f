"""Scan runs, the data inventory they produce, and stored (encrypted) scan connections.

The inventory is a tree system -> schema -> table -> column; every column row belongs to the
scan run that produced it, so the history of a column is the list of runs that saw it and a
re-scan is compared with the previous completed run of the same system. Rows never hold sampled
values: only names, types, comments, the decision and its evidence (counts and shares).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pii_guard.store.base import Base, utcnow


class ScanConnection(Base):
    """A database pii-guard may scan, referred to by name.

    ``secret`` is the whole SQLAlchemy URL encrypted with AES-GCM under a key derived from the
    KEK, with the name as associated data (a ciphertext copied to another name does not open).
    ``display`` is the URL without its password, for lists.
    """

    __tablename__ = "scan_connections"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    display: Mapped[str] = mapped_column(String(500))
    backend: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12))
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class ScanRun(Base):
    """One scan of one system: what was asked, how far it got, how it ended."""

    __tablename__ = "scan_runs"
    __table_args__ = (Index("ix_scan_runs_system_started_at", "system", "started_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    system: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))  # URL without password, or connection name
    connection_name: Mapped[str | None] = mapped_column(String(64))
    engine: Mapped[str] = mapped_column(String(16))  # local or spark
    schemas: Mapped[list[str]] = mapped_column()
    sample_size: Mapped[int] = mapped_column(Integer)
    # queued -> running -> completed | interrupted | failed
    state: Mapped[str] = mapped_column(String(16))
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    tables_total: Mapped[int] = mapped_column(Integer, default=0)
    tables_done: Mapped[int] = mapped_column(Integer, default=0)
    columns_done: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[str]] = mapped_column()  # redacted, one line each
    requested_by: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class InventoryColumn(Base):
    """One column as one scan run saw it, with the decision and the evidence behind it."""

    __tablename__ = "inventory_columns"
    __table_args__ = (
        Index("ix_inventory_columns_run_id", "run_id"),
        Index("ix_inventory_columns_system_location", "system", "schema_name", "table_name",
              "column_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("scan_runs.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(String(200))
    schema_name: Mapped[str] = mapped_column(String(200))
    table_name: Mapped[str] = mapped_column(String(200))
    column_name: Mapped[str] = mapped_column(String(200))
    data_type: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    entity: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str | None] = mapped_column(String(4))
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict[str, object]] = mapped_column()
