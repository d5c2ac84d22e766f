"""The Python client against the real service over real HTTP (uvicorn on a local port)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from pii_guard.api.app import create_app
from pii_guard.client import ApiError, AsyncClient, Client
from pii_guard.services import Services
from tests.test_serve import free_port

RECORD = {"name": "张三", "mobile": "13812345678", "card_pin": "654321"}


@pytest.fixture
def base_url(services: Services) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services.settings, services),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_protect_returns_the_treated_record_with_typed_findings(
        base_url: str, demo_keys: dict[str, str]) -> None:
    with Client(base_url, demo_keys["crm-service"]) as client:
        result = client.protect("customer_service", record=RECORD, subject_id="C0001")
    assert result.record == {"name": "张*", "mobile": "138****5678",
                             "card_pin": "<AUTH_SECRET>"}
    assert {f.field: f.treatment for f in result.findings} == {
        "$.name": "mask", "$.mobile": "mask", "$.card_pin": "redact"}
    assert result.event_id


def test_the_async_client_protects_text_with_offsets_in_the_returned_text(
        base_url: str, demo_keys: dict[str, str]) -> None:
    async def call() -> str:
        async with AsyncClient(base_url, demo_keys["crm-service"]) as client:
            result = await client.protect("customer_service", text="手机13812345678请回电")
            assert result.text is not None
            finding = result.findings[0]
            assert finding.start is not None
            return result.text[finding.start:finding.end]

    assert asyncio.run(call()) == "138****5678"


def test_a_refusal_raises_an_api_error_with_the_stable_code(
        base_url: str, demo_keys: dict[str, str]) -> None:
    with Client(base_url, demo_keys["claims-service"]) as client, \
            pytest.raises(ApiError) as refused:
        client.protect("marketing", record=RECORD, subject_id="C0001")
    assert (refused.value.status, refused.value.code) == (403, "purpose_not_allowed")
    assert refused.value.request_id


def test_a_batch_answers_each_item_and_refuses_items_alone(
        base_url: str, demo_keys: dict[str, str]) -> None:
    with Client(base_url, demo_keys["crm-service"]) as client:
        results = client.protect_batch([
            {"purpose": "customer_service", "record": RECORD},
            {"purpose": "marketing", "record": RECORD},
        ])
    assert results[0].result is not None
    assert results[0].result.record is not None
    assert results[0].result.record["mobile"] == "138****5678"
    assert results[1].error is not None
    assert results[1].error.code == "purpose_not_allowed"
    assert results[1].event_id


def test_an_unreachable_service_raises_after_the_retries(demo_keys: dict[str, str]) -> None:
    client = Client(f"http://127.0.0.1:{free_port()}", demo_keys["crm-service"], retries=2,
                    backoff=0.01)
    with client, pytest.raises(httpx.ConnectError):
        client.protect("customer_service", record=RECORD)


def test_a_client_without_a_key_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="API key"):
        Client("http://127.0.0.1:1", "")
