"""The audit log's tables. Events hold codes, paths and references, never personal values.

Life of an event: writers insert it into ``audit_inbox`` (inside their own transaction, or
through the group-commit writer). The one sequencer of the cluster moves committed inbox rows
into ``audit_events`` with the next contiguous ``seq``, appends their leaf hashes to the Merkle
tree kept in ``audit_tiles``, and advances ``audit_log_head``, all in one transaction. Signed
``audit_checkpoints`` fix (tree size, root hash, time). ``audit_hourly_counts`` are counters the
sequencer keeps for the daily summaries.

On PostgreSQL ``audit_events`` is partitioned by month of ``sequenced_at`` (RANGE). Because the
sequencer assigns ``sequenced_at`` monotonically with ``seq``, every partition holds a
contiguous range of sequence numbers, so dropping the oldest partitions removes a prefix of the
log and the rest still verifies. Partitions are created and dropped at run time
(``pii_guard.audit.partitions``), not by migrations; their names match
``PARTITION_NAME_PATTERN``, which the schema comparison ignores (``Base.metadata.info``).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from pii_guard.store.base import Base

PARTITION_NAME_PATTERN = re.compile(r"audit_events_p\d{6}")
Base.metadata.info.setdefault("unmanaged_tables", []).append(PARTITION_NAME_PATTERN)


class _EventFields:
    """The fields of one event, shared by the inbox and the sequenced log."""

    id: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[dt.datetime] = mapped_column()
    action: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))
    principal_id: Mapped[str | None] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column()
    unit_code: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(64))
    subject_ref: Mapped[str | None] = mapped_column(String(128))
    fields: Mapped[list[str]] = mapped_column()
    entities: Mapped[list[str]] = mapped_column()
    tiers: Mapped[list[str]] = mapped_column()
    treatments: Mapped[list[str]] = mapped_column()
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, object]] = mapped_column()


class AuditInboxRow(_EventFields, Base):
    """A committed event not yet sequenced. Rows live here for well under a second."""

    __tablename__ = "audit_inbox"
    __table_args__ = (Index("ix_audit_inbox_occurred_at_id", "occurred_at", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)


class AuditEventRow(_EventFields, Base):
    """A sequenced event: leaf ``seq`` of the Merkle tree. Written once, never updated."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_id", "id"),
        Index("ix_audit_events_subject_ref_seq", "subject_ref", "seq"),
        Index("ix_audit_events_principal_id_seq", "principal_id", "seq"),
        Index("ix_audit_events_action_seq", "action", "seq"),
        Index("ix_audit_events_decision_seq", "decision", "seq"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
        {"postgresql_partition_by": "RANGE (sequenced_at)"},
    )

    # PostgreSQL requires the partition key in the primary key; seq alone is unique because
    # one sequencer assigns it under the head-row lock, and verification checks it.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sequenced_at: Mapped[dt.datetime] = mapped_column(primary_key=True)


class AuditTile(Base):
    """Up to 256 consecutive node hashes at tree level ``8 * level`` (RFC 6962 hashes).

    Tile (0, i) holds the leaf hashes of events 256*i .. 256*i+255; tile (1, i) the roots of
    full level-0 tiles, and so on. Only the rightmost tile of each level is ever rewritten.
    """

    __tablename__ = "audit_tiles"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class AuditLogHead(Base):
    """The single row (id 1) naming the tree the sequencer has built so far."""

    __tablename__ = "audit_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    log_id: Mapped[str] = mapped_column(String(32))
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    pruned_before: Mapped[int] = mapped_column(BigInteger)
    last_sequenced_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()


class AuditCheckpointRow(Base):
    """A signed statement (origin, tree size, root hash, time); Ed25519 over the note text."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (Index("ix_audit_checkpoints_tree_size", "tree_size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column()
    origin: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class AuditHourlyCount(Base):
    """Events per UTC hour by purpose, highest tier and decision, kept by the sequencer."""

    __tablename__ = "audit_hourly_counts"

    hour: Mapped[dt.datetime] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16), primary_key=True)
    events: Mapped[int] = mapped_column(BigInteger)
