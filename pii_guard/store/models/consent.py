"""Purposes, privacy notices, consent events (append-only history) and consent states.

``consent_events`` is the record PIPL asks for: every grant and withdrawal, never updated or
deleted (triggers in the migration refuse both). ``consent_states`` is derived from it in the
same transaction, one row per (subject, purpose), so the check on every access is a single
primary-key read. Subject ids are the institution's customer references, not personal values.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pii_guard.store.base import Base, utcnow


class PurposeRow(Base):
    """A registered purpose of processing (seeded from policies/purposes.yaml, kept by stewards).

    ``file_hash`` is the hash of the file's entry last applied: start-up re-applies the file
    only when that entry changed, so a steward's change through the API survives restarts.
    """

    __tablename__ = "purposes"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    legal_basis: Mapped[str] = mapped_column(String(32))
    categories: Mapped[list[str]] = mapped_column()
    sensitive_allowed: Mapped[bool] = mapped_column(Boolean)
    on_missing_consent: Mapped[str] = mapped_column(String(16))
    retention_days: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # file, api
    file_hash: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class PrivacyNotice(Base):
    """A version of the privacy notice shown to subjects, with the SHA-256 of its text."""

    __tablename__ = "privacy_notices"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    registered_by: Mapped[str | None] = mapped_column(String(64))


class ConsentEvent(Base):
    """One grant or withdrawal as recorded; the history of a subject's consent."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_subject_id_purpose", "subject_id", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(ForeignKey("purposes.code", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))  # grant, withdraw
    categories: Mapped[list[str]] = mapped_column()
    separate: Mapped[bool] = mapped_column(Boolean)
    granted_at: Mapped[dt.datetime | None] = mapped_column()
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()
    channel: Mapped[str | None] = mapped_column(String(16))  # app, counter, phone, paper
    notice_version: Mapped[str | None] = mapped_column(
        ForeignKey("privacy_notices.version", ondelete="RESTRICT"))
    notice_hash: Mapped[str | None] = mapped_column(String(64))
    evidence_ref: Mapped[str | None] = mapped_column(String(256))
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="api")  # api, import


class ConsentState(Base):
    """The current consent of one subject for one purpose, derived from its events."""

    __tablename__ = "consent_states"

    subject_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # granted, withdrawn
    categories: Mapped[list[str]] = mapped_column()
    separate: Mapped[bool] = mapped_column(Boolean)
    granted_at: Mapped[dt.datetime | None] = mapped_column()
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()
    effective_at: Mapped[dt.datetime] = mapped_column()
    last_event_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
