"""Simulation: what a role or principal would get, field by field, for a purpose, under the
current policy or with a pending change applied; no customer data is read and no data-access
event is written (the simulation itself is audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, model_validator

from pii_guard.api.deps import RequestInfoDep, ServicesDep, SessionDep, require
from pii_guard.api.routers.audited import event
from pii_guard.api.schemas import ERROR_RESPONSES
from pii_guard.authz import store
from pii_guard.authz.casbin_model import rules_in
from pii_guard.authz.decider import Decider
from pii_guard.authz.errors import NotPending, PolicyInvalid
from pii_guard.authz.simulate import ClassifiedField, simulate
from pii_guard.authz.treatments import Treatment
from pii_guard.errors import NotFound
from pii_guard.identity.caller import Caller
from pii_guard.identity.units import load_caller, path_codes
from pii_guard.store.models import OrgUnit

router = APIRouter(prefix="/v1/policies", tags=["policies"], responses=ERROR_RESPONSES)

Simulate = Annotated[Caller, Depends(require("policies:simulate"))]


class SimulatedField(BaseModel):
    field: str = Field(min_length=1, max_length=512, description="Path such as `$.mobile`.")
    entity: str | None = Field(None, max_length=64, description="An entity (CN_MOBILE...).")
    category: str | None = Field(None, max_length=64, description="Or directly a category.")

    @model_validator(mode="after")
    def _one(self) -> SimulatedField:
        if (self.entity is None) == (self.category is None):
            raise ValueError("give exactly one of entity and category")
        return self


class SimulateRequest(BaseModel):
    role: str | None = Field(None, max_length=64, description="Simulate a role, or...")
    principal_id: str | None = Field(None, max_length=64, description="...a principal.")
    unit: str | None = Field(None, max_length=64, description="With `role`: the unit to "
                             "simulate in (default: rules for every unit only).")
    purpose: str = Field(min_length=1, max_length=64)
    subject_id: str | None = Field(None, max_length=128, description="With `principal_id`: "
                                   "include that principal's live grants for this subject.")
    fields: list[SimulatedField] = Field(default_factory=list, max_length=2000)
    record: dict[str, Any] | None = Field(None, description="A sample record, classified by "
                                          "the detection engine when one is connected.")
    change_id: str | None = Field(None, max_length=32, description="Simulate the policy as "
                                  "it would be once this pending change is applied.")

    @model_validator(mode="after")
    def _one(self) -> SimulateRequest:
        if (self.role is None) == (self.principal_id is None):
            raise ValueError("give exactly one of role and principal_id")
        if not self.fields and self.record is None:
            raise ValueError("give fields or a record")
        return self


class FieldTreatment(BaseModel):
    field: str
    entity: str | None
    category: str
    tier: str
    treatment: Treatment
    reason: str
    rule: str | None


class SimulateOut(BaseModel):
    policy_version: int
    change_id: str | None = Field(description="The pending change simulated on top, if any.")
    principal_id: str | None
    roles: list[str]
    unit_path: list[str]
    purpose: str
    purpose_allowed: bool = Field(description="False: the call would be refused (403).")
    fields: list[FieldTreatment]


def _simulated_caller(session: SessionDep, body: SimulateRequest) -> Caller:
    if body.principal_id is not None:
        return load_caller(session, body.principal_id)
    role = str(body.role)
    path: tuple[str, ...] = ()
    if body.unit is not None:
        unit = session.get(OrgUnit, body.unit)
        if unit is None:
            raise NotFound("unit_not_found", f"no organisation unit {body.unit!r}")
        path = path_codes(unit.path)
    return Caller(principal_id=f"role:{role}", display_name=role, roles=frozenset({role}),
                  unit_code=path[-1] if path else "*", unit_path=path)


def _with_change(session: SessionDep, current: Decider, change_id: str) -> Decider:
    """A throw-away decider over the current rules with a pending change applied."""
    row = store.get_change(session, change_id)
    if row.status != store.PENDING:
        raise NotPending(message=f"the change is {row.status}")
    rules = (set(rules_in(session)) - set(store.rules_of(row.removed))) | set(
        store.rules_of(row.added))
    version = current.snapshot.version
    preview = Decider(current.category_tiers, lambda _v: (version, list(rules)),
                      current.grants_loader, current.purposes)
    preview.reload()
    return preview


@router.post("/simulate", response_model=SimulateOut,
             summary="What a role or principal would get, field by field, for a purpose")
def simulate_policy(body: SimulateRequest, caller: Simulate, session: SessionDep,
                    services: ServicesDep, info: RequestInfoDep) -> SimulateOut:
    authz = services.authz
    fields = [ClassifiedField(f.field, f.entity, f.category) for f in body.fields]
    if body.record is not None:
        if authz.field_classifier is None:
            raise PolicyInvalid(["no detection engine is connected: give classified fields"],
                                "record_classification_unavailable")
        fields += authz.field_classifier(body.record)
    simulated = _simulated_caller(session, body)
    subject = body.subject_id if body.principal_id is not None else None
    decider = authz.decider
    if body.change_id is not None:
        decider = _with_change(session, decider, body.change_id)
    allowed, outcomes = simulate(decider, authz.taxonomy, simulated, body.purpose,
                                 fields, subject)
    services.audit.record(session, event(
        caller, "policy.simulate", "simulated", info, purpose=body.purpose,
        fields=tuple(o.field for o in outcomes), details={
            "as_principal": body.principal_id, "as_role": body.role,
            "policy_version": authz.decider.version, "change_id": body.change_id}))
    return SimulateOut(
        policy_version=authz.decider.snapshot.version, change_id=body.change_id,
        principal_id=body.principal_id,
        roles=sorted(simulated.roles), unit_path=list(simulated.unit_path),
        purpose=body.purpose, purpose_allowed=allowed,
        fields=[FieldTreatment(field=o.field, entity=o.entity, category=o.category,
                               tier=o.tier, treatment=o.decision.treatment,
                               reason=o.decision.reason.value, rule=o.decision.rule)
                for o in outcomes])
