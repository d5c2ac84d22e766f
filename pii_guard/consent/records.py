"""Consent records: every grant and withdrawal appended to ``consent_events``, and the derived
current state in ``consent_states`` updated in the same transaction.

A newer grant replaces the state for its (subject, purpose) (its categories, separate flag and
expiry); a withdrawal ends it. Events are applied to the state in order of when they took
effect, so importing an old consent never overrides a newer one; the history keeps both.
Nothing here updates or deletes an event (the database refuses it as well).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pii_guard.consent.errors import ConsentInvalid, ConsentNotFound, UnknownNotice, UnknownPurpose
from pii_guard.consent.registry import purpose_of
from pii_guard.store.base import utcnow
from pii_guard.store.models.consent import ConsentEvent, ConsentState, PrivacyNotice, PurposeRow

Channel = Literal["app", "counter", "phone", "paper"]
CHANNELS: tuple[str, ...] = ("app", "counter", "phone", "paper")
GRANTED, WITHDRAWN = "granted", "withdrawn"


@dataclass(frozen=True)
class GrantSpec:
    """What a subject agreed to, as the recording system reports it."""

    subject_id: str
    purpose: str
    notice_version: str
    channel: str
    categories: tuple[str, ...] = ()
    separate: bool = False
    granted_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    evidence_ref: str | None = None


@dataclass(frozen=True)
class WithdrawSpec:
    subject_id: str
    purpose: str
    channel: str | None = None
    withdrawn_at: dt.datetime | None = None
    evidence_ref: str | None = None


@dataclass
class Vocabulary:
    """Categories known to the taxonomy, for validating what a consent names."""

    categories: Collection[str]
    sensitive: Collection[str] = field(default_factory=frozenset)


def _aware(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ConsentInvalid("naive_datetime", f"{name} needs a time zone (e.g. +08:00 or Z)")
    return value


def _purpose_row(session: Session, code: str, *, status: int = 404) -> PurposeRow:
    row = session.get(PurposeRow, code)
    if row is None:
        raise UnknownPurpose(None, f"no purpose {code!r} is registered", status=status)
    return row


def validate_grant(session: Session, spec: GrantSpec, vocabulary: Vocabulary,
                   now: dt.datetime) -> tuple[PurposeRow, PrivacyNotice, dt.datetime]:
    """Everything a grant must satisfy before it is written; returns its purpose, notice and
    grant time. Raises a ``ConsentInvalid`` (or unknown purpose/notice) with a stable code."""
    if not spec.subject_id or len(spec.subject_id) > 128:
        raise ConsentInvalid("invalid_subject_id", "subject_id must have 1 to 128 characters")
    purpose_row = _purpose_row(session, spec.purpose, status=422)
    if spec.channel not in CHANNELS:
        raise ConsentInvalid("invalid_channel", f"channel must be one of {', '.join(CHANNELS)}")
    unknown = sorted(set(spec.categories) - set(vocabulary.categories))
    if unknown:
        raise ConsentInvalid("unknown_category", f"unknown categories: {', '.join(unknown)}")
    purpose = purpose_of(purpose_row)
    outside = sorted(c for c in set(spec.categories) if not purpose.uses_category(c))
    if outside:
        raise ConsentInvalid("category_outside_purpose", f"purpose {purpose.code} does not use "
                             f"categories: {', '.join(outside)}")
    notice = session.get(PrivacyNotice, spec.notice_version)
    if notice is None:
        raise UnknownNotice(None, f"no privacy notice version {spec.notice_version!r} is "
                            "registered")
    granted_at = _aware(spec.granted_at, "granted_at") or now
    expires_at = _aware(spec.expires_at, "expires_at")
    if granted_at > now + dt.timedelta(minutes=5):
        raise ConsentInvalid("granted_in_future", "granted_at lies in the future")
    if expires_at is not None and expires_at <= granted_at:
        raise ConsentInvalid("expires_before_granted", "expires_at must be after granted_at")
    if spec.evidence_ref is not None and len(spec.evidence_ref) > 256:
        raise ConsentInvalid("invalid_evidence_ref", "evidence_ref is longer than 256")
    return purpose_row, notice, granted_at


def grant(session: Session, spec: GrantSpec, vocabulary: Vocabulary, *, recorded_by: str | None,
          source: str = "api", now: dt.datetime | None = None) -> ConsentEvent:
    """Record a grant and update the current state; returns the new event."""
    now = now or utcnow()
    _, notice, granted_at = validate_grant(session, spec, vocabulary, now)
    event = ConsentEvent(
        subject_id=spec.subject_id, purpose=spec.purpose, kind="grant",
        categories=sorted(set(spec.categories)), separate=spec.separate, granted_at=granted_at,
        expires_at=spec.expires_at, withdrawn_at=None, channel=spec.channel,
        notice_version=notice.version, notice_hash=notice.sha256,
        evidence_ref=spec.evidence_ref, recorded_by=recorded_by, recorded_at=now, source=source)
    _append(session, event, granted_at)
    return event


def withdraw(session: Session, spec: WithdrawSpec, *, recorded_by: str | None,
             source: str = "api", now: dt.datetime | None = None) -> tuple[ConsentEvent, bool]:
    """Withdraw a subject's consent for a purpose; returns the withdrawal event and whether it
    is new (withdrawing again returns the earlier withdrawal: one call is always enough)."""
    now = now or utcnow()
    _purpose_row(session, spec.purpose)
    if spec.channel is not None and spec.channel not in CHANNELS:
        raise ConsentInvalid("invalid_channel", f"channel must be one of {', '.join(CHANNELS)}")
    state = session.get(ConsentState, (spec.subject_id, spec.purpose), with_for_update=True)
    if state is None:
        raise ConsentNotFound(None, "this subject has no consent for this purpose")
    withdrawn_at = _aware(spec.withdrawn_at, "withdrawn_at") or now
    if state.status == WITHDRAWN and withdrawn_at >= state.effective_at:
        previous = session.get(ConsentEvent, state.last_event_id)
        if previous is not None:
            return previous, False
    event = ConsentEvent(
        subject_id=spec.subject_id, purpose=spec.purpose, kind="withdraw", categories=[],
        separate=False, granted_at=None, expires_at=None, withdrawn_at=withdrawn_at,
        channel=spec.channel, notice_version=None, notice_hash=None,
        evidence_ref=spec.evidence_ref, recorded_by=recorded_by, recorded_at=now, source=source)
    _append(session, event, withdrawn_at)
    return event, True


def _append(session: Session, event: ConsentEvent, effective_at: dt.datetime) -> None:
    """Insert the event and bring the state up to date, when this event is the newest."""
    session.add(event)
    session.flush()
    key = (event.subject_id, event.purpose)
    state = session.get(ConsentState, key, with_for_update=True)
    if state is not None and effective_at < state.effective_at:
        return  # an older event (an import of history): kept, but the state is newer
    if state is None:
        state = ConsentState(subject_id=event.subject_id, purpose=event.purpose)
        session.add(state)
    granted = event.kind == "grant"
    state.status = GRANTED if granted else WITHDRAWN
    state.effective_at = effective_at
    state.last_event_id = event.id
    state.updated_at = event.recorded_at
    if granted:
        state.categories = list(event.categories)
        state.separate = event.separate
        state.granted_at, state.expires_at = event.granted_at, event.expires_at
        state.withdrawn_at = None
    else:
        if state.categories is None:  # withdrawal of history older than any grant
            state.categories, state.separate = [], False
        state.withdrawn_at = event.withdrawn_at
    session.flush()


def history(session: Session, subject_id: str) -> list[ConsentEvent]:
    """Every event of a subject, oldest first (PIPL Art. 44-45 requests)."""
    return list(session.scalars(select(ConsentEvent).where(ConsentEvent.subject_id == subject_id)
                                .order_by(ConsentEvent.purpose, ConsentEvent.id)))


def states(session: Session, subject_id: str) -> list[ConsentState]:
    return list(session.scalars(select(ConsentState).where(ConsentState.subject_id == subject_id)
                                .order_by(ConsentState.purpose)))


def is_active(state: ConsentState, now: dt.datetime) -> bool:
    return state.status == GRANTED and (state.expires_at is None or state.expires_at > now)


def subjects_events(events: Sequence[ConsentEvent]) -> dict[str, list[ConsentEvent]]:
    by_purpose: dict[str, list[ConsentEvent]] = {}
    for event in events:
        by_purpose.setdefault(event.purpose, []).append(event)
    return by_purpose
