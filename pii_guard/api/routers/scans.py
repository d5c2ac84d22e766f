"""Discovery scans in the background, their progress and changes; stored scan connections.

A scan names a stored connection (``connection``) or carries a URL for this scan only
(``url``: used in memory, never stored or logged; the run keeps it without the password).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field, SecretStr

from pii_guard.api.deps import RequestInfoDep, ServicesDep, SessionDep, require
from pii_guard.api.schemas import ERROR_RESPONSES
from pii_guard.audit.events import AuditEvent
from pii_guard.discovery import inventory
from pii_guard.discovery.connections import NAME_PATTERN
from pii_guard.discovery.diff import diff_run
from pii_guard.discovery.scanner import ScanOptions
from pii_guard.identity.caller import Caller
from pii_guard.store.engine import transaction
from pii_guard.store.models.discovery import ScanRun

router = APIRouter(prefix="/v1", tags=["discovery"], responses=ERROR_RESPONSES)

RunScans = Annotated[Caller, Depends(require("scans:run"))]
ReadInventory = Annotated[Caller, Depends(require("inventory:read"))]
ManageConnections = Annotated[Caller, Depends(require("connections:manage"))]


class ScanRequest(BaseModel):
    connection: str | None = Field(None, pattern=NAME_PATTERN,
                                   description="A stored connection's name.")
    url: SecretStr | None = Field(None, description="A SQLAlchemy URL for this scan only; "
                                  "never stored, logged or echoed.")
    system: str | None = Field(None, min_length=1, max_length=200,
                               description="Inventory system name (default: the connection "
                               "name, or backend://host:port/database).")
    schemas: list[str] = Field(default_factory=list, max_length=100,
                               description="Schemas to scan (default: all non-system ones).")
    sample_size: int | None = Field(None, ge=0, le=100_000)
    table_timeout: float | None = Field(None, gt=0, le=3600)
    engine: Literal["local", "spark"] = "local"


class ScanRunOut(BaseModel):
    id: str
    system: str
    source: str
    engine: str
    schemas: list[str]
    sample_size: int
    state: Literal["queued", "running", "completed", "interrupted", "failed"]
    complete: bool
    tables_total: int
    tables_done: int
    columns_done: int
    errors: list[str]
    requested_by: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None


class ColumnChange(BaseModel):
    schema_: str = Field(alias="schema", serialization_alias="schema")
    table: str
    column: str
    entity: str | None = None
    tier: str | None = None
    was_entity: str | None = None
    was_tier: str | None = None


class ScanChanges(BaseModel):
    run_id: str
    previous_run_id: str | None
    new_personal: list[ColumnChange]
    tier_raised: list[ColumnChange]
    tier_lowered: list[ColumnChange]
    entity_changed: list[ColumnChange]
    no_longer_personal: list[ColumnChange]
    disappeared: list[ColumnChange]


class ConnectionCreate(BaseModel):
    name: str = Field(pattern=NAME_PATTERN)
    url: SecretStr = Field(description="SQLAlchemy URL with credentials; stored encrypted.")


class ConnectionOut(BaseModel):
    name: str
    display: str = Field(description="The URL with its password hidden.")
    backend: str


def _run_out(run: ScanRun) -> ScanRunOut:
    return ScanRunOut.model_validate(run, from_attributes=True)


@router.post("/scans", response_model=ScanRunOut, status_code=status.HTTP_202_ACCEPTED,
             summary="Start a discovery scan in the background")
def start_scan(body: ScanRequest, caller: RunScans, services: ServicesDep,
               info: RequestInfoDep) -> ScanRunOut:
    """Opens a run (state `queued`) and scans in the background; follow it with
    `GET /v1/scans/{id}`. The result lands in the inventory."""
    settings = services.settings
    # The run is committed before the background worker may look for it.
    with transaction(services.session_factory) as session:
        target = services.discovery.target(
            session, url=body.url.get_secret_value() if body.url else None,
            connection=body.connection, system=body.system)
        options = ScanOptions(system=target.system, schemas=tuple(body.schemas),
                              sample_size=settings.scan_sample_size if body.sample_size is None
                              else body.sample_size,
                              table_timeout=body.table_timeout or settings.scan_table_timeout,
                              engine=body.engine)
        run = inventory.open_run(session, system=target.system, source=target.source,
                                 engine=body.engine, schemas=body.schemas,
                                 sample_size=options.sample_size,
                                 connection_name=target.connection_name,
                                 requested_by=caller.principal_id, state="queued")
        services.audit.record(session, AuditEvent.by(
            caller, "scan.request", "allowed", "queued", request_id=info.request_id,
            client_addr=info.client_addr,
            details={"run_id": run.id, "system": run.system, "engine": run.engine,
                     "schemas": list(body.schemas)}))
        out = _run_out(run)
    services.scan_jobs.submit(out.id, target, options, caller, info.request_id)
    return out


@router.get("/scans", response_model=list[ScanRunOut], summary="List scan runs")
def list_scans(_caller: ReadInventory, session: SessionDep,
               system: Annotated[str | None, Query(max_length=200)] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[ScanRunOut]:
    return [_run_out(run) for run in inventory.list_runs(session, system, limit)]


@router.get("/scans/{run_id}", response_model=ScanRunOut, summary="A scan run's progress")
def get_scan(run_id: str, _caller: ReadInventory, session: SessionDep) -> ScanRunOut:
    """State, tables done of total, columns decided, errors (redacted)."""
    return _run_out(inventory.get_run(session, run_id))


@router.get("/scans/{run_id}/changes", response_model=ScanChanges,
            response_model_by_alias=True, summary="What a scan changed")
def scan_changes(run_id: str, _caller: ReadInventory, session: SessionDep) -> ScanChanges:
    """Compared with the previous completed run of the same system: new personal columns,
    tier rises and falls, entity changes, columns no longer personal, disappeared columns."""
    changes: dict[str, Any] = diff_run(session, run_id).to_dict()
    return ScanChanges.model_validate(changes)


@router.get("/connections", response_model=list[ConnectionOut],
            summary="Stored scan connections (no passwords)")
def list_connections(_caller: RunScans, services: ServicesDep,
                     session: SessionDep) -> list[ConnectionOut]:
    return [ConnectionOut(name=c.name, display=c.display, backend=c.backend)
            for c in services.discovery.connections.list(session)]


@router.post("/connections", response_model=ConnectionOut, status_code=status.HTTP_201_CREATED,
             summary="Store a scan connection (encrypted)")
def add_connection(body: ConnectionCreate, caller: ManageConnections, services: ServicesDep,
                   session: SessionDep, info: RequestInfoDep) -> ConnectionOut:
    added = services.discovery.connections.add(session, body.name, body.url.get_secret_value(),
                                               caller.principal_id)
    services.audit.record(session, AuditEvent.by(
        caller, "connection.add", "allowed", "stored", request_id=info.request_id,
        client_addr=info.client_addr, details={"name": added.name, "backend": added.backend}))
    return ConnectionOut(name=added.name, display=added.display, backend=added.backend)


@router.delete("/connections/{name}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a stored scan connection")
def remove_connection(name: str, caller: ManageConnections, services: ServicesDep,
                      session: SessionDep, info: RequestInfoDep) -> None:
    services.discovery.connections.remove(session, name)
    services.audit.record(session, AuditEvent.by(
        caller, "connection.remove", "allowed", "removed", request_id=info.request_id,
        client_addr=info.client_addr, details={"name": name}))
