"""keys: wrapped data keys and per-subject keys

Revision ID: 0002_keys
Revises: 0001_foundation
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pii_guard.store.base import UTCDateTime

revision: str = "0002_keys"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "purpose", "version", name="pk_data_keys"),
    )
    op.create_table(
        "subject_keys",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(128), nullable=False),
        sa.Column("wrap_version", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("shredded_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "subject_id", name="pk_subject_keys"),
    )
    op.create_index("ix_subject_keys_tenant_shredded_at", "subject_keys",
                    ["tenant", "shredded_at"])


def downgrade() -> None:
    op.drop_index("ix_subject_keys_tenant_shredded_at", table_name="subject_keys")
    op.drop_table("subject_keys")
    op.drop_table("data_keys")
