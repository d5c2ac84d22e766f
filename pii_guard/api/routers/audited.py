"""Refusals are audited too: a step that fails on purpose leaves a ``denied`` event, written
in its own transaction because the request's transaction rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pii_guard.api.deps import RequestInfo
from pii_guard.audit.events import AuditEvent
from pii_guard.errors import PiiGuardError
from pii_guard.identity.caller import Caller
from pii_guard.services import Services


@contextmanager
def denials_audited(services: Services, caller: Caller, action: str, info: RequestInfo,
                    **fields: Any) -> Iterator[None]:
    try:
        yield
    except PiiGuardError as exc:
        services.audit.record_now(AuditEvent.by(
            caller, action, "denied", exc.code, request_id=info.request_id,
            client_addr=info.client_addr, **fields))
        raise


def event(caller: Caller, action: str, reason: str, info: RequestInfo,
          **fields: Any) -> AuditEvent:
    return AuditEvent.by(caller, action, "allowed", reason, request_id=info.request_id,
                         client_addr=info.client_addr, **fields)
