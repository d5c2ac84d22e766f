"""audit: sequencing, Merkle tree and checkpoints

Reshapes the foundation's single ``audit_events`` table into the inbox / sequenced log split
(see ``pii_guard.store.models.audit``). Events already written are kept: they move to the
inbox and the sequencer gives them sequence numbers at first start.

On PostgreSQL ``audit_events`` is created ``PARTITION BY RANGE (sequenced_at)``; its monthly
partitions are made at run time (``pii_guard.audit.partitions``) and are invisible to the
schema comparison (``pii_guard.store.migrate.include_name``). SQLite gets a plain table.

Revision ID: 0005_audit
Revises: 0004_consent
Create Date: 2026-11-21
"""

import hashlib
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pii_guard.store.base

revision: str = "0005_audit"
down_revision: str | None = "0004_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_FIELDS = ("id, occurred_at, action, decision, reason, principal_id, roles, unit_code, "
                "purpose, subject_ref, fields, entities, tiers, treatments, request_id, "
                "client_addr, details")


def _event_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", pii_guard.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("principal_id", sa.String(length=64), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=True),
        sa.Column("subject_ref", sa.String(length=128), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("treatments", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("client_addr", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table("audit_inbox", *_event_columns(),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_inbox")))
    op.create_index("ix_audit_inbox_occurred_at_id", "audit_inbox", ["occurred_at", "id"],
                    unique=False)
    op.execute(f"INSERT INTO audit_inbox ({EVENT_FIELDS}) SELECT {EVENT_FIELDS} FROM audit_events")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_subject_ref")
        batch_op.drop_index("ix_audit_events_principal_id")
        batch_op.drop_index("ix_audit_events_occurred_at")
    op.drop_table("audit_events")

    op.create_table(
        "audit_events",
        *_event_columns(),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sequenced_at", pii_guard.store.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint("seq", "sequenced_at", name=op.f("pk_audit_events")),
        postgresql_partition_by="RANGE (sequenced_at)",
    )
    for name, columns in (
        ("ix_audit_events_id", ["id"]),
        ("ix_audit_events_subject_ref_seq", ["subject_ref", "seq"]),
        ("ix_audit_events_principal_id_seq", ["principal_id", "seq"]),
        ("ix_audit_events_action_seq", ["action", "seq"]),
        ("ix_audit_events_decision_seq", ["decision", "seq"]),
        ("ix_audit_events_occurred_at", ["occurred_at"]),
    ):
        op.create_index(name, "audit_events", columns, unique=False)

    op.create_table(
        "audit_tiles",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_tiles")),
    )
    head = op.create_table(
        "audit_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("log_id", sa.String(length=32), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("pruned_before", sa.BigInteger(), nullable=False),
        sa.Column("last_sequenced_at", pii_guard.store.base.UTCDateTime(timezone=True),
                  nullable=True),
        sa.Column("updated_at", pii_guard.store.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log_head")),
    )
    op.bulk_insert(head, [{
        "id": 1, "log_id": uuid.uuid4().hex, "tree_size": 0,
        "root_hash": hashlib.sha256(b"").digest(), "pruned_before": 0,
        "last_sequenced_at": None, "updated_at": pii_guard.store.base.utcnow(),
    }])
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", pii_guard.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    op.create_index("ix_audit_checkpoints_tree_size", "audit_checkpoints", ["tree_size"],
                    unique=False)
    op.create_table(
        "audit_hourly_counts",
        sa.Column("hour", pii_guard.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "purpose", "tier", "decision",
                                name=op.f("pk_audit_hourly_counts")),
    )


def downgrade() -> None:
    """Back to the foundation's single table, keeping every event (sequenced ones keep seq)."""
    op.drop_table("audit_hourly_counts")
    op.drop_index("ix_audit_checkpoints_tree_size", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_log_head")
    op.drop_table("audit_tiles")
    op.create_table("audit_events_0001", *_event_columns(),
                    sa.Column("seq", sa.BigInteger(), nullable=True))
    op.execute(f"INSERT INTO audit_events_0001 ({EVENT_FIELDS}, seq) "
               f"SELECT {EVENT_FIELDS}, seq FROM audit_events")
    op.execute(f"INSERT INTO audit_events_0001 ({EVENT_FIELDS}) SELECT {EVENT_FIELDS} "
               "FROM audit_inbox")
    op.drop_table("audit_events")  # on PostgreSQL this drops its partitions too
    op.drop_index("ix_audit_inbox_occurred_at_id", table_name="audit_inbox")
    op.drop_table("audit_inbox")

    op.create_table(
        "audit_events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        *[column for column in _event_columns() if column.name != "id"],
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_events_seq")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index("ix_audit_events_principal_id", ["principal_id"], unique=False)
        batch_op.create_index("ix_audit_events_subject_ref", ["subject_ref"], unique=False)
    op.execute(f"INSERT INTO audit_events ({EVENT_FIELDS}, seq) "
               f"SELECT {EVENT_FIELDS}, seq FROM audit_events_0001")
    op.drop_table("audit_events_0001")
