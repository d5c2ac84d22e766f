"""ASGI middleware: request ids, access log and metrics, and the request-size limits.

Written as plain ASGI callables (not ``BaseHTTPMiddleware``) so they add little to every call
and can refuse an oversized body before reading it.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pii_guard.api.errors import error_payload, unexpected_error
from pii_guard.api.metrics import HttpMetrics

log = structlog.get_logger("pii_guard.access")

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")
_STRUCTURE = re.compile(rb'[\[\]{}"]')
_STRING_REST = re.compile(rb'(?:[^"\\]|\\.)*"')


async def send_error(send: Send, status: int, code: str, message: str, request_id: str) -> None:
    body = json.dumps(error_payload(code, message, request_id)).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (REQUEST_ID_HEADER, request_id.encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Gives every request an id (kept from ``X-Request-ID`` when well-formed), echoes it on the
    response, writes one access-log line and the metrics, and turns unexpected errors into a
    500 (or 503 for database faults) without logging their message."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.match(value):
                request_id = value.decode()
        request_id = request_id or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [h for h in message.get("headers", []) if h[0] != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message["headers"] = headers
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # the last line of defence: answer, never leak
            response = unexpected_error(exc, request_id)
            status = response.status_code
            if not response_started:
                await response(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            route_path = getattr(route, "path", "unmatched")
            self.metrics.observe(scope["method"], route_path, status, elapsed)
            state = scope.get("state", {})
            log.info("request", method=scope["method"], route=route_path, status=status,
                     ms=round(elapsed * 1000, 2), principal=state.get("principal_id"))
            structlog.contextvars.unbind_contextvars("request_id")


def json_depth(body: bytes, stop_above: int | None = None) -> int:
    """Deepest nesting of arrays and objects, ignoring brackets inside strings; linear time.

    Each string is skipped with one anchored match; an unterminated string ends the scan
    (the JSON parser rejects such a body afterwards). With ``stop_above``, returns as soon as
    the depth exceeds it.
    """
    openers = body.count(b"[") + body.count(b"{")
    if openers <= 1:
        return openers
    depth = deepest = 0
    position = 0
    while True:
        match = _STRUCTURE.search(body, position)
        if match is None:
            return deepest
        token = match.group()
        position = match.end()
        if token == b'"':
            rest = _STRING_REST.match(body, position)
            if rest is None:
                return deepest
            position = rest.end()
        elif token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                return deepest
        else:
            depth -= 1


class RequestLimitsMiddleware:
    """Refuses bodies over ``max_body_bytes`` (413, before reading when Content-Length says so)
    and JSON nested deeper than ``max_json_depth`` (422), before any parsing."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_json_depth: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        request_id: str = scope.get("state", {}).get("request_id", "")
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        too_large = f"request body exceeds {self.max_body_bytes} bytes"
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_error(send, 413, "payload_too_large", too_large, request_id)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await send_error(send, 413, "payload_too_large", too_large, request_id)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"")
        if b"json" in content_type and json_depth(body, self.max_json_depth) > self.max_json_depth:
            await send_error(send, 422, "json_too_deep",
                             f"JSON nesting deeper than {self.max_json_depth}", request_id)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def client_address(scope: dict[str, Any]) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None
