"""Who is calling, and API-key administration (admins only; every change audited)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from pii_guard.api.deps import CallerDep, RequestInfoDep, ServicesDep, SessionDep, require
from pii_guard.api.schemas import ERROR_RESPONSES
from pii_guard.audit.events import AuditEvent
from pii_guard.identity import apikeys
from pii_guard.identity.caller import Caller
from pii_guard.store.models import OrgUnit, Principal

router = APIRouter(prefix="/v1", tags=["identity"], responses=ERROR_RESPONSES)

ManageKeys = Annotated[Caller, Depends(require("api_keys:manage"))]
ReadPrincipals = Annotated[Caller, Depends(require("principals:read"))]


class Me(BaseModel):
    principal_id: str
    display_name: str
    kind: str
    roles: list[str]
    unit: str
    unit_path: list[str]
    key_prefix: str | None


class KeyCreate(BaseModel):
    principal_id: str = Field(min_length=1, max_length=64)
    label: str = Field("", max_length=200)
    expires_in_days: float | None = Field(None, gt=0, le=apikeys.MAX_LIFETIME_DAYS)


class KeyCreated(BaseModel):
    prefix: str
    key: str = Field(description="The full key. Shown only in this response; store it safely.")
    principal_id: str
    expires_at: dt.datetime | None


class KeyPublic(BaseModel):
    prefix: str
    principal_id: str
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    active: bool


class PrincipalPublic(BaseModel):
    id: str
    display_name: str
    kind: str
    unit: str
    roles: list[str]
    active: bool


class UnitPublic(BaseModel):
    code: str
    name: str
    parent: str | None
    path: str


def _public(info: apikeys.KeyInfo) -> KeyPublic:
    return KeyPublic(prefix=info.prefix, principal_id=info.principal_id, label=info.label,
                     created_at=info.created_at, expires_at=info.expires_at,
                     revoked_at=info.revoked_at, last_used_at=info.last_used_at,
                     active=info.active)


@router.get("/me", response_model=Me, summary="The authenticated principal")
async def me(caller: CallerDep) -> Me:
    return Me(principal_id=caller.principal_id, display_name=caller.display_name,
              kind=caller.kind, roles=sorted(caller.roles), unit=caller.unit_code,
              unit_path=list(caller.unit_path), key_prefix=caller.key_prefix)


@router.post("/api-keys", response_model=KeyCreated, status_code=status.HTTP_201_CREATED,
             summary="Issue an API key (shown once)")
def create_api_key(body: KeyCreate, caller: ManageKeys, session: SessionDep,
                   services: ServicesDep, info: RequestInfoDep) -> KeyCreated:
    issued = apikeys.create_key(session, services.hasher, body.principal_id, label=body.label,
                                expires_in_days=body.expires_in_days)
    services.audit.record(session, AuditEvent.by(
        caller, "api_key.create", "allowed", "issued", request_id=info.request_id,
        client_addr=info.client_addr,
        details={"key_prefix": issued.prefix, "for_principal": body.principal_id}))
    return KeyCreated(prefix=issued.prefix, key=issued.secret, principal_id=issued.principal_id,
                      expires_at=issued.expires_at)


@router.get("/api-keys", response_model=list[KeyPublic], summary="List API keys by prefix")
def list_api_keys(
    _caller: ManageKeys,
    session: SessionDep,
    principal_id: Annotated[str | None, Query(max_length=64)] = None,
    prefix: Annotated[str | None, Query(max_length=32)] = None,
) -> list[KeyPublic]:
    return [_public(info) for info in apikeys.list_keys(session, principal_id, prefix)]


@router.post("/api-keys/{prefix}/revoke", response_model=KeyPublic, summary="Revoke an API key")
def revoke_api_key(prefix: str, caller: ManageKeys, session: SessionDep, services: ServicesDep,
                   info: RequestInfoDep) -> KeyPublic:
    revoked = apikeys.revoke_key(session, prefix)
    services.audit.record(session, AuditEvent.by(
        caller, "api_key.revoke", "allowed", "revoked", request_id=info.request_id,
        client_addr=info.client_addr, details={"key_prefix": prefix}))
    services.authenticator.forget(prefix)
    return _public(revoked)


@router.get("/principals", response_model=list[PrincipalPublic], summary="List principals")
def list_principals(_caller: ReadPrincipals, session: SessionDep) -> list[PrincipalPublic]:
    rows = session.scalars(select(Principal).order_by(Principal.id))
    return [PrincipalPublic(id=p.id, display_name=p.display_name, kind=p.kind,
                            unit=p.unit_code, roles=p.roles, active=p.active) for p in rows]


@router.get("/units", response_model=list[UnitPublic], summary="The organisation units")
def list_units(_caller: ReadPrincipals, session: SessionDep) -> list[UnitPublic]:
    rows = session.scalars(select(OrgUnit).order_by(OrgUnit.path))
    return [UnitPublic(code=u.code, name=u.name, parent=u.parent_code, path=u.path)
            for u in rows]
