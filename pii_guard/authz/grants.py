"""Grants: graded approval of time-bound elevated access.

A principal asks for a more revealing treatment of one scope (tier or category) of some
subjects' data, for one purpose, for a bounded time, with a justification. An approver (the
``grants:approve`` right, checked by the endpoint guard) in the requester's unit or above it,
who is not the requester, approves or rejects. An approved grant applies at once, for its
duration from approval, and stops applying by itself; it can be revoked earlier by its
requester or by an approver. C3 data can never be granted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pii_guard.authz.errors import GrantInvalid, NotApprover, NotPending
from pii_guard.authz.grant_index import ActiveGrant
from pii_guard.authz.treatments import C3_TIER, Treatment
from pii_guard.authz.vocabulary import Vocabulary
from pii_guard.errors import NotFound
from pii_guard.identity.caller import Caller
from pii_guard.identity.units import path_codes
from pii_guard.store.base import new_id, utcnow
from pii_guard.store.models import OrgUnit
from pii_guard.store.models.authz import Grant, GrantSubject

PENDING, APPROVED, REJECTED, REVOKED, EXPIRED = (
    "pending", "approved", "rejected", "revoked", "expired")
STATUSES = (PENDING, APPROVED, REJECTED, REVOKED, EXPIRED)
GRANTABLE = (Treatment.CLEAR, Treatment.MASK, Treatment.GENERALISE, Treatment.TOKEN,
             Treatment.HASH)
SUBJECT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$")
MAX_SUBJECTS = 1000


@dataclass(frozen=True)
class GrantRequest:
    subject_ids: Sequence[str]
    purpose: str
    scope: str
    treatment: Treatment
    duration_minutes: int
    justification: str


def status_of(grant: Grant, now: dt.datetime | None = None) -> str:
    """The stored status, except that an approved grant past its end reads ``expired``."""
    if grant.status == APPROVED and grant.expires_at is not None \
            and grant.expires_at <= (now or utcnow()):
        return EXPIRED
    return grant.status


def problems(vocabulary: Vocabulary, wanted: GrantRequest, *, max_minutes: int,
             purpose_allowed: bool) -> list[str]:
    """Why this grant could never be granted (empty when it could)."""
    found: list[str] = []
    subjects = set(wanted.subject_ids)
    if not subjects or len(subjects) > MAX_SUBJECTS:
        found.append(f"name between 1 and {MAX_SUBJECTS} subjects")
    if any(not SUBJECT_ID.match(s) for s in subjects):
        found.append("subject ids are 1-128 letters, digits and . _ : @ / -")
    if wanted.purpose not in vocabulary.purposes:
        found.append(f"unknown purpose {wanted.purpose!r}")
    elif not purpose_allowed:
        found.append(f"this principal may not process data for {wanted.purpose!r} at all")
    tier = vocabulary.tier_of(wanted.scope)
    if tier is None:
        found.append(f"unknown tier or category {wanted.scope!r}")
    elif tier == C3_TIER:
        found.append("C3 data (authentication secrets) can never be granted")
    if wanted.treatment not in GRANTABLE:
        found.append(f"a grant raises access: treatment must be one of "
                     f"{', '.join(t.value for t in GRANTABLE)}")
    if not 1 <= wanted.duration_minutes <= max_minutes:
        found.append(f"duration must be within 1 and {max_minutes} minutes")
    return found


def request(session: Session, vocabulary: Vocabulary, requester: Caller, wanted: GrantRequest,
            *, max_minutes: int, purpose_allowed: bool) -> Grant:
    """Record a pending grant after checking it could be granted at all."""
    found = problems(vocabulary, wanted, max_minutes=max_minutes,
                     purpose_allowed=purpose_allowed)
    if found:
        raise GrantInvalid(message="; ".join(found))
    subjects = sorted(set(wanted.subject_ids))
    grant = Grant(id=new_id(), requester_id=requester.principal_id,
                  requester_unit=requester.unit_code, purpose=wanted.purpose,
                  scope=wanted.scope, treatment=wanted.treatment.value,
                  duration_minutes=wanted.duration_minutes,
                  justification=wanted.justification, status=PENDING, decision_note="",
                  subject_links=[GrantSubject(subject_id=s) for s in subjects])
    session.add(grant)
    session.flush()
    return grant


def get(session: Session, grant_id: str, *, for_update: bool = False) -> Grant:
    query = select(Grant).where(Grant.id == grant_id)
    grant = session.scalar(query.with_for_update() if for_update else query)
    if grant is None:
        raise NotFound("grant_not_found", f"no grant {grant_id!r}")
    return grant


def _check_approver(session: Session, grant: Grant, approver: Caller) -> None:
    if grant.requester_id == approver.principal_id:
        raise NotApprover("self_approval", "a grant must be decided by someone else")
    unit = session.get(OrgUnit, grant.requester_unit)
    requester_path = path_codes(unit.path) if unit is not None else (grant.requester_unit,)
    if approver.unit_code not in requester_path:
        raise NotApprover("approver_unit", "the approver must be in the requester's unit "
                          "or a unit above it")


def approve(session: Session, approver: Caller, grant_id: str, note: str = "") -> Grant:
    grant = get(session, grant_id, for_update=True)
    _check_approver(session, grant, approver)
    if grant.status != PENDING:
        raise NotPending(message=f"the grant is {status_of(grant)}")
    now = utcnow()
    grant.status, grant.decided_by, grant.decided_at = APPROVED, approver.principal_id, now
    grant.decision_note = note
    grant.expires_at = now + dt.timedelta(minutes=grant.duration_minutes)
    session.flush()
    return grant


def reject(session: Session, approver: Caller, grant_id: str, note: str = "") -> Grant:
    grant = get(session, grant_id, for_update=True)
    _check_approver(session, grant, approver)
    if grant.status != PENDING:
        raise NotPending(message=f"the grant is {status_of(grant)}")
    grant.status, grant.decided_by, grant.decided_at = REJECTED, approver.principal_id, utcnow()
    grant.decision_note = note
    session.flush()
    return grant


def revoke(session: Session, caller: Caller, grant_id: str, *, may_approve: bool,
           note: str = "") -> Grant:
    """End a pending or live grant: its requester may, and so may an approver above it."""
    grant = get(session, grant_id, for_update=True)
    if grant.requester_id != caller.principal_id:
        if not may_approve:
            raise NotApprover("not_approver", "only the requester or an approver may revoke")
        _check_approver(session, grant, caller)
    if status_of(grant) not in (PENDING, APPROVED):
        raise NotPending(message=f"the grant is {status_of(grant)}")
    grant.status, grant.revoked_by, grant.revoked_at = REVOKED, caller.principal_id, utcnow()
    if note:
        grant.decision_note = note
    session.flush()
    return grant


def expire_due(session: Session) -> list[Grant]:
    """Mark approved grants past their end as expired; returns them (for audit events).

    Conditional on the status, so concurrent sweepers in several workers expire each grant
    exactly once.
    """
    now = utcnow()
    due = list(session.scalars(select(Grant).where(Grant.status == APPROVED,
                                                   Grant.expires_at <= now)))
    expired = []
    for grant in due:
        result = session.execute(update(Grant).where(Grant.id == grant.id,
                                                     Grant.status == APPROVED)
                                 .values(status=EXPIRED).execution_options(
                                     synchronize_session=False))
        if getattr(result, "rowcount", 0) == 1:
            expired.append(grant)
    return expired


def query(session: Session, *, requester_id: str | None = None, status: str | None = None,
          subject_id: str | None = None, purpose: str | None = None, limit: int = 100,
          offset: int = 0) -> list[Grant]:
    stmt = select(Grant).order_by(Grant.created_at.desc(), Grant.id)
    if requester_id is not None:
        stmt = stmt.where(Grant.requester_id == requester_id)
    if purpose is not None:
        stmt = stmt.where(Grant.purpose == purpose)
    if subject_id is not None:
        stmt = stmt.where(Grant.id.in_(select(GrantSubject.grant_id)
                                       .where(GrantSubject.subject_id == subject_id)))
    if status == EXPIRED:
        stmt = stmt.where((Grant.status == EXPIRED)
                          | ((Grant.status == APPROVED) & (Grant.expires_at <= utcnow())))
    elif status == APPROVED:
        stmt = stmt.where(Grant.status == APPROVED, Grant.expires_at > utcnow())
    elif status is not None:
        stmt = stmt.where(Grant.status == status)
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def active(session: Session) -> list[ActiveGrant]:
    """Every approved grant not yet past its end, for the decider's index."""
    rows = session.scalars(select(Grant).where(Grant.status == APPROVED,
                                               Grant.expires_at > utcnow()))
    return [ActiveGrant(id=g.id, principal_id=g.requester_id,
                        subject_ids=frozenset(g.subject_ids), purpose=g.purpose,
                        scope=g.scope, treatment=Treatment(g.treatment),
                        expires_at=g.expires_at.timestamp() if g.expires_at else 0.0)
            for g in rows]
