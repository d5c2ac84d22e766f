"""Data keys for tokens and hashes, wrapped under the KEK, and per-subject keys.

``data_keys``: one row per (tenant, purpose, version); ``wrapped`` is the 12-byte AES-GCM nonce
followed by the ciphertext of the 32-byte key under a key derived from the KEK, with tenant,
purpose and version as associated data (a row copied elsewhere does not open). The KEK itself
never reaches the database.

``subject_keys``: one random secret per data subject, wrapped under a key derived from token key
version ``wrap_version``. Crypto-shredding sets ``wrapped`` to NULL: every token bound to the
subject becomes unrecoverable because its key depended on that secret.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from pii_guard.store.base import Base, utcnow


class DataKey(Base):
    __tablename__ = "data_keys"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)  # token | hash
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16))  # active | retired (detokenise only)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class SubjectKey(Base):
    __tablename__ = "subject_keys"
    __table_args__ = (Index("ix_subject_keys_tenant_shredded_at", "tenant", "shredded_at"),)

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    wrap_version: Mapped[int] = mapped_column(Integer)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    shredded_at: Mapped[dt.datetime | None] = mapped_column()
