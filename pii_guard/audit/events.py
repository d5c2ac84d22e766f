"""One audited action. Every field is a code, a path or a reference; never a personal value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pii_guard.identity.caller import Caller
from pii_guard.store.base import new_id, utcnow

Decision = Literal["allowed", "denied"]


@dataclass(frozen=True, slots=True)
class AuditEvent:
    action: str
    decision: Decision
    reason: str
    principal_id: str | None = None
    roles: tuple[str, ...] = ()
    unit_code: str | None = None
    purpose: str | None = None
    subject_ref: str | None = None
    fields: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    treatments: tuple[str, ...] = ()
    request_id: str | None = None
    client_addr: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)
    occurred_at: dt.datetime = field(default_factory=utcnow)

    @classmethod
    def by(cls, caller: Caller | None, action: str, decision: Decision, reason: str,
           **values: Any) -> AuditEvent:
        """An event attributed to ``caller`` (None for unauthenticated attempts)."""
        if caller is not None:
            values.setdefault("principal_id", caller.principal_id)
            values.setdefault("roles", tuple(sorted(caller.roles)))
            values.setdefault("unit_code", caller.unit_code)
        return cls(action=action, decision=decision, reason=reason, **values)
