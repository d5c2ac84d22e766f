"""``POST /v1/classify``: which personal data a text or record holds, by entity, category and
tier. Answers offsets and field paths, never values; every call is audited before the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from pii_guard.api.compute import in_compute
from pii_guard.api.deps import RequestInfoDep, ServicesDep, require
from pii_guard.api.schemas import ERROR_RESPONSES
from pii_guard.audit.events import AuditEvent
from pii_guard.classification.service import (
    ClassifiedFinding,
    check_one_input,
    check_record,
    check_text,
    classify_record,
    classify_text,
)
from pii_guard.detection.records import count_leaves
from pii_guard.identity.caller import Caller

router = APIRouter(prefix="/v1", tags=["classification"], responses=ERROR_RESPONSES)

Classifier = Annotated[Caller, Depends(require("data:classify"))]
THREAD_ABOVE_CHARS = 20_000   # larger texts are scanned off the event loop
THREAD_ABOVE_FIELDS = 200


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "客户手机13812345678，身份证号110105199001011232"},
        {"record": {"khxm": "张三", "sjhm": "13812345678", "order_no": "2023110512345678"}},
    ]})

    text: str | None = Field(None, description="A free text. Send exactly one of text, record.")
    record: dict[str, Any] | None = Field(
        None, description="A JSON object, nested objects and arrays allowed; field names are "
        "evidence (sfzh, 手机号, card_no ...).")


class FindingPublic(BaseModel):
    entity: str = Field(description="What was found, e.g. CN_RESIDENT_ID.")
    category: str = Field(description="Data category of the entity (taxonomy).")
    tier: str = Field(description="JR/T 0171 tier: C3, C2 or C1.")
    level: int = Field(description="JR/T 0197 level, 1-5.")
    sensitive: bool = Field(description="PIPL Art. 28 sensitive personal information.")
    score: float = Field(description="Confidence, 0-1.")
    start: int = Field(description="Start offset (Python string index) in the text or field.")
    end: int = Field(description="End offset, exclusive.")
    field: str | None = Field(description="JSON path of the field for records, else null.")


class ClassifyResponse(BaseModel):
    findings: list[FindingPublic]
    event_id: str = Field(description="The audit event recording this call.")


def _public(finding: ClassifiedFinding) -> FindingPublic:
    return FindingPublic(**finding.as_dict())


@router.post("/classify", response_model=ClassifyResponse,
             summary="Find and classify personal data in a text or a record")
async def classify(body: ClassifyRequest, caller: Classifier, services: ServicesDep,
                   info: RequestInfoDep) -> ClassifyResponse:
    settings = services.settings
    check_one_input(body.text, body.record)
    detector, taxonomy = services.detector, services.taxonomy
    if body.text is not None:
        text = body.text
        check_text(text, settings.max_text_chars)
        if len(text) > THREAD_ABOVE_CHARS:
            findings = await in_compute(services, classify_text, detector, taxonomy, text)
        else:
            findings = classify_text(detector, taxonomy, text)
        size: dict[str, Any] = {"input": "text", "chars": len(text)}
    else:
        record = body.record or {}
        check_record(record, settings.max_record_fields)
        fields = count_leaves(record, settings.max_record_fields)
        if fields > THREAD_ABOVE_FIELDS:
            findings = await in_compute(services, classify_record, detector, taxonomy, record)
        else:
            findings = classify_record(detector, taxonomy, record)
        size = {"input": "record", "fields": fields}
    event = AuditEvent.by(
        caller, "classify", "allowed", "classified",
        fields=tuple(sorted({f.field for f in findings if f.field})),
        entities=tuple(sorted({f.entity for f in findings})),
        tiers=tuple(sorted({f.tier for f in findings})),
        request_id=info.request_id, client_addr=info.client_addr,
        details={**size, "findings": len(findings)})
    event_id = await services.audit.record_durable(event)
    return ClassifyResponse(findings=[_public(f) for f in findings], event_id=event_id)
