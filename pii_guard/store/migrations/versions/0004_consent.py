"""consent: purposes, privacy notices, consent events (append-only) and consent states

Revision ID: 0004_consent
Revises: 0003_authz
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pii_guard.store.base

revision: str = "0004_consent"
down_revision: str | None = "0003_authz"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# consent_events is the evidence of consent (PIPL Art. 14-15): the database itself refuses to
# change or remove a recorded event, whatever code runs against it.
PG_APPEND_ONLY = """
CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent_events is append-only' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER consent_events_no_update BEFORE UPDATE OR DELETE ON consent_events
    FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();
"""
SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events "
    "BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END",
    "CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events "
    "BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END",
]


def upgrade() -> None:
    op.create_table('privacy_notices',
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('registered_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('registered_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_privacy_notices'))
    )
    op.create_table('purposes',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('legal_basis', sa.String(length=32), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('sensitive_allowed', sa.Boolean(), nullable=False),
    sa.Column('on_missing_consent', sa.String(length=16), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_purposes'))
    )
    op.create_table('consent_states',
    sa.Column('subject_id', sa.String(length=128), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('separate', sa.Boolean(), nullable=False),
    sa.Column('granted_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('effective_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject_id', 'purpose', name=op.f('pk_consent_states'))
    )
    op.create_table('consent_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('subject_id', sa.String(length=128), nullable=False),
    sa.Column('purpose', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('separate', sa.Boolean(), nullable=False),
    sa.Column('granted_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('notice_version', sa.String(length=64), nullable=True),
    sa.Column('notice_hash', sa.String(length=64), nullable=True),
    sa.Column('evidence_ref', sa.String(length=256), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', pii_guard.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['notice_version'], ['privacy_notices.version'], name=op.f('fk_consent_events_notice_version_privacy_notices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['purpose'], ['purposes.code'], name=op.f('fk_consent_events_purpose_purposes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_events'))
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.create_index('ix_consent_events_subject_id_purpose', ['subject_id', 'purpose'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
    elif op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_events_subject_id_purpose')

    op.drop_table('consent_events')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS consent_events_append_only()")
    op.drop_table('consent_states')
    op.drop_table('purposes')
    op.drop_table('privacy_notices')
