"""The customer-data access policy: read, propose, approve (maker-checker), version history,
rollback, CSV export and import. Every step is an audit event."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from pii_guard.api.deps import RequestInfoDep, ServicesDep, SessionDep, require
from pii_guard.api.routers.audited import denials_audited, event
from pii_guard.api.schemas import ERROR_RESPONSES
from pii_guard.authz import store
from pii_guard.authz.casbin_model import rules_in
from pii_guard.authz.rules import ANY, Rule, canonical
from pii_guard.authz.treatments import Treatment
from pii_guard.errors import NotFound
from pii_guard.identity.caller import Caller
from pii_guard.store.models.authz import PolicyChange, PolicyVersion

router = APIRouter(prefix="/v1/policies", tags=["policies"], responses=ERROR_RESPONSES)

ReadPolicies = Annotated[Caller, Depends(require("policies:read"))]
ProposeChanges = Annotated[Caller, Depends(require("policies:propose"))]
ApproveChanges = Annotated[Caller, Depends(require("policies:approve"))]

Name = Field(min_length=1, max_length=64)


class RuleModel(BaseModel):
    role: str = Name
    unit: str = Field(ANY, min_length=1, max_length=64,
                      description="A unit code (it and every unit below it) or `*`.")
    scope: str = Field(min_length=1, max_length=64,
                       description="A tier (C1, C2, C3) or a category.")
    purpose: str = Field(ANY, min_length=1, max_length=64, description="A purpose or `*`.")
    treatment: Treatment
    priority: int = Field(ge=0, le=100_000, description="Lower wins; ties go to the more "
                          "restrictive treatment.")

    def rule(self) -> Rule:
        return Rule(self.role, self.unit, self.scope, self.purpose, self.treatment,
                    self.priority)

    @classmethod
    def of(cls, rule: Rule) -> RuleModel:
        return cls(role=rule.role, unit=rule.unit, scope=rule.scope, purpose=rule.purpose,
                   treatment=rule.treatment, priority=rule.priority)


class PolicyOut(BaseModel):
    version: int
    total: int = Field(description="Rules matching the filters (before limit and offset).")
    rules: list[RuleModel]


class ChangeCreate(BaseModel):
    add: list[RuleModel] = Field(default_factory=list, max_length=100_000)
    remove: list[RuleModel] = Field(default_factory=list, max_length=100_000)
    reason: str = Field(min_length=1, max_length=1000)


class ImportCreate(BaseModel):
    csv: str = Field(min_length=1, max_length=20_000_000,
                     description="A whole policy file (`p, role, unit, scope, purpose, "
                     "treatment, priority` lines), as exported.")
    reason: str = Field(min_length=1, max_length=1000)


class RollbackCreate(BaseModel):
    version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=1000)


class ChangeDecision(BaseModel):
    note: str = Field("", max_length=1000)


class ChangeOut(BaseModel):
    id: str
    kind: Literal["change", "rollback", "import"]
    status: Literal["pending", "applied", "rejected"]
    author_id: str
    reason: str
    add: list[RuleModel]
    remove: list[RuleModel]
    base_version: int
    target_version: int | None
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    applied_version: int | None


class VersionOut(BaseModel):
    version: int
    kind: str
    change_id: str | None
    author_id: str
    approver_id: str
    reason: str
    created_at: dt.datetime
    rule_count: int
    add: list[RuleModel]
    remove: list[RuleModel]


def _models(values: list[list[str]]) -> list[RuleModel]:
    return [RuleModel.of(rule) for rule in store.rules_of(values)]


def _change_out(row: PolicyChange) -> ChangeOut:
    return ChangeOut(id=row.id, kind=row.kind, status=row.status,
                     author_id=row.author_id, reason=row.reason, add=_models(row.added),
                     remove=_models(row.removed), base_version=row.base_version,
                     target_version=row.target_version, created_at=row.created_at,
                     decided_by=row.decided_by, decided_at=row.decided_at,
                     decision_note=row.decision_note, applied_version=row.applied_version)


def _version_out(row: PolicyVersion) -> VersionOut:
    return VersionOut(version=row.version, kind=row.kind, change_id=row.change_id,
                      author_id=row.author_id, approver_id=row.approver_id, reason=row.reason,
                      created_at=row.created_at, rule_count=row.rule_count,
                      add=_models(row.added), remove=_models(row.removed))


def _change_details(row: PolicyChange) -> dict[str, Any]:
    return {"change_id": row.id, "kind": row.kind, "added": len(row.added),
            "removed": len(row.removed), "target_version": row.target_version}


@router.get("", response_model=PolicyOut, summary="The current rules")
def current_policy(
    _caller: ReadPolicies,
    session: SessionDep,
    role: Annotated[str | None, Query(max_length=64)] = None,
    purpose: Annotated[str | None, Query(max_length=64)] = None,
    scope: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PolicyOut:
    rules = [r for r in canonical(rules_in(session))
             if (role is None or r.role == role) and (purpose is None or r.purpose == purpose)
             and (scope is None or r.scope == scope)]
    return PolicyOut(version=store.current_version(session), total=len(rules),
                     rules=[RuleModel.of(r) for r in rules[offset:offset + limit]])


def _propose(caller: Caller, session: SessionDep, services: ServicesDep,
             info: RequestInfoDep, action: str, propose: Any) -> ChangeOut:
    with denials_audited(services, caller, action, info):
        row = propose(services.authz.vocabulary.current(session))
    services.audit.record(session, event(caller, action, "proposed", info,
                                         details=_change_details(row)))
    return _change_out(row)


@router.post("/changes", response_model=ChangeOut, status_code=status.HTTP_201_CREATED,
             summary="Propose rules to add and remove; another steward must approve")
def propose_change(body: ChangeCreate, caller: ProposeChanges, session: SessionDep,
                   services: ServicesDep, info: RequestInfoDep) -> ChangeOut:
    change = store.Diff([m.rule() for m in body.add], [m.rule() for m in body.remove])
    return _propose(caller, session, services, info, "policy.change.propose",
                    lambda vocabulary: store.propose(session, vocabulary, caller, change,
                                                     body.reason))


@router.post("/rollback", response_model=ChangeOut, status_code=status.HTTP_201_CREATED,
             summary="Propose returning to an earlier version (a change like any other)")
def propose_rollback(body: RollbackCreate, caller: ProposeChanges, session: SessionDep,
                     services: ServicesDep, info: RequestInfoDep) -> ChangeOut:
    return _propose(caller, session, services, info, "policy.rollback.propose",
                    lambda vocabulary: store.propose_rollback(session, vocabulary, caller,
                                                              body.version, body.reason))


@router.post("/import", response_model=ChangeOut, status_code=status.HTTP_201_CREATED,
             summary="Propose replacing the policy with a CSV file (a change like any other)")
def propose_import(body: ImportCreate, caller: ProposeChanges, session: SessionDep,
                   services: ServicesDep, info: RequestInfoDep) -> ChangeOut:
    return _propose(caller, session, services, info, "policy.import.propose",
                    lambda vocabulary: store.propose_import(session, vocabulary, caller,
                                                            body.csv, body.reason))


@router.get("/changes", response_model=list[ChangeOut], summary="Proposed changes")
def list_changes(
    _caller: ReadPolicies,
    session: SessionDep,
    status_: Annotated[Literal["pending", "applied", "rejected"] | None,
                       Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ChangeOut]:
    query = select(PolicyChange).order_by(PolicyChange.created_at.desc(), PolicyChange.id)
    if status_ is not None:
        query = query.where(PolicyChange.status == status_)
    return [_change_out(row) for row in session.scalars(query.limit(limit).offset(offset))]


@router.get("/changes/{change_id}", response_model=ChangeOut, summary="One proposed change")
def get_change(change_id: str, _caller: ReadPolicies, session: SessionDep) -> ChangeOut:
    return _change_out(store.get_change(session, change_id))


@router.post("/changes/{change_id}/approve", response_model=VersionOut,
             summary="Approve and apply a change proposed by another steward")
def approve_change(change_id: str, caller: ApproveChanges, session: SessionDep,
                   services: ServicesDep, info: RequestInfoDep,
                   body: ChangeDecision | None = None) -> VersionOut:
    with denials_audited(services, caller, "policy.change.approve", info,
                         details={"change_id": change_id}):
        version = store.approve(session, services.authz.vocabulary.current(session), caller,
                                change_id, (body or ChangeDecision()).note)
    services.audit.record(session, event(
        caller, "policy.change.approve", "applied", info,
        details={"change_id": change_id, "version": version.version, "kind": version.kind,
                 "author": version.author_id, "added": [", ".join(v) for v in version.added],
                 "removed": [", ".join(v) for v in version.removed]}))
    services.authz.changed(session, policy=True)
    return _version_out(version)


@router.post("/changes/{change_id}/reject", response_model=ChangeOut,
             summary="Reject a pending change")
def reject_change(change_id: str, caller: ApproveChanges, session: SessionDep,
                  services: ServicesDep, info: RequestInfoDep,
                  body: ChangeDecision | None = None) -> ChangeOut:
    with denials_audited(services, caller, "policy.change.reject", info,
                         details={"change_id": change_id}):
        row = store.reject(session, caller, change_id, (body or ChangeDecision()).note)
    services.audit.record(session, event(caller, "policy.change.reject", "rejected", info,
                                         details=_change_details(row)))
    return _change_out(row)


@router.get("/versions", response_model=list[VersionOut],
            summary="Applied versions, newest first (with their diffs)")
def list_versions(
    _caller: ReadPolicies,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[VersionOut]:
    rows = session.scalars(select(PolicyVersion).order_by(PolicyVersion.version.desc())
                           .limit(limit).offset(offset))
    return [_version_out(row) for row in rows]


@router.get("/versions/{version}", response_model=VersionOut, summary="One version")
def get_version(version: int, _caller: ReadPolicies, session: SessionDep) -> VersionOut:
    row = session.get(PolicyVersion, version)
    if row is None:
        raise NotFound("policy_version_not_found", f"no policy version {version}")
    return _version_out(row)


@router.get("/export", response_class=PlainTextResponse,
            responses={200: {"content": {"text/csv": {}}}},
            summary="The current policy as a CSV policy file")
def export_policy(caller: ReadPolicies, session: SessionDep, services: ServicesDep,
                  info: RequestInfoDep) -> PlainTextResponse:
    content = store.export_csv(session)
    services.audit.record(session, event(caller, "policy.export", "exported", info,
                                         details={"version": store.current_version(session)}))
    return PlainTextResponse(content, media_type="text/csv; charset=utf-8")
