"""The auditor's API: events, exports, subject reports, summaries, proofs, verification and
checkpoints. Read-only over events: nothing here can change one. Every call is itself audited
(durably, before anything is returned)."""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from pii_guard.api.deps import RequestInfo, RequestInfoDep, ServicesDep, require
from pii_guard.api.routers.audit_schemas import (
    CheckpointOut,
    ConsistencyOut,
    DaySummaryOut,
    EventOut,
    EventPageOut,
    InclusionOut,
    SigningKeyOut,
    SubjectReportOut,
    VerificationOut,
)
from pii_guard.api.schemas import ERROR_RESPONSES
from pii_guard.audit import ledger, proofs, queries
from pii_guard.audit.events import AuditEvent
from pii_guard.audit.export import csv_lines, jsonl_lines
from pii_guard.audit.verify import Verifier
from pii_guard.errors import InvalidRequest
from pii_guard.identity.caller import Caller
from pii_guard.services import Services
from pii_guard.store.engine import transaction

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=ERROR_RESPONSES)

ReadEvents = Annotated[Caller, Depends(require("audit:read"))]
ReadSummaries = Annotated[Caller, Depends(require("audit:summaries"))]
Verify = Annotated[Caller, Depends(require("audit:verify"))]
ReadCheckpoints = Annotated[Caller, Depends(require("audit:checkpoints_read"))]
MakeCheckpoint = Annotated[Caller, Depends(require("audit:checkpoints_create"))]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most events in one page.")]
Cursor = Annotated[str | None, Query(max_length=64, description="`next_cursor` of the "
                                     "previous page; omit for the first page.")]
Code = Annotated[str | None, Query(max_length=64)]


class FilterParams(BaseModel):
    since: dt.datetime | None = Field(None, description="Events at or after this time.")
    until: dt.datetime | None = Field(None, description="Events before this time.")
    principal_id: str | None = Field(None, max_length=64)
    subject_ref: str | None = Field(None, max_length=128)
    purpose: str | None = Field(None, max_length=64)
    action: str | None = Field(None, max_length=64)
    tier: str | None = Field(None, max_length=16, description="Events that involved this tier.")
    decision: Literal["allowed", "denied"] | None = None
    unit_code: str | None = Field(None, max_length=64)

    def to_filter(self) -> queries.EventFilter:
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise InvalidRequest("invalid_time", "times need a UTC offset, e.g. ...Z")
        return queries.EventFilter(**self.model_dump())


Filters = Annotated[FilterParams, Query()]


async def _audited(services: Services, caller: Caller, info: RequestInfo, action: str,
                   **values: Any) -> None:
    await services.audit.record_durable(AuditEvent.by(
        caller, action, "allowed", "auditor_access", request_id=info.request_id,
        client_addr=info.client_addr, **values))


def _read(services: Services, work: Any) -> Any:
    with services.session_factory() as session:
        return work(session)


@router.get("/events", response_model=EventPageOut, summary="Events in sequence order")
async def list_events(caller: ReadEvents, services: ServicesDep, info: RequestInfoDep,
                      filters: Filters, limit: Limit = 100, cursor: Cursor = None) -> EventPageOut:
    where = filters.to_filter()
    result = await asyncio.to_thread(
        _read, services, lambda s: queries.page(s, where, limit, cursor))
    await _audited(services, caller, info, "audit.events", subject_ref=where.subject_ref,
                   details=where.as_details())
    return EventPageOut(events=[EventOut.of(row) for row in result.events],
                        next_cursor=result.next_cursor)


@router.get("/export", summary="Every matching event, streamed as CSV or JSON lines",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}})
async def export_events(caller: ReadEvents, services: ServicesDep, info: RequestInfoDep,
                        filters: Filters,
                        format: Literal["csv", "jsonl"] = "jsonl") -> StreamingResponse:
    where = filters.to_filter()
    await _audited(services, caller, info, "audit.export", subject_ref=where.subject_ref,
                   details={**where.as_details(), "format": format})
    rows: Iterator[dict[str, Any]] = queries.iter_events(services.session_factory, where)
    lines = csv_lines(rows) if format == "csv" else jsonl_lines(rows)
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(lines, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="audit-events.{format}"'})


@router.get("/subjects/{subject_id}/report", response_model=SubjectReportOut,
            summary="Every access to one subject's data (complaints, PIPL Art. 45)")
async def subject_report(subject_id: str, caller: ReadEvents, services: ServicesDep,
                         info: RequestInfoDep, limit: Limit = 200,
                         cursor: Cursor = None) -> SubjectReportOut:
    if len(subject_id) > 128:
        raise InvalidRequest("invalid_subject", "subject ids are at most 128 characters")
    report = await asyncio.to_thread(
        _read, services, lambda s: queries.subject_report(s, subject_id, limit, cursor))
    await _audited(services, caller, info, "audit.subject_report", subject_ref=subject_id)
    return SubjectReportOut.of(report)


@router.get("/summaries/daily", response_model=list[DaySummaryOut],
            summary="Events per day by decision, purpose and highest tier")
async def daily_summaries(
    caller: ReadSummaries, services: ServicesDep, info: RequestInfoDep,
    since: dt.date, until: dt.date,
    tz: Annotated[str, Query(max_length=64, description="IANA time zone of the days.")]
    = "Asia/Shanghai",
) -> list[DaySummaryOut]:
    if until < since or (until - since).days >= queries.MAX_SUMMARY_DAYS:
        raise InvalidRequest("invalid_range",
                             f"need since <= until, at most {queries.MAX_SUMMARY_DAYS} days")
    try:
        zone = zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest("invalid_time_zone", "unknown time zone") from None
    days = await asyncio.to_thread(
        _read, services, lambda s: queries.daily_summaries(s, since, until, zone))
    await _audited(services, caller, info, "audit.summaries",
                   details={"since": since.isoformat(), "until": until.isoformat()})
    return [DaySummaryOut.of(day) for day in days]


@router.get("/proofs/inclusion", response_model=InclusionOut,
            summary="Proof that an event is in the log (RFC 9162 audit path)")
async def inclusion_proof(
    caller: ReadEvents, services: ServicesDep, info: RequestInfoDep,
    seq: Annotated[int | None, Query(ge=0)] = None,
    event_id: Annotated[str | None, Query(max_length=32)] = None,
    tree_size: Annotated[int | None, Query(ge=1)] = None,
) -> InclusionOut:
    proof = await asyncio.to_thread(_read, services, lambda s: proofs.inclusion(
        s, seq=seq, event_id=event_id, tree_size=tree_size))
    await _audited(services, caller, info, "audit.proof",
                   details={"seq": proof.seq, "tree_size": proof.tree_size})
    return InclusionOut.of(proof)


@router.get("/proofs/consistency", response_model=ConsistencyOut,
            summary="Proof that a later tree extends an earlier one (RFC 9162)")
async def consistency_proof(
    _caller: ReadCheckpoints, services: ServicesDep,
    first: Annotated[int, Query(ge=1)], second: Annotated[int, Query(ge=1)],
) -> ConsistencyOut:
    proof = await asyncio.to_thread(
        _read, services, lambda s: proofs.consistency(s, first, second))
    return ConsistencyOut.of(proof)


@router.get("/verify", response_model=VerificationOut,
            summary="Recompute the whole log and check every checkpoint")
async def verify(caller: Verify, services: ServicesDep, info: RequestInfoDep) -> VerificationOut:
    signer = services.audit_sequencer.signer
    verifier = Verifier(services.engine, signer.public_key, signer.origin)
    report = await asyncio.to_thread(verifier.verify)
    await _audited(services, caller, info, "audit.verify",
                   details={"ok": report.ok, "tree_size": report.tree_size})
    return VerificationOut.of(report)


@router.get("/checkpoints", response_model=list[CheckpointOut],
            summary="Signed checkpoints, oldest first")
async def list_checkpoints(
    _caller: ReadCheckpoints, services: ServicesDep,
    after: Annotated[int, Query(ge=0, description="Only checkpoints with a larger id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[CheckpointOut]:
    found = await asyncio.to_thread(
        _read, services, lambda s: ledger.list_checkpoints(s, after, limit))
    return [CheckpointOut.of(checkpoint) for checkpoint in found]


@router.post("/checkpoints", response_model=CheckpointOut, status_code=status.HTTP_201_CREATED,
             summary="Sign a checkpoint of the log now")
async def create_checkpoint(caller: MakeCheckpoint, services: ServicesDep,
                            info: RequestInfoDep) -> CheckpointOut:
    def make() -> Any:
        services.audit_sequencer.catch_up()
        with transaction(services.session_factory) as session:
            return ledger.make_checkpoint(session, services.audit_sequencer.signer)

    checkpoint = await asyncio.to_thread(make)
    await _audited(services, caller, info, "audit.checkpoint",
                   details={"tree_size": checkpoint.tree_size, "checkpoint_id": checkpoint.id})
    return CheckpointOut.of(checkpoint)


@router.get("/signing-key", response_model=SigningKeyOut,
            summary="The public key that signs this log's checkpoints")
async def signing_key(_caller: ReadCheckpoints, services: ServicesDep) -> SigningKeyOut:
    return SigningKeyOut.of(services.audit_sequencer.signer)
