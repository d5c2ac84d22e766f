"""Who calls pii-guard: organisation units, roles, principals and their API keys."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pii_guard.store.base import Base, utcnow


class OrgUnit(Base):
    """A node of the organisation (head office > branch > sub-branch).

    ``path`` is the materialised chain of codes from the root (``/head-office/shanghai-branch/``)
    so "this unit or any below it" is one prefix comparison.
    """

    __tablename__ = "org_units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("org_units.code", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(String(1024), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Role(Base):
    """A role that policies speak of (``customer_service``, ``data_steward``, ...)."""

    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    description: Mapped[str] = mapped_column(String(500), default="")


class Principal(Base):
    """An internal system or a person that calls the service."""

    __tablename__ = "principals"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # "system" or "person"
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_units.code", ondelete="RESTRICT"),
                                           index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    role_links: Mapped[list[PrincipalRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PrincipalRole.role_code"
    )

    @property
    def roles(self) -> list[str]:
        return [link.role_code for link in self.role_links]


class PrincipalRole(Base):
    __tablename__ = "principal_roles"

    principal_id: Mapped[str] = mapped_column(
        ForeignKey("principals.id", ondelete="CASCADE"), primary_key=True
    )
    role_code: Mapped[str] = mapped_column(
        ForeignKey("roles.code", ondelete="RESTRICT"), primary_key=True
    )


class ApiKey(Base):
    """An API key, stored only as a keyed hash; ``prefix`` identifies it in lists and logs."""

    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("prefix"),
        Index("ix_api_keys_principal_id", "principal_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64))
    principal_id: Mapped[str] = mapped_column(ForeignKey("principals.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    last_used_at: Mapped[dt.datetime | None] = mapped_column()

    principal: Mapped[Principal] = relationship(lazy="joined")
