"""A Python client for internal systems calling pii-guard, sync (``Client``) and async
(``AsyncClient``), built on ``httpx``.

    from pii_guard.client import Client

    with Client("http://127.0.0.1:8000", api_key="pgk_...") as pii:
        result = pii.protect("customer_service", record={"mobile": "13812345678"},
                             subject_id="C0001")
        result.record["mobile"]        # '138****5678'
        result.event_id                # the audit event that recorded the call

Retries only where it is safe: a request that never reached the server (connection refused
or a connect timeout) is retried for every call; a 503 (database or audit log unavailable,
nothing was released) is retried only for calls that change nothing (protect, classify,
detokenize, reads). A read timeout is never retried: the server may have acted. Every
failure raises ``ApiError`` with the server's stable error code.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=2.0)
RETRIABLE_STATUS = frozenset({503})


class ApiError(Exception):
    """A refused or failed call: ``status`` (HTTP), ``code`` (stable), ``message``."""

    def __init__(self, status: int, code: str, message: str, request_id: str | None) -> None:
        self.status, self.code, self.message, self.request_id = status, code, message, request_id
        super().__init__(f"{status} {code}: {message}")


@dataclass(frozen=True, slots=True)
class Finding:
    entity: str
    category: str
    tier: str
    treatment: str
    reason: str
    field: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class ProtectResult:
    findings: list[Finding]
    event_id: str
    text: str | None = None
    record: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One item of a batch: a result, or the error that refused this item alone."""

    result: ProtectResult | None
    error: ApiError | None
    event_id: str | None


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    status: str
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    path: str
    body: Any
    safe_to_retry: bool  # changes nothing on the server, so a 503 may be retried


def _protect_body(purpose: str, text: str | None, record: Mapping[str, Any] | None,
                  subject_id: str | None) -> dict[str, Any]:
    if (text is None) == (record is None):
        raise ValueError("pass exactly one of text= or record=")
    body: dict[str, Any] = {"purpose": purpose}
    if subject_id is not None:
        body["subject_id"] = subject_id
    if text is not None:
        body["text"] = text
    else:
        body["record"] = dict(record or {})
    return body


def _result(data: Mapping[str, Any]) -> ProtectResult:
    return ProtectResult(findings=[Finding(**f) for f in data.get("findings", [])],
                         event_id=data["event_id"], text=data.get("text"),
                         record=data.get("record"))


def _batch(data: Mapping[str, Any]) -> list[BatchResult]:
    results: list[BatchResult] = []
    for item in data["items"]:
        error = item.get("error")
        if error:
            results.append(BatchResult(None, ApiError(200, error["code"], error["message"],
                                                      None), item.get("event_id")))
        else:
            results.append(BatchResult(_result(item), None, item["event_id"]))
    return results


def _error(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
        detail = body.get("error", body) if isinstance(body, dict) else {}
        code, message = str(detail.get("code", "http_error")), str(detail.get("message", ""))
    except ValueError:
        code, message = "http_error", response.reason_phrase
    return ApiError(response.status_code, code, message, response.headers.get("x-request-id"))


class _Base:
    def __init__(self, base_url: str, api_key: str, *, retries: int, backoff: float) -> None:
        if not api_key:
            raise ValueError("an API key is required")
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}",
                         "User-Agent": "pii-guard-client"}
        self._retries = retries
        self._backoff = backoff

    def _should_retry(self, call: _Call, attempt: int, response: httpx.Response | None,
                      error: Exception | None) -> bool:
        if attempt >= self._retries:
            return False
        if error is not None:
            return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
        return (call.safe_to_retry and response is not None
                and response.status_code in RETRIABLE_STATUS)

    def _delay(self, attempt: int) -> float:
        return float(self._backoff * (2 ** attempt))

    @staticmethod
    def _unwrap(response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise _error(response)
        return response.json()

    # -- the calls, as data: both clients send the same requests ----------------------------

    @staticmethod
    def _protect(purpose: str, text: str | None, record: Mapping[str, Any] | None,
                 subject_id: str | None) -> _Call:
        return _Call("POST", "/v1/protect", _protect_body(purpose, text, record, subject_id),
                     True)

    @staticmethod
    def _protect_batch(items: Sequence[Mapping[str, Any]]) -> _Call:
        return _Call("POST", "/v1/protect/batch", {"items": list(items)}, True)

    @staticmethod
    def _detokenize(purpose: str, tokens: Sequence[tuple[str, str]],
                    subject_id: str | None) -> _Call:
        body: dict[str, Any] = {"purpose": purpose, "tokens": [
            {"entity": entity, "token": token} for entity, token in tokens]}
        if subject_id is not None:
            body["subject_id"] = subject_id
        return _Call("POST", "/v1/detokenize", body, True)

    @staticmethod
    def _classify(text: str | None, record: Mapping[str, Any] | None) -> _Call:
        body = _protect_body("x", text, record, None)
        body.pop("purpose")
        return _Call("POST", "/v1/classify", body, True)

    @staticmethod
    def _record_consent(subject_id: str, purpose: str, notice_version: str, channel: str,
                        separate: bool, categories: Sequence[str] | None,
                        expires_at: str | None) -> _Call:
        body: dict[str, Any] = {"purpose": purpose, "notice_version": notice_version,
                                "channel": channel, "separate": separate}
        if categories is not None:
            body["categories"] = list(categories)
        if expires_at is not None:
            body["expires_at"] = expires_at
        return _Call("POST", f"/v1/subjects/{subject_id}/consents", body, False)

    @staticmethod
    def _withdraw_consent(subject_id: str, purpose: str) -> _Call:
        return _Call("POST", f"/v1/subjects/{subject_id}/consents/{purpose}/withdraw", None,
                     False)

    @staticmethod
    def _request_grant(subject_ids: Sequence[str], purpose: str, tier: str, treatment: str,
                       duration_minutes: int, justification: str) -> _Call:
        return _Call("POST", "/v1/grants", {
            "subject_ids": list(subject_ids), "purpose": purpose, "tier": tier,
            "treatment": treatment, "duration_minutes": duration_minutes,
            "justification": justification}, False)


class Client(_Base):
    """Blocking client; one connection pool, closed by ``close()`` or ``with``."""

    def __init__(self, base_url: str, api_key: str, *, timeout: httpx.Timeout | float =
                 DEFAULT_TIMEOUT, retries: int = 2, backoff: float = 0.2,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(base_url, api_key, retries=retries, backoff=backoff)
        self._http = httpx.Client(base_url=self._base_url, headers=self._headers,
                                  timeout=timeout, transport=transport)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: _Call) -> Any:
        attempt = 0
        while True:
            try:
                response = self._http.request(call.method, call.path, json=call.body)
            except httpx.TransportError as exc:
                if not self._should_retry(call, attempt, None, exc):
                    raise
            else:
                if not self._should_retry(call, attempt, response, None):
                    return self._unwrap(response)
            time.sleep(self._delay(attempt))
            attempt += 1

    def protect(self, purpose: str, *, text: str | None = None,
                record: Mapping[str, Any] | None = None,
                subject_id: str | None = None) -> ProtectResult:
        return _result(self._send(self._protect(purpose, text, record, subject_id)))

    def protect_batch(self, items: Sequence[Mapping[str, Any]]) -> list[BatchResult]:
        return _batch(self._send(self._protect_batch(items)))

    def detokenize(self, purpose: str, tokens: Sequence[tuple[str, str]], *,
                   subject_id: str | None = None) -> list[str]:
        """``tokens`` as ``(entity, token)`` pairs; the clear values in the same order."""
        return list(self._send(self._detokenize(purpose, tokens, subject_id))["values"])

    def classify(self, *, text: str | None = None,
                 record: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return list(self._send(self._classify(text, record))["findings"])

    def record_consent(self, subject_id: str, purpose: str, *, notice_version: str,
                       channel: str, separate: bool = False,
                       categories: Sequence[str] | None = None,
                       expires_at: str | None = None) -> dict[str, Any]:
        return dict(self._send(self._record_consent(subject_id, purpose, notice_version,
                                                    channel, separate, categories,
                                                    expires_at)))

    def withdraw_consent(self, subject_id: str, purpose: str) -> dict[str, Any]:
        return dict(self._send(self._withdraw_consent(subject_id, purpose)))

    def request_grant(self, subject_ids: Sequence[str], purpose: str, *, tier: str,
                      treatment: str, duration_minutes: int, justification: str) -> Grant:
        data = self._send(self._request_grant(subject_ids, purpose, tier, treatment,
                                              duration_minutes, justification))
        return Grant(data["id"], data["status"], data)


class AsyncClient(_Base):
    """The same calls for asyncio services."""

    def __init__(self, base_url: str, api_key: str, *, timeout: httpx.Timeout | float =
                 DEFAULT_TIMEOUT, retries: int = 2, backoff: float = 0.2,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(base_url, api_key, retries=retries, backoff=backoff)
        self._http = httpx.AsyncClient(base_url=self._base_url, headers=self._headers,
                                       timeout=timeout, transport=transport)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: _Call) -> Any:
        attempt = 0
        while True:
            try:
                response = await self._http.request(call.method, call.path, json=call.body)
            except httpx.TransportError as exc:
                if not self._should_retry(call, attempt, None, exc):
                    raise
            else:
                if not self._should_retry(call, attempt, response, None):
                    return self._unwrap(response)
            await asyncio.sleep(self._delay(attempt))
            attempt += 1

    async def protect(self, purpose: str, *, text: str | None = None,
                      record: Mapping[str, Any] | None = None,
                      subject_id: str | None = None) -> ProtectResult:
        return _result(await self._send(self._protect(purpose, text, record, subject_id)))

    async def protect_batch(self, items: Sequence[Mapping[str, Any]]) -> list[BatchResult]:
        return _batch(await self._send(self._protect_batch(items)))

    async def detokenize(self, purpose: str, tokens: Sequence[tuple[str, str]], *,
                         subject_id: str | None = None) -> list[str]:
        data = await self._send(self._detokenize(purpose, tokens, subject_id))
        return list(data["values"])

    async def classify(self, *, text: str | None = None,
                       record: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return list((await self._send(self._classify(text, record)))["findings"])

    async def record_consent(self, subject_id: str, purpose: str, *, notice_version: str,
                             channel: str, separate: bool = False,
                             categories: Sequence[str] | None = None,
                             expires_at: str | None = None) -> dict[str, Any]:
        return dict(await self._send(self._record_consent(
            subject_id, purpose, notice_version, channel, separate, categories, expires_at)))

    async def withdraw_consent(self, subject_id: str, purpose: str) -> dict[str, Any]:
        return dict(await self._send(self._withdraw_consent(subject_id, purpose)))

    async def request_grant(self, subject_ids: Sequence[str], purpose: str, *, tier: str,
                            treatment: str, duration_minutes: int,
                            justification: str) -> Grant:
        data = await self._send(self._request_grant(subject_ids, purpose, tier, treatment,
                                                    duration_minutes, justification))
        return Grant(data["id"], data["status"], data)
