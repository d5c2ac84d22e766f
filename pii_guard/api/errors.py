"""The one place where errors become HTTP responses: ``{"error": {code, message, request_id}}``.

Validation messages name the location of a problem but never echo the offending input, since
inputs are personal data.
"""

from __future__ import annotations

import traceback
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pii_guard.errors import PiiGuardError
from pii_guard.store.engine import DATABASE_FAULTS, is_database_fault

log = structlog.get_logger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "")


def error_payload(code: str, message: str, request_id: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "request_id": request_id}}


def error_response(status: int, code: str, message: str, request_id: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_payload(code, message, request_id), status_code=status,
                        headers=headers)


def describe_validation(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        location = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{location}: {error.get('msg', 'invalid')}")
    if len(exc.errors()) > 5:
        problems.append(f"... and {len(exc.errors()) - 5} more")
    return "; ".join(problems)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PiiGuardError)
    async def _pii_guard_error(request: Request, exc: PiiGuardError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.code, exc.message, request_id_of(request), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", describe_validation(exc),
                              request_id_of(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, request_id_of(request),
                              dict(exc.headers) if exc.headers else None)

    async def _database_fault(request: Request, exc: Exception) -> JSONResponse:
        log.error("database_unavailable", error=type(exc).__name__)
        return error_response(503, "database_unavailable", "the database cannot be reached",
                              request_id_of(request))

    for fault in DATABASE_FAULTS:
        app.add_exception_handler(fault, _database_fault)


def safe_traceback(exc: BaseException) -> list[str]:
    """Where an error happened (file, line, function), without its message or any values."""
    return [f"{frame.filename}:{frame.lineno} {frame.name}"
            for frame in traceback.extract_tb(exc.__traceback__)][-12:]


def unexpected_error(exc: BaseException, request_id: str) -> JSONResponse:
    """The answer to an error nobody anticipated: logged by type and place only."""
    if is_database_fault(exc):
        log.error("database_unavailable", error=type(exc).__name__)
        return error_response(503, "database_unavailable", "the database cannot be reached",
                              request_id)
    log.error("unhandled_error", error=type(exc).__name__, where=safe_traceback(exc))
    return error_response(500, "internal_error", "internal error", request_id)
