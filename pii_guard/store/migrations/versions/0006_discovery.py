"""discovery: scan runs and data inventory

Revision ID: 0006_discovery
Revises: 0005_audit
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pii_guard.store.base import UTCDateTime

revision: str = "0006_discovery"
down_revision: str | None = "0005_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scan_connections",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("display", sa.String(length=500), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.LargeBinary(length=12), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("key_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scan_connections")),
    )
    op.create_table(
        "scan_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("connection_name", sa.String(length=64), nullable=True),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("schemas", sa.JSON(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("tables_total", sa.Integer(), nullable=False),
        sa.Column("tables_done", sa.Integer(), nullable=False),
        sa.Column("columns_done", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_runs")),
    )
    with op.batch_alter_table("scan_runs", schema=None) as batch_op:
        batch_op.create_index("ix_scan_runs_system_started_at", ["system", "started_at"],
                              unique=False)
    op.create_table(
        "inventory_columns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("schema_name", sa.String(length=200), nullable=False),
        sa.Column("table_name", sa.String(length=200), nullable=False),
        sa.Column("column_name", sa.String(length=200), nullable=False),
        sa.Column("data_type", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("entity", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("tier", sa.String(length=4), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["scan_runs.id"],
                                name=op.f("fk_inventory_columns_run_id_scan_runs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_columns")),
    )
    with op.batch_alter_table("inventory_columns", schema=None) as batch_op:
        batch_op.create_index("ix_inventory_columns_run_id", ["run_id"], unique=False)
        batch_op.create_index("ix_inventory_columns_system_location",
                              ["system", "schema_name", "table_name", "column_name"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inventory_columns", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_columns_system_location")
        batch_op.drop_index("ix_inventory_columns_run_id")
    op.drop_table("inventory_columns")
    with op.batch_alter_table("scan_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_runs_system_started_at")
    op.drop_table("scan_runs")
    op.drop_table("scan_connections")
