"""The purpose registry in the database: seeded from ``policies/purposes.yaml`` at start-up and
kept by stewards through the API.

The file stays the reviewable source: at start-up an entry is (re)applied when it is new or
when the file's entry changed since it was last applied (its hash is kept on the row). A
steward's change through the API therefore survives restarts until the file itself changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from pii_guard.consent.errors import PurposeInvalid
from pii_guard.consent.purposes import Purpose
from pii_guard.errors import ConfigurationError
from pii_guard.store.base import utcnow
from pii_guard.store.models.consent import PurposeRow

FIELDS = ("name_zh", "name_en", "description", "legal_basis", "categories",
          "sensitive_allowed", "on_missing_consent", "retention_days")


def spec_hash(purpose: Purpose) -> str:
    """A stable hash of a purpose's definition (what the file says about it)."""
    canonical = json.dumps(purpose.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def purpose_of(row: PurposeRow | Mapping[str, object]) -> Purpose:
    values = row if isinstance(row, Mapping) else {f: getattr(row, f) for f in ("code", *FIELDS)}
    return Purpose.model_validate({"code": values["code"], **{f: values[f] for f in FIELDS}})


def unknown_categories(purpose: Purpose, categories: Collection[str]) -> list[str]:
    return sorted(set(purpose.categories) - set(categories))


def _assign(row: PurposeRow, purpose: Purpose) -> None:
    data = purpose.model_dump(mode="json")
    for name in FIELDS:
        setattr(row, name, list(data[name]) if name == "categories" else data[name])


def sync_from_file(session: Session, purposes: Mapping[str, Purpose],
                   categories: Collection[str]) -> list[tuple[str, str]]:
    """Apply new or changed file entries; returns (code, "created"|"updated") for each change.
    A file entry naming an unknown category stops start-up."""
    for purpose in purposes.values():
        unknown = unknown_categories(purpose, categories)
        if unknown:
            raise ConfigurationError("invalid_purposes", f"purpose {purpose.code!r} names "
                                     f"unknown categories: {', '.join(unknown)}")
    rows = {row.code: row for row in session.scalars(select(PurposeRow))}
    changes: list[tuple[str, str]] = []
    for code, purpose in purposes.items():
        digest = spec_hash(purpose)
        row = rows.get(code)
        if row is None:
            row = PurposeRow(code=code, source="file", file_hash=digest, revision=1,
                             updated_at=utcnow(), updated_by=None)
            _assign(row, purpose)
            session.add(row)
            changes.append((code, "created"))
        elif row.file_hash != digest:
            _assign(row, purpose)
            row.source, row.file_hash = "file", digest
            row.revision += 1
            row.updated_at, row.updated_by = utcnow(), None
            changes.append((code, "updated"))
    return changes


def get(session: Session, code: str) -> PurposeRow | None:
    return session.get(PurposeRow, code)


def list_all(session: Session) -> list[PurposeRow]:
    return list(session.scalars(select(PurposeRow).order_by(PurposeRow.code)))


def put(session: Session, purpose: Purpose, categories: Collection[str],
        by: str | None) -> tuple[PurposeRow, bool]:
    """Create or replace a purpose as a steward defines it; returns the row and whether it is
    new. Categories must be in the taxonomy."""
    unknown = unknown_categories(purpose, categories)
    if unknown:
        raise PurposeInvalid("unknown_category", f"unknown categories: {', '.join(unknown)}")
    row = session.get(PurposeRow, purpose.code, with_for_update=True)
    created = row is None
    if row is None:
        row = PurposeRow(code=purpose.code, source="api", file_hash=None, revision=0)
        session.add(row)
    _assign(row, purpose)
    row.source = "api"
    row.revision = (row.revision or 0) + 1
    row.updated_at, row.updated_by = utcnow(), by
    session.flush()
    return row, created
