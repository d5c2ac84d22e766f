"""consent: purposes and consent records

Revision ID: 0004_consent
Revises: 0003_authz
Create Date: 2026-11-21
"""

from collections.abc import Sequence

revision: str = "0004_consent"
down_revision: str | None = "0003_authz"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
