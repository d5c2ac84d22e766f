"""Policy rules (Casbin's ``casbin_rule`` shape), numbered policy versions, proposed changes,
and grants with the subjects they cover.

``casbin_rule`` keeps Casbin's generic columns so any Casbin tooling can read it; Alembic owns
it (no library creates tables). Principal ids in these tables are references kept for the
record, not foreign keys: a principal retired later must not rewrite history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pii_guard.store.base import Base, utcnow


class CasbinRule(Base):
    """One rule of the current policy: ``ptype`` and up to six values."""

    __tablename__ = "casbin_rule"
    __table_args__ = (UniqueConstraint("ptype", "v0", "v1", "v2", "v3", "v4", "v5"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ptype: Mapped[str] = mapped_column(String(8))
    v0: Mapped[str] = mapped_column(String(128), default="")
    v1: Mapped[str] = mapped_column(String(128), default="")
    v2: Mapped[str] = mapped_column(String(128), default="")
    v3: Mapped[str] = mapped_column(String(128), default="")
    v4: Mapped[str] = mapped_column(String(128), default="")
    v5: Mapped[str] = mapped_column(String(128), default="")


class PolicyChange(Base):
    """A proposed change (rules to add and remove) waiting for a second steward."""

    __tablename__ = "policy_changes"
    __table_args__ = (Index("ix_policy_changes_status", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # change, rollback, import
    status: Mapped[str] = mapped_column(String(16))  # pending, applied, rejected
    author_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(1000))
    added: Mapped[list[list[str]]] = mapped_column(JSON)
    removed: Mapped[list[list[str]]] = mapped_column(JSON)
    base_version: Mapped[int] = mapped_column(Integer)
    target_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(String(1000), default="")
    applied_version: Mapped[int | None] = mapped_column(Integer)


class PolicyVersion(Base):
    """An applied change: the policy after it is version ``version``."""

    __tablename__ = "policy_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))  # seed, change, rollback, import
    change_id: Mapped[str | None] = mapped_column(
        ForeignKey("policy_changes.id", ondelete="RESTRICT"))
    author_id: Mapped[str] = mapped_column(String(64))
    approver_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(1000))
    added: Mapped[list[list[str]]] = mapped_column(JSON)
    removed: Mapped[list[list[str]]] = mapped_column(JSON)
    rule_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Grant(Base):
    """A time-bound elevation for one principal, some subjects, one purpose and scope."""

    __tablename__ = "grants"
    __table_args__ = (
        Index("ix_grants_status_expires_at", "status", "expires_at"),
        Index("ix_grants_requester_id", "requester_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    requester_id: Mapped[str] = mapped_column(String(64))
    requester_unit: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(64))
    treatment: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    justification: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16))  # pending approved rejected revoked expired
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(String(1000), default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    subject_links: Mapped[list[GrantSubject]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="GrantSubject.subject_id")

    @property
    def subject_ids(self) -> list[str]:
        return [link.subject_id for link in self.subject_links]

    def summary(self) -> dict[str, Any]:
        """The grant for audit events: references and codes, no justification text."""
        return {"grant_id": self.id, "scope": self.scope, "treatment": self.treatment,
                "requester": self.requester_id, "subjects": len(self.subject_links)}


class GrantSubject(Base):
    __tablename__ = "grant_subjects"
    __table_args__ = (Index("ix_grant_subjects_subject_id", "subject_id"),)

    grant_id: Mapped[str] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"),
                                          primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(128), primary_key=True)
