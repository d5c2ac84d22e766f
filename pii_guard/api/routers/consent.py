"""Purposes, privacy notices and consent over HTTP.

Stewards keep the purpose registry and register notices; the systems where customers give
consent (``crm-service`` in the demo) and stewards record and withdraw it; every change is an
audit event in the change's own transaction, refusals are audited as denied.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Response, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

from pii_guard.api.deps import RequestInfoDep, ServicesDep, SessionDep, require
from pii_guard.api.errors import error_payload
from pii_guard.api.routers.audited import denials_audited
from pii_guard.api.schemas import ERROR_RESPONSES
from pii_guard.consent import notices, records, registry
from pii_guard.consent.errors import ImportRejected, UnknownPurpose
from pii_guard.consent.importer import ImportReport, import_consents
from pii_guard.consent.purposes import LegalBasis, Purpose
from pii_guard.identity.caller import Caller
from pii_guard.store.engine import transaction
from pii_guard.store.models.consent import ConsentEvent, ConsentState, PrivacyNotice, PurposeRow

router = APIRouter(tags=["consent"], responses=ERROR_RESPONSES)

ReadPurposes = Annotated[Caller, Depends(require("purposes:read"))]
ManagePurposes = Annotated[Caller, Depends(require("purposes:manage"))]
ReadNotices = Annotated[Caller, Depends(require("notices:read"))]
ManageNotices = Annotated[Caller, Depends(require("notices:manage"))]
RecordConsents = Annotated[Caller, Depends(require("consents:record"))]
ReadConsents = Annotated[Caller, Depends(require("consents:read"))]
ImportConsents = Annotated[Caller, Depends(require("consents:import"))]
SubjectId = Annotated[str, Path(min_length=1, max_length=128)]
PurposeCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Channel = Literal["app", "counter", "phone", "paper"]


class PurposeIn(BaseModel):
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    legal_basis: LegalBasis = Field(description="PIPL Art. 13 basis: consent, contract, "
                                    "legal_duty, vital_interest, public_interest, public_data, "
                                    "other_law.")
    categories: list[str] = Field(default_factory=list, max_length=100,
                                  description="Categories the purpose may use; [] means all.")
    sensitive_allowed: bool = False
    on_missing_consent: Literal["redact", "refuse"] = "redact"
    retention_days: int = Field(gt=0, le=36500)


class PurposeOut(PurposeIn):
    code: str
    source: str = Field(description="file (policies/purposes.yaml) or api (a steward).")
    revision: int
    updated_at: dt.datetime
    updated_by: str | None


class NoticeIn(BaseModel):
    version: str = Field(pattern=notices.VERSION_PATTERN)
    title: str = Field("", max_length=200)
    text: str = Field(min_length=1, max_length=200_000)


class NoticeOut(BaseModel):
    version: str
    title: str
    sha256: str = Field(description="SHA-256 (hex) of the notice text as registered.")
    registered_at: dt.datetime
    registered_by: str | None


class NoticeFull(NoticeOut):
    text: str


class ConsentIn(BaseModel):
    purpose: str = Field(min_length=1, max_length=64)
    categories: list[str] = Field(default_factory=list, max_length=100,
                                  description="Narrow the consent to these categories; [] or "
                                  "absent means every category of the purpose.")
    separate: bool = Field(False, description="The separate consent PIPL Art. 29 requires for "
                           "sensitive categories.")
    notice_version: str = Field(min_length=1, max_length=64)
    channel: str = Field(description="app, counter, phone or paper.")
    expires_at: AwareDatetime | None = None
    evidence_ref: str | None = Field(None, max_length=256)


class WithdrawIn(BaseModel):
    channel: str | None = Field(None, description="app, counter, phone or paper.")
    evidence_ref: str | None = Field(None, max_length=256)


class ConsentRecord(BaseModel):
    id: int
    subject_id: str
    purpose: str
    kind: Literal["grant", "withdraw"]
    categories: list[str]
    separate: bool
    granted_at: dt.datetime | None
    expires_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    channel: str | None
    notice_version: str | None
    notice_hash: str | None
    evidence_ref: str | None
    recorded_by: str | None
    recorded_at: dt.datetime
    source: str


class ConsentSummary(BaseModel):
    purpose: str
    status: Literal["granted", "withdrawn", "expired"]
    active: bool
    categories: list[str]
    separate: bool
    granted_at: dt.datetime | None
    expires_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    history: list[ConsentRecord] = Field(description="Every grant and withdrawal, oldest first.")


class SubjectConsents(BaseModel):
    subject_id: str
    consents: list[ConsentSummary]


class ImportIn(BaseModel):
    format: Literal["csv", "jsonl"]
    content: str = Field(description="The file's text (CSV with a header row, or JSON lines).")
    partial: bool = Field(False, description="Import the good lines even if some are bad.")


class ImportLineError(BaseModel):
    line: int
    code: str
    message: str


class ImportOut(BaseModel):
    lines: int
    imported: int
    rejected: int
    errors: list[ImportLineError]


def _purpose_out(row: PurposeRow) -> PurposeOut:
    return PurposeOut(code=row.code, name_zh=row.name_zh, name_en=row.name_en,
                      description=row.description, legal_basis=LegalBasis(row.legal_basis),
                      categories=list(row.categories), sensitive_allowed=row.sensitive_allowed,
                      on_missing_consent=row.on_missing_consent,
                      retention_days=row.retention_days, source=row.source,
                      revision=row.revision, updated_at=row.updated_at,
                      updated_by=row.updated_by)


def _notice_out(row: PrivacyNotice) -> NoticeOut:
    return NoticeOut(version=row.version, title=row.title, sha256=row.sha256,
                     registered_at=row.registered_at, registered_by=row.registered_by)


def _record(event: ConsentEvent) -> ConsentRecord:
    return ConsentRecord.model_validate(event, from_attributes=True)


def _audit(info: RequestInfoDep) -> dict[str, Any]:
    return {"request_id": info.request_id, "client_addr": info.client_addr}


@router.get("/v1/purposes", response_model=list[PurposeOut], summary="The purpose registry")
def list_purposes(caller: ReadPurposes, session: SessionDep) -> list[PurposeOut]:
    return [_purpose_out(row) for row in registry.list_all(session)]


@router.get("/v1/purposes/{code}", response_model=PurposeOut, summary="One purpose")
def get_purpose(code: PurposeCode, caller: ReadPurposes, session: SessionDep) -> PurposeOut:
    row = registry.get(session, code)
    if row is None:
        raise UnknownPurpose(None, f"no purpose {code!r} is registered")
    return _purpose_out(row)


@router.put("/v1/purposes/{code}", response_model=PurposeOut,
            responses={201: {"model": PurposeOut, "description": "Created."}},
            summary="Create or replace a purpose (stewards)")
def put_purpose(code: PurposeCode, body: PurposeIn, caller: ManagePurposes,
                session: SessionDep, services: ServicesDep, info: RequestInfoDep,
                response: Response) -> PurposeOut:
    purpose = Purpose(code=code, **{**body.model_dump(), "categories": tuple(body.categories)})
    with denials_audited(services, caller, "purpose.update", info, purpose=code):
        row, created = services.consent.put_purpose(session, caller, purpose, **_audit(info))
    if created:
        response.status_code = status.HTTP_201_CREATED
    return _purpose_out(row)


@router.get("/v1/notices", response_model=list[NoticeOut], summary="Registered privacy notices")
def list_notices(caller: ReadNotices, session: SessionDep) -> list[NoticeOut]:
    return [_notice_out(row) for row in notices.list_all(session)]


@router.get("/v1/notices/{version}", response_model=NoticeFull,
            summary="One privacy notice with its text")
def get_notice(version: Annotated[str, Path(max_length=64)], caller: ReadNotices,
               session: SessionDep) -> NoticeFull:
    row = notices.get(session, version)
    return NoticeFull(**_notice_out(row).model_dump(), text=row.text)


@router.post("/v1/notices", response_model=NoticeOut, status_code=status.HTTP_201_CREATED,
             responses={200: {"model": NoticeOut, "description": "Already registered with "
                              "this exact text."}, 409: ERROR_RESPONSES[422]},
             summary="Register a privacy notice version (its SHA-256 is kept)")
def register_notice(body: NoticeIn, caller: ManageNotices, session: SessionDep,
                    services: ServicesDep, info: RequestInfoDep,
                    response: Response) -> NoticeOut:
    spec = notices.NoticeSpec(version=body.version, title=body.title, text=body.text)
    with denials_audited(services, caller, "notice.register", info,
                         details={"notice_version": body.version}):
        row, created = services.consent.register_notice(session, caller, spec, **_audit(info))
    if not created:
        response.status_code = status.HTTP_200_OK
    return _notice_out(row)


@router.post("/v1/subjects/{subject_id}/consents", response_model=ConsentRecord,
             status_code=status.HTTP_201_CREATED, summary="Record a subject's consent")
def record_consent(subject_id: SubjectId, body: ConsentIn, caller: RecordConsents,
                   session: SessionDep, services: ServicesDep,
                   info: RequestInfoDep) -> ConsentRecord:
    spec = records.GrantSpec(
        subject_id=subject_id, purpose=body.purpose, notice_version=body.notice_version,
        channel=body.channel, categories=tuple(body.categories), separate=body.separate,
        expires_at=body.expires_at, evidence_ref=body.evidence_ref)
    with denials_audited(services, caller, "consent.grant", info, purpose=body.purpose,
                         subject_ref=subject_id):
        event = services.consent.grant(session, caller, spec, **_audit(info))
    return _record(event)


@router.post("/v1/subjects/{subject_id}/consents/{purpose}/withdraw",
             response_model=ConsentRecord, responses={404: ERROR_RESPONSES[422]},
             summary="Withdraw a subject's consent for a purpose (effective on the next call)")
def withdraw_consent(subject_id: SubjectId, purpose: PurposeCode, caller: RecordConsents,
                     session: SessionDep, services: ServicesDep, info: RequestInfoDep,
                     body: WithdrawIn | None = None) -> ConsentRecord:
    body = body or WithdrawIn()
    spec = records.WithdrawSpec(subject_id=subject_id, purpose=purpose, channel=body.channel,
                                evidence_ref=body.evidence_ref)
    with denials_audited(services, caller, "consent.withdraw", info, purpose=purpose,
                         subject_ref=subject_id):
        event, _ = services.consent.withdraw(session, caller, spec, **_audit(info))
    return _record(event)


def _summary(state: ConsentState, history: list[ConsentEvent], now: dt.datetime
             ) -> ConsentSummary:
    expired = state.status == records.GRANTED and not records.is_active(state, now)
    return ConsentSummary(
        purpose=state.purpose, status="expired" if expired else state.status,
        active=records.is_active(state, now), categories=list(state.categories),
        separate=state.separate, granted_at=state.granted_at, expires_at=state.expires_at,
        withdrawn_at=state.withdrawn_at, history=[_record(event) for event in history])


@router.get("/v1/subjects/{subject_id}/consents", response_model=SubjectConsents,
            summary="Every consent of a subject with its full history (PIPL Art. 44-45)")
def subject_consents(subject_id: SubjectId, caller: ReadConsents, session: SessionDep,
                     services: ServicesDep, info: RequestInfoDep) -> SubjectConsents:
    now = dt.datetime.now(dt.UTC)
    by_purpose = records.subjects_events(records.history(session, subject_id))
    summaries = [_summary(state, by_purpose.get(state.purpose, []), now)
                 for state in records.states(session, subject_id)]
    services.audit.record(session, _read_event(caller, subject_id, info))
    return SubjectConsents(subject_id=subject_id, consents=summaries)


def _read_event(caller: Caller, subject_id: str, info: RequestInfoDep) -> Any:
    from pii_guard.audit.events import AuditEvent

    return AuditEvent.by(caller, "consent.read", "allowed", "subject_view",
                         subject_ref=subject_id, **_audit(info))


@router.post("/v1/consents/import", response_model=ImportOut,
             responses={422: {"model": ImportOut, "description": "Bad lines; nothing was "
                              "imported (unless partial)."}},
             summary="Import existing consents in bulk (CSV or JSON lines)")
def import_file(body: ImportIn, caller: ImportConsents, services: ServicesDep,
                info: RequestInfoDep) -> Any:
    try:
        with transaction(services.session_factory) as session:
            report = import_consents(session, services.consent, body.content, body.format,
                                     partial=body.partial, caller=caller, **_audit(info))
    except ImportRejected as rejected:
        payload = ImportReport.rejected(rejected).as_dict()
        payload.update(error_payload(rejected.code, rejected.message, info.request_id))
        return JSONResponse(payload, status_code=422)
    return ImportOut.model_validate(report.as_dict())
