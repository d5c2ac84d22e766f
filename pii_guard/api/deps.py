"""Dependencies every route declares: services, one transaction, the authenticated caller and
the permission to call the endpoint. Routes stay thin; logic lives in the concern packages."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from pii_guard.api.middleware import client_address
from pii_guard.audit.events import AuditEvent
from pii_guard.errors import AuthenticationFailed, PermissionDenied
from pii_guard.identity.caller import Caller
from pii_guard.services import Services


async def get_services(request: Request) -> Services:
    """``async`` on purpose, like every dependency that does no I/O: FastAPI runs a plain
    ``def`` dependency in its thread pool, a thread hop per request for a dictionary read."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """One transaction per request, committed when the route returns without error."""
    with services.session_factory() as session, session.begin():
        yield session


# scope="function": commit when the route returns, before the response is sent, so a client
# never sees a success whose transaction later fails, and its next request sees the change.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    request_id: str
    client_addr: str | None


async def get_request_info(request: Request) -> RequestInfo:
    return RequestInfo(str(getattr(request.state, "request_id", "")),
                       client_address(dict(request.scope)))


RequestInfoDep = Annotated[RequestInfo, Depends(get_request_info)]

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key issued by `pii-guard api-keys create`: `Authorization: Bearer pgk_...`",
)


async def _audit_failure(services: Services, info: RequestInfo, reason: str,
                         key_prefix: str | None) -> None:
    details = {"key_prefix": key_prefix} if key_prefix else {}
    event = AuditEvent(action="auth.login", decision="denied", reason=reason,
                       request_id=info.request_id, client_addr=info.client_addr, details=details)
    await services.audit.record_durable(event)


async def get_caller(
    request: Request,
    services: ServicesDep,
    info: RequestInfoDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    """The principal behind ``Authorization: Bearer <key>``; every failure is audited."""
    if credentials is None or not credentials.credentials:
        await _audit_failure(services, info, "missing_credentials", None)
        raise AuthenticationFailed("missing_credentials",
                                   "send an API key as Authorization: Bearer <key>")
    key = credentials.credentials
    authenticator = services.authenticator
    try:
        caller = authenticator.cached(key)
        if caller is None:
            caller = await asyncio.to_thread(authenticator.authenticate, key)
    except AuthenticationFailed as exc:
        await _audit_failure(services, info, exc.code, authenticator.prefix_or_none(key))
        raise
    request.state.principal_id = caller.principal_id
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def require(action: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency that admits only callers whose roles allow ``action`` (policies/endpoints.csv);
    refusals are audited."""

    async def permitted(caller: CallerDep, services: ServicesDep, info: RequestInfoDep) -> Caller:
        if services.endpoint_guard.allows(caller, action):
            return caller
        event = AuditEvent.by(caller, action, "denied", "endpoint_forbidden",
                              request_id=info.request_id, client_addr=info.client_addr)
        await services.audit.record_durable(event)
        raise PermissionDenied("forbidden", f"this principal may not perform {action}")

    permitted.__name__ = f"require_{action.replace(':', '_')}"
    return permitted
