"""Recording events: inside a caller's transaction, or durably on their own before release.

Guarantees, for the engineers who call this:

- ``record(session, event)`` adds the event to the caller's transaction. It is stored if and
  only if that transaction commits, so a state change and its event stand or fall together.
  Use it for changes (policy, grant, consent, key operations).
- ``record_now(event)`` and ``await record_durable(event)`` return only once the event is
  committed (through the group-commit writer); if it cannot be stored they raise
  ``AuditUnavailable`` (503) and the caller must release nothing. Use them before answering
  with data (classify, mask, detokenise) and for refusals (login failures, denied calls).
- Either way the event is first an *inbox* row. The sequencer gives it its sequence number and
  Merkle leaf shortly after (well under a second); ``flush()`` waits for that, which is what
  tests need before they look at ``AuditEventRow``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import String
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.errors import AuditUnavailable, InvalidAuditEvent
from pii_guard.audit.events import AuditEvent
from pii_guard.audit.writer import GroupCommitWriter
from pii_guard.store.base import utcnow
from pii_guard.store.models.audit import AuditInboxRow

if TYPE_CHECKING:
    from pii_guard.audit.sequencer import Sequencer

MAX_DETAILS_BYTES = 8192
MAX_CLOCK_AHEAD = dt.timedelta(minutes=5)  # a worker's clock may run ahead this much
LIST_FIELDS = ("roles", "fields", "entities", "tiers", "treatments")
_LENGTHS = {column.name: column.type.length for column in AuditInboxRow.__table__.columns
            if isinstance(column.type, String) and column.type.length}


def event_values(event: AuditEvent) -> dict[str, Any]:
    """The inbox row of ``event``, checked against the columns (a bad event fails alone)."""
    values: dict[str, Any] = {
        "id": event.id, "occurred_at": event.occurred_at, "action": event.action,
        "decision": event.decision, "reason": event.reason,
        "principal_id": event.principal_id, "unit_code": event.unit_code,
        "purpose": event.purpose, "subject_ref": event.subject_ref,
        "request_id": event.request_id, "client_addr": event.client_addr,
        "details": dict(event.details),
    }
    for name in LIST_FIELDS:
        items = list(getattr(event, name))
        if not all(isinstance(item, str) for item in items):
            raise InvalidAuditEvent(message=f"audit event {name} must be strings")
        values[name] = items
    if event.decision not in ("allowed", "denied"):
        raise InvalidAuditEvent(message="audit event decision must be allowed or denied")
    if event.occurred_at.tzinfo is None:
        raise InvalidAuditEvent(message="audit event time must be timezone-aware")
    if event.occurred_at > utcnow() + MAX_CLOCK_AHEAD:
        raise InvalidAuditEvent(message="audit event time is in the future")
    for name, length in _LENGTHS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > length:
            raise InvalidAuditEvent(message=f"audit event {name} longer than {length}")
    if not values["details"]:
        return values
    try:
        encoded = json.dumps(values["details"], allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError):
        raise InvalidAuditEvent(message="audit event details must be plain JSON") from None
    if len(encoded.encode()) > MAX_DETAILS_BYTES:
        raise InvalidAuditEvent(message=f"audit event details over {MAX_DETAILS_BYTES} bytes")
    return values


class AuditLog:
    """The one write path into the audit log (see the module docstring for the guarantees)."""

    def __init__(self, factory: sessionmaker[Session], *, sequencer: Sequencer | None = None,
                 write_timeout: float = 30.0, max_batch: int = 5000) -> None:
        self._factory = factory
        self._sequencer = sequencer
        self._write_timeout = write_timeout
        self._writer = GroupCommitWriter(
            factory, max_batch=max_batch,
            on_commit=sequencer.wake if sequencer is not None else None)

    def record(self, session: Session, event: AuditEvent) -> str:
        session.add(AuditInboxRow(**event_values(event)))
        return event.id

    def record_now(self, event: AuditEvent) -> str:
        future = self._writer.submit(event_values(event))
        try:
            future.result(self._write_timeout)
        except TimeoutError:
            raise AuditUnavailable("audit_timeout", "the audit event was not stored in time; "
                                   "nothing was released") from None
        return event.id

    async def record_durable(self, event: AuditEvent) -> str:
        future = self._writer.submit_async(event_values(event))
        try:
            await asyncio.wait_for(future, self._write_timeout)
        except TimeoutError:
            raise AuditUnavailable("audit_timeout", "the audit event was not stored in time; "
                                   "nothing was released") from None
        return event.id

    @property
    def healthy(self) -> bool:
        return self._writer.alive

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every event recorded so far in this process is written and sequenced
        (committed ``record`` events too)."""
        self._writer.wait_idle(timeout)
        if self._sequencer is not None:
            self._sequencer.drain(timeout)

    def close(self) -> None:
        """Write what is pending, then stop the writer."""
        self._writer.close()
