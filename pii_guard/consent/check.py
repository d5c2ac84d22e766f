"""The consent check on every access: one read, no cache, fail closed.

``ConsentService.check_for`` reads the purpose and the subject's current consent for it in one
statement (both by primary key, an outer join), so a withdrawal committed by any worker is
obeyed by every other worker on its very next call: there is nothing to go stale. A database
fault raises; it never becomes a permission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, bindparam, create_engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.events import AuditEvent
from pii_guard.audit.log import AuditLog
from pii_guard.consent import notices, records, registry
from pii_guard.consent.errors import UnknownPurpose
from pii_guard.consent.purposes import LegalBasis, Purpose, load_purposes
from pii_guard.consent.registry import FIELDS, purpose_of
from pii_guard.identity.caller import Caller
from pii_guard.store.base import utcnow
from pii_guard.store.engine import database_unavailable, is_database_fault
from pii_guard.store.models.consent import ConsentState, PurposeRow

_P = PurposeRow.__table__.c
_S = ConsentState.__table__.c
_PURPOSE_COLUMNS = [_P.code, _P.revision, *(_P[name] for name in FIELDS)]
# One statement, two primary-key lookups: the purpose row and the (subject, purpose) state.
CHECK_STATEMENT = (
    select(*_PURPOSE_COLUMNS, _S.status, _S.categories.label("consent_categories"),
           _S.separate, _S.expires_at)
    .select_from(PurposeRow.__table__.outerjoin(
        ConsentState.__table__,
        and_(_S.purpose == _P.code, _S.subject_id == bindparam("subject_id"))))
    .where(_P.code == bindparam("purpose"))
)
PURPOSE_STATEMENT = select(*_PURPOSE_COLUMNS).where(_P.code == bindparam("purpose"))


@dataclass(frozen=True, slots=True)
class ConsentRuling:
    """Whether one category may be processed for the purpose, and why (a stable code)."""

    allowed: bool
    reason: str
    refuse: bool = False


@dataclass(frozen=True, slots=True)
class CurrentConsent:
    """The subject's consent for the purpose as it stood when checked."""

    status: str  # granted, withdrawn
    categories: frozenset[str]
    separate: bool
    expires_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ConsentCheck:
    """The purpose and the subject's consent for it, read once; rule per category with
    ``permits``. ``consent`` is None when the subject never consented (or is unknown)."""

    purpose: Purpose
    subject_id: str | None
    consent: CurrentConsent | None
    checked_at: dt.datetime

    @property
    def requires_consent(self) -> bool:
        return self.purpose.legal_basis is LegalBasis.CONSENT

    def permits(self, category: str, *, sensitive: bool) -> ConsentRuling:
        purpose = self.purpose
        if not purpose.uses_category(category):
            return self._no("outside_purpose")
        if sensitive and not purpose.sensitive_allowed:
            return self._no("sensitive_not_allowed")
        if not self.requires_consent:
            return ConsentRuling(True, "not_required")
        if self.subject_id is None:
            return self._no("no_subject")
        consent = self.consent
        if consent is None:
            return self._no("no_consent")
        if consent.status != "granted":
            return self._no("consent_withdrawn")
        if consent.expires_at is not None and consent.expires_at <= self.checked_at:
            return self._no("consent_expired")
        if consent.categories and category not in consent.categories:
            return self._no("category_not_consented")
        if sensitive and not consent.separate:
            return self._no("separate_consent_required")
        return ConsentRuling(True, "consented")

    def _no(self, reason: str) -> ConsentRuling:
        return ConsentRuling(False, reason, refuse=self.purpose.on_missing_consent == "refuse")


def _reader_engine(engine: Engine) -> Engine:
    """For PostgreSQL, a small pool of autocommit connections for the check alone: each
    check is then one statement and one round trip (no BEGIN, no pre-ping, no rollback on
    return), and each statement sees everything committed before it. Other backends share
    the main engine."""
    if engine.dialect.name != "postgresql":
        return engine
    return create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_size=5,
                         max_overflow=20, pool_pre_ping=False, hide_parameters=True,
                         connect_args={"connect_timeout": 5})


class ConsentService:
    """Purposes and consent for the rest of pii-guard (``services.consent``)."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session], audit: AuditLog,
                 categories: Collection[str], sensitive: Collection[str]) -> None:
        self.engine = engine
        self.reader = _reader_engine(engine)
        self.factory = factory
        self.audit = audit
        self.categories = frozenset(categories)
        self.sensitive = frozenset(sensitive)
        # Parsed purposes by (code, revision): the row is read on every call, only the parsing
        # is reused, so a changed purpose (new revision) is never served from here.
        self._parsed: dict[tuple[str, int], Purpose] = {}

    def _purpose(self, row: Any) -> Purpose:
        key = (row.code, row.revision)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = purpose_of(row._mapping)
            if len(self._parsed) > 1024:
                self._parsed.clear()
            self._parsed[key] = parsed
        return parsed

    def _read(self, statement: Any, params: dict[str, Any], session: Session | None) -> Any:
        try:
            if session is not None:
                return session.execute(statement, params).first()
            for attempt in (1, 2):
                try:
                    with self.reader.connect() as connection:
                        return connection.execute(statement, params).first()
                except DBAPIError as exc:
                    # A pooled connection the server dropped (restart): retry once on a new
                    # one; anything else, or a second failure, is a fault.
                    if attempt == 2 or not exc.connection_invalidated:
                        raise
            raise AssertionError("unreachable")
        except Exception as exc:
            if is_database_fault(exc):
                raise database_unavailable(exc) from exc
            raise

    def close(self) -> None:
        if self.reader is not self.engine:
            self.reader.dispose()

    def purpose(self, code: str, *, session: Session | None = None) -> Purpose | None:
        """The registered purpose with this code, read from the database now."""
        row = self._read(PURPOSE_STATEMENT, {"purpose": code}, session)
        return None if row is None else self._purpose(row)

    def check_for(self, subject_id: str | None, purpose: str, *,
                  session: Session | None = None) -> ConsentCheck:
        """The purpose and the subject's current consent, in one read. Pass the request's
        ``session`` to read inside its transaction (no extra connection checkout). An unknown
        purpose raises ``UnknownPurpose``; a database fault raises ``ServiceUnavailable``."""
        row = self._read(CHECK_STATEMENT, {"subject_id": subject_id, "purpose": purpose},
                         session)
        if row is None:
            raise UnknownPurpose(None, f"no purpose {purpose!r} is registered", status=422)
        consent = None
        if row.status is not None and subject_id is not None:
            consent = CurrentConsent(row.status, frozenset(row.consent_categories or ()),
                                     bool(row.separate), row.expires_at)
        return ConsentCheck(self._purpose(row), subject_id, consent, utcnow())

    # --- changes: each in the caller's transaction, each an audit event -------------------

    @property
    def vocabulary(self) -> records.Vocabulary:
        return records.Vocabulary(self.categories, self.sensitive)

    def sync_purposes(self, session: Session) -> list[tuple[str, str]]:
        """Apply policies/purposes.yaml to the registry (new or changed entries only).

        Later changes from the file are audit events; the first seeding of an empty registry
        is part of installing the service (like the access policy's version 1) and is not,
        so a new log starts empty."""
        seeding = session.scalar(select(PurposeRow.code).limit(1)) is None
        changes = registry.sync_from_file(session, load_purposes(), self.categories)
        for code, verb in [] if seeding else changes:
            self.audit.record(session, AuditEvent(
                action=f"purpose.{'create' if verb == 'created' else 'update'}",
                decision="allowed", reason="policy_file", purpose=code))
        return changes

    def put_purpose(self, session: Session, caller: Caller | None, purpose: Purpose,
                    **audit_fields: Any) -> tuple[Any, bool]:
        row, created = registry.put(session, purpose, self.categories,
                                    caller.principal_id if caller else None)
        self.audit.record(session, AuditEvent.by(
            caller, "purpose.create" if created else "purpose.update", "allowed",
            "created" if created else "updated", purpose=purpose.code,
            details={"legal_basis": purpose.legal_basis.value, "revision": row.revision},
            **audit_fields))
        return row, created

    def register_notice(self, session: Session, caller: Caller | None, spec: notices.NoticeSpec,
                        **audit_fields: Any) -> tuple[Any, bool]:
        row, created = notices.register(session, spec, caller.principal_id if caller else None)
        if created:
            self.audit.record(session, AuditEvent.by(
                caller, "notice.register", "allowed", "registered",
                details={"notice_version": row.version, "sha256": row.sha256}, **audit_fields))
        return row, created

    def grant(self, session: Session, caller: Caller | None, spec: records.GrantSpec, *,
              source: str = "api", recorded_by: str | None = None,
              **audit_fields: Any) -> Any:
        event = records.grant(session, spec, self.vocabulary, source=source,
                              recorded_by=recorded_by or (caller.principal_id if caller else None))
        self.audit.record(session, AuditEvent.by(
            caller, "consent.grant", "allowed", "imported" if source == "import" else "granted",
            purpose=spec.purpose, subject_ref=spec.subject_id, entities=tuple(event.categories),
            details=_event_details(event), **audit_fields))
        return event

    def withdraw(self, session: Session, caller: Caller | None, spec: records.WithdrawSpec, *,
                 source: str = "api", recorded_by: str | None = None,
                 **audit_fields: Any) -> tuple[Any, bool]:
        event, new = records.withdraw(
            session, spec, source=source,
            recorded_by=recorded_by or (caller.principal_id if caller else None))
        if new:
            self.audit.record(session, AuditEvent.by(
                caller, "consent.withdraw", "allowed",
                "imported" if source == "import" else "withdrawn", purpose=spec.purpose,
                subject_ref=spec.subject_id, details=_event_details(event), **audit_fields))
        return event, new


def _event_details(event: Any) -> dict[str, Any]:
    """References and codes only: never the notice text or anything the subject said."""
    return {"consent_event_id": event.id, "kind": event.kind, "separate": event.separate,
            "channel": event.channel, "notice_version": event.notice_version,
            "source": event.source,
            "expires_at": event.expires_at.isoformat() if event.expires_at else None}
