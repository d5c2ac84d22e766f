"""Privacy notices: each version's text and SHA-256, so a consent proves what the subject saw.

A version is registered once; registering it again with the same text is harmless, with
another text it is refused (the version a consent cites must never change meaning).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from pii_guard.consent.errors import NoticeConflict, NoticeNotFound
from pii_guard.resources import policies_dir
from pii_guard.store.base import utcnow
from pii_guard.store.models.consent import PrivacyNotice

VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class NoticeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(pattern=VERSION_PATTERN)
    title: str = Field("", max_length=200)
    text: str = Field(min_length=1, max_length=200_000)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def register(session: Session, spec: NoticeSpec, by: str | None) -> tuple[PrivacyNotice, bool]:
    """The notice row and whether it was created now."""
    digest = sha256_text(spec.text)
    row = session.get(PrivacyNotice, spec.version)
    if row is not None:
        if row.sha256 != digest:
            raise NoticeConflict(None, f"notice version {spec.version} exists with another text")
        return row, False
    row = PrivacyNotice(version=spec.version, sha256=digest, title=spec.title, text=spec.text,
                        registered_at=utcnow(), registered_by=by)
    session.add(row)
    session.flush()
    return row, True


def get(session: Session, version: str) -> PrivacyNotice:
    row = session.get(PrivacyNotice, version)
    if row is None:
        raise NoticeNotFound(None, f"no privacy notice version {version}")
    return row


def list_all(session: Session) -> list[PrivacyNotice]:
    return list(session.scalars(select(PrivacyNotice).order_by(PrivacyNotice.registered_at,
                                                                PrivacyNotice.version)))


def seed_demo_notices(session: Session, path: Path | None = None) -> list[str]:
    """Register the demo privacy notice(s) of ``policies/demo-privacy-notices.yaml``."""
    source = path or policies_dir() / "demo-privacy-notices.yaml"
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    versions = []
    for entry in document["notices"]:
        row, _ = register(session, NoticeSpec.model_validate(entry), "demo-seed")
        versions.append(row.version)
    return versions
