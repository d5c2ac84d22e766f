"""``POST /v1/protect``, ``/v1/protect/batch`` and ``/v1/detokenize``: the main path.

Every answer that carries data is released only after its event is durably in the audit log;
a refusal is recorded as a ``denied`` event before the error goes out. If the event cannot be
written the caller gets 503 and no data.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from pii_guard.api.compute import in_compute
from pii_guard.api.deps import RequestInfo, RequestInfoDep, ServicesDep, require
from pii_guard.api.schemas import ERROR_RESPONSES, ErrorBody
from pii_guard.audit.events import AuditEvent
from pii_guard.classification.service import check_one_input, check_record, check_text
from pii_guard.errors import LimitExceeded, PiiGuardError
from pii_guard.identity.caller import Caller
from pii_guard.protection.detokenize import TokenRequest
from pii_guard.protection.service import CallContext, Protected
from pii_guard.services import Services

router = APIRouter(prefix="/v1", tags=["protection"], responses=ERROR_RESPONSES)

ProtectCaller = Annotated[Caller, Depends(require("data:protect"))]
DetokenizeCaller = Annotated[Caller, Depends(require("data:detokenize"))]
PURPOSE = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="A registered purpose code.")
SUBJECT = Field(None, min_length=1, max_length=128,
                description="The data subject (customer id), when known. Grants and consent "
                            "are per subject; without it consent-based purposes redact.")


class ProtectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"purpose": "customer_service", "subject_id": "C0001",
         "record": {"name": "张三", "mobile": "13812345678", "card_pin": "654321"}},
        {"purpose": "customer_service", "subject_id": "C0001",
         "text": "客户张三来电，手机13812345678，要求修改地址。"},
    ]})

    purpose: str = PURPOSE
    subject_id: str | None = SUBJECT
    text: str | None = Field(None, description="A free text. Send exactly one of text, record.")
    record: dict[str, Any] | None = Field(None, description="A JSON object (nesting allowed).")


class ProtectedFindingPublic(BaseModel):
    entity: str = Field(description="What was found, e.g. CN_MOBILE.")
    category: str = Field(description="Its data category.")
    tier: str = Field(description="JR/T 0171 tier: C3, C2 or C1.")
    treatment: str = Field(description="clear, mask, generalise, token, hash, redact or deny.")
    reason: str = Field(description="Why: policy, grant, default_deny, c3_never_clear, or the "
                                    "consent rule that redacted it (no_consent, ...).")
    field: str | None = Field(None, description="JSON path of the field, for records.")
    start: int | None = Field(None, description="Start offset in the RETURNED text or field "
                                                "value; absent when the field was withheld.")
    end: int | None = Field(None, description="End offset (exclusive) in the returned value.")


class ProtectResponse(BaseModel):
    text: str | None = Field(None, description="The text as this caller may see it.")
    record: dict[str, Any] | None = Field(None, description="The record as this caller may "
                                          "see it; denied fields are null.")
    findings: list[ProtectedFindingPublic]
    event_id: str = Field(description="The audit event recording this call.")


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ProtectRequest] = Field(min_length=1)


class ItemError(BaseModel):
    code: str
    message: str


class BatchItem(BaseModel):
    text: str | None = None
    record: dict[str, Any] | None = None
    findings: list[ProtectedFindingPublic] | None = None
    error: ItemError | None = Field(None, description="Why this item was refused; the other "
                                                      "items are answered regardless.")
    event_id: str | None = None


class BatchResponse(BaseModel):
    items: list[BatchItem] = Field(description="One result per item, in request order.")


class DetokenizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: str = PURPOSE
    subject_id: str | None = SUBJECT
    tokens: list[TokenRequest] = Field(min_length=1)


class DetokenizeResponse(BaseModel):
    values: list[str] = Field(description="Clear values, in request order.")
    event_id: str


def _context(caller: Caller, purpose: str, subject_id: str | None,
             info: RequestInfo) -> CallContext:
    return CallContext(caller, purpose, subject_id, info.request_id, info.client_addr)


def _run(services: Services, call: CallContext, item: ProtectRequest) -> Protected:
    check_one_input(item.text, item.record)
    settings = services.settings
    if item.text is not None:
        check_text(item.text, settings.max_text_chars)
        return services.protector.protect_text(call, item.text)
    check_record(item.record, settings.max_record_fields)
    return services.protector.protect_record(call, item.record or {})


def _run_all(services: Services, calls: list[CallContext],
             items: list[ProtectRequest]) -> list[Protected | PiiGuardError]:
    """Each item's result or refusal; a fault (5xx) fails the whole batch, closed."""
    outcomes: list[Protected | PiiGuardError] = []
    for call, item in zip(calls, items, strict=True):
        try:
            outcomes.append(_run(services, call, item))
        except PiiGuardError as exc:
            if exc.status >= 500:
                raise
            outcomes.append(exc)
    return outcomes


@asynccontextmanager
async def _refusals_recorded(services: Services, call: CallContext,
                             action: str) -> AsyncIterator[None]:
    """A call refused for who asks (401/403) leaves a durable ``denied`` event first."""
    try:
        yield
    except PiiGuardError as exc:
        if exc.status in (401, 403):
            await services.audit.record_durable(_denied(call, action, exc))
        raise


def _denied(call: CallContext, action: str, exc: PiiGuardError) -> AuditEvent:
    return AuditEvent.by(call.caller, action, "denied", exc.code, purpose=call.purpose,
                         subject_ref=call.subject_id, request_id=call.request_id,
                         client_addr=call.client_addr)


def _response(result: Protected, event_id: str) -> ProtectResponse:
    return ProtectResponse(text=result.text, record=result.record, event_id=event_id,
                           findings=[ProtectedFindingPublic(**f.as_dict())
                                     for f in result.findings])


@router.post("/protect", response_model=ProtectResponse, response_model_exclude_none=True,
             summary="A text or record as this caller may see it for this purpose")
async def protect(body: ProtectRequest, caller: ProtectCaller, services: ServicesDep,
                  info: RequestInfoDep) -> ProtectResponse:
    call = _context(caller, body.purpose, body.subject_id, info)
    async with _refusals_recorded(services, call, "protect"):
        # Off the event loop (it computes and reads consent) so the worker keeps accepting and
        # answering other requests meanwhile.
        result = await in_compute(services, _run, services, call, body)
    event_id = await services.audit.record_durable(result.event)
    return _response(result, event_id)


@router.post("/protect/batch", response_model=BatchResponse, response_model_exclude_none=True,
             summary="Several texts or records in one call, one audit event each")
async def protect_batch(body: BatchRequest, caller: ProtectCaller, services: ServicesDep,
                        info: RequestInfoDep) -> BatchResponse:
    limit = services.settings.max_batch_items
    if len(body.items) > limit:
        raise LimitExceeded("too_many_items", f"a batch holds at most {limit} items")
    calls = [_context(caller, i.purpose, i.subject_id, info) for i in body.items]
    outcomes = await in_compute(services, _run_all, services, calls, body.items)
    events = [o.event if isinstance(o, Protected) else _denied(c, "protect", o)
              for o, c in zip(outcomes, calls, strict=True)]
    event_ids = await asyncio.gather(*(services.audit.record_durable(e) for e in events))
    items: list[BatchItem] = []
    for outcome, event_id in zip(outcomes, event_ids, strict=True):
        if isinstance(outcome, Protected):
            items.append(BatchItem(**_response(outcome, event_id).model_dump()))
        else:
            items.append(BatchItem(error=ItemError(code=outcome.code, message=outcome.message),
                                   event_id=event_id))
    return BatchResponse(items=items)


@router.post("/detokenize", response_model=DetokenizeResponse,
             summary="Clear values for tokens, to callers whose decision for them is clear",
             responses={410: {"model": ErrorBody, "description": "subject_key_shredded: the "
                              "subject's key was destroyed (crypto-shredding); the token can "
                              "never be reversed."}})
async def detokenize(body: DetokenizeRequest, caller: DetokenizeCaller, services: ServicesDep,
                     info: RequestInfoDep) -> DetokenizeResponse:
    limit = services.settings.max_batch_items
    if len(body.tokens) > limit:
        raise LimitExceeded("too_many_items", f"at most {limit} tokens per call")
    call = _context(caller, body.purpose, body.subject_id, info)
    async with _refusals_recorded(services, call, "detokenize"):
        values, event = await in_compute(services, services.protector.detokenize, call,
                                                body.tokens)
    event_id = await services.audit.record_durable(event)
    return DetokenizeResponse(values=values, event_id=event_id)
