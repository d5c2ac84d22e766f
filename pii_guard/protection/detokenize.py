"""Detokenisation: clear values back only where this caller's decision for the value is
``clear`` (by policy or an approved grant) and the purpose and consent allow it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from pii_guard.audit.events import AuditEvent
from pii_guard.authz.treatments import Treatment
from pii_guard.classification.taxonomy import UnknownEntity
from pii_guard.errors import InvalidRequest
from pii_guard.masking import TokenError
from pii_guard.protection.errors import DetokenizeRefused

if TYPE_CHECKING:
    from pii_guard.protection.service import CallContext, Protector


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$", description="The token's entity.")
    token: str = Field(min_length=1, max_length=256)


def detokenize(protector: Protector, call: CallContext,
               tokens: Sequence[TokenRequest]) -> tuple[list[str], AuditEvent]:
    """The clear values, in order, and the event to record before releasing them.

    All or nothing: one token the caller may not see refuses the whole call, so a client
    never has to guess which of its values were withheld.
    """
    check = protector.admit(call)
    for entity in sorted({t.entity for t in tokens}):
        try:
            grade = protector.taxonomy.classify(entity)
        except UnknownEntity:
            raise InvalidRequest("unknown_entity", f"no entity {entity!r} is known") from None
        decision = protector.decider.decide(call.caller, call.purpose, tier=grade.tier,
                                            category=grade.category, subject_id=call.subject_id)
        ruling = check.permits(grade.category, sensitive=grade.sensitive)
        if decision.treatment is not Treatment.CLEAR or not ruling.allowed:
            raise DetokenizeRefused(message=f"{entity} is not shown in clear to this caller "
                                            f"for {call.purpose!r}")
    values: list[str] = []
    for item in tokens:
        try:
            values.append(protector.treatments.detokenize(item.token, entity=item.entity,
                                                          subject_id=call.subject_id))
        except TokenError as exc:
            if exc.status == 410:
                raise  # subject_key_shredded: gone for good, not a malformed request
            raise InvalidRequest("invalid_token", str(exc) or "not a token") from None
    event = AuditEvent.by(
        call.caller, "detokenize", "allowed", "detokenized", purpose=call.purpose,
        subject_ref=call.subject_id, entities=tuple(sorted({t.entity for t in tokens})),
        treatments=(Treatment.CLEAR.value,), request_id=call.request_id,
        client_addr=call.client_addr, details={"tokens": len(tokens)})
    return values, event
