"""Grants of time-bound elevated access: request, approve or reject, revoke, list.

Every step is an audit event in the step's own transaction; refused steps (own grant, wrong
unit, invalid request) are audited as denied.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field, model_validator

from pii_guard.api.deps import CallerDep, RequestInfoDep, ServicesDep, SessionDep, require
from pii_guard.api.routers.audited import denials_audited, event
from pii_guard.api.schemas import ERROR_RESPONSES
from pii_guard.authz import grants
from pii_guard.authz.treatments import Treatment
from pii_guard.authz.vocabulary import TIERS
from pii_guard.errors import PermissionDenied
from pii_guard.identity.caller import Caller
from pii_guard.store.models.authz import Grant

router = APIRouter(prefix="/v1/grants", tags=["grants"], responses=ERROR_RESPONSES)

RequestGrants = Annotated[Caller, Depends(require("grants:request"))]
ApproveGrants = Annotated[Caller, Depends(require("grants:approve"))]


class GrantCreate(BaseModel):
    subject_ids: list[str] = Field(min_length=1, max_length=grants.MAX_SUBJECTS,
                                   description="The data subjects the grant covers.")
    purpose: str = Field(min_length=1, max_length=64)
    tier: str | None = Field(None, description="A tier (C1, C2); or give `category`.")
    category: str | None = Field(None, description="A category (e.g. `contact`); or `tier`.")
    treatment: Treatment = Field(description="The treatment wanted, more revealing than the "
                                 "policy's (never for C3).")
    duration_minutes: int = Field(ge=1, description="How long after approval it applies; at "
                                  "most the `grant_max_minutes` setting.")
    justification: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _one_scope(self) -> GrantCreate:
        if (self.tier is None) == (self.category is None):
            raise ValueError("give exactly one of tier and category")
        return self


class GrantDecision(BaseModel):
    note: str = Field("", max_length=1000)


class GrantOut(BaseModel):
    id: str
    status: str = Field(description="pending, approved, rejected, revoked or expired.")
    requester_id: str
    requester_unit: str
    subject_ids: list[str]
    purpose: str
    tier: str | None
    category: str | None
    treatment: str
    duration_minutes: int
    justification: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    expires_at: dt.datetime | None
    revoked_by: str | None
    revoked_at: dt.datetime | None


def _out(grant: Grant) -> GrantOut:
    is_tier = grant.scope in TIERS
    return GrantOut(
        id=grant.id, status=grants.status_of(grant), requester_id=grant.requester_id,
        requester_unit=grant.requester_unit, subject_ids=grant.subject_ids,
        purpose=grant.purpose, tier=grant.scope if is_tier else None,
        category=None if is_tier else grant.scope, treatment=grant.treatment,
        duration_minutes=grant.duration_minutes, justification=grant.justification,
        created_at=grant.created_at, decided_by=grant.decided_by, decided_at=grant.decided_at,
        decision_note=grant.decision_note, expires_at=grant.expires_at,
        revoked_by=grant.revoked_by, revoked_at=grant.revoked_at)


def _fields(grant: Grant) -> dict[str, Any]:
    subjects = grant.subject_ids
    return {"purpose": grant.purpose,
            "subject_ref": subjects[0] if len(subjects) == 1 else None,
            "details": {**grant.summary(), "subject_ids": subjects}}


@router.post("", response_model=GrantOut, status_code=status.HTTP_201_CREATED,
             summary="Ask for time-bound elevated access to some subjects' data")
def request_grant(body: GrantCreate, caller: RequestGrants, session: SessionDep,
                  services: ServicesDep, info: RequestInfoDep) -> GrantOut:
    authz = services.authz
    wanted = grants.GrantRequest(
        subject_ids=body.subject_ids, purpose=body.purpose,
        scope=body.tier if body.tier is not None else str(body.category),
        treatment=body.treatment, duration_minutes=body.duration_minutes,
        justification=body.justification)
    with denials_audited(services, caller, "grant.request", info, purpose=body.purpose):
        grant = grants.request(
            session, authz.vocabulary.current(session), caller, wanted,
            max_minutes=authz.grant_max_minutes,
            purpose_allowed=authz.decider.purpose_allowed(caller, body.purpose))
    services.audit.record(session, event(caller, "grant.request", "requested", info,
                                         **_fields(grant)))
    return _out(grant)


def _decide(verb: str, grant_id: str, body: GrantDecision, caller: Caller,
            session: SessionDep, services: ServicesDep, info: RequestInfoDep) -> GrantOut:
    steps = {"approve": (grants.approve, "approved"), "reject": (grants.reject, "rejected")}
    step, outcome = steps[verb]
    with denials_audited(services, caller, f"grant.{verb}", info,
                         details={"grant_id": grant_id}):
        grant = step(session, caller, grant_id, body.note)
    services.audit.record(session, event(caller, f"grant.{verb}", outcome, info,
                                         **_fields(grant)))
    services.authz.changed(session, grants=True)
    return _out(grant)


@router.post("/{grant_id}/approve", response_model=GrantOut,
             summary="Approve a pending grant (not your own; your unit or above)")
def approve_grant(grant_id: str, caller: ApproveGrants, session: SessionDep,
                  services: ServicesDep, info: RequestInfoDep,
                  body: GrantDecision | None = None) -> GrantOut:
    return _decide("approve", grant_id, body or GrantDecision(), caller, session, services,
                   info)


@router.post("/{grant_id}/reject", response_model=GrantOut, summary="Reject a pending grant")
def reject_grant(grant_id: str, caller: ApproveGrants, session: SessionDep,
                 services: ServicesDep, info: RequestInfoDep,
                 body: GrantDecision | None = None) -> GrantOut:
    return _decide("reject", grant_id, body or GrantDecision(), caller, session, services,
                   info)


@router.post("/{grant_id}/revoke", response_model=GrantOut,
             summary="End a pending or live grant (its requester, or an approver)")
def revoke_grant(grant_id: str, caller: CallerDep, session: SessionDep,
                 services: ServicesDep, info: RequestInfoDep,
                 body: GrantDecision | None = None) -> GrantOut:
    may_approve = services.endpoint_guard.allows(caller, "grants:approve")
    with denials_audited(services, caller, "grant.revoke", info,
                         details={"grant_id": grant_id}):
        grant = grants.revoke(session, caller, grant_id, may_approve=may_approve,
                              note=(body or GrantDecision()).note)
    services.audit.record(session, event(caller, "grant.revoke", "revoked", info,
                                         **_fields(grant)))
    services.authz.changed(session, grants=True)
    return _out(grant)


def _visible_to(caller: Caller, services: ServicesDep) -> str | None:
    """None when the caller sees every grant, else the only requester it may see."""
    if services.endpoint_guard.allows(caller, "grants:read_all"):
        return None
    if services.endpoint_guard.allows(caller, "grants:request"):
        return caller.principal_id
    raise PermissionDenied("forbidden", "this principal may not read grants")


@router.get("", response_model=list[GrantOut], summary="List grants (yours, or all for "
            "stewards and auditors)")
def list_grants(
    caller: CallerDep,
    session: SessionDep,
    services: ServicesDep,
    status_: Annotated[str | None, Query(alias="status", pattern="^(" + "|".join(
        grants.STATUSES) + ")$")] = None,
    requester_id: Annotated[str | None, Query(max_length=64)] = None,
    subject_id: Annotated[str | None, Query(max_length=128)] = None,
    purpose: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[GrantOut]:
    only = _visible_to(caller, services)
    if only is not None:
        if requester_id not in (None, only):
            raise PermissionDenied("forbidden", "you may list only your own grants")
        requester_id = only
    rows = grants.query(session, requester_id=requester_id, status=status_,
                        subject_id=subject_id, purpose=purpose, limit=limit, offset=offset)
    return [_out(row) for row in rows]


@router.get("/{grant_id}", response_model=GrantOut, summary="One grant")
def get_grant(grant_id: str, caller: CallerDep, session: SessionDep,
              services: ServicesDep) -> GrantOut:
    only = _visible_to(caller, services)
    grant = grants.get(session, grant_id)
    if only is not None and grant.requester_id != only:
        raise PermissionDenied("forbidden", "you may read only your own grants")
    return _out(grant)
