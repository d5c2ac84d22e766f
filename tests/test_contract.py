"""The published HTTP contract (api/openapi.json) is exactly what the application serves."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from pii_guard.api.app import create_app
from pii_guard.cli import openapi_text
from pii_guard.config import Settings

CONTRACT = Path(__file__).resolve().parents[1] / "api" / "openapi.json"


def test_checked_in_contract_matches_the_application() -> None:
    generated = openapi_text(create_app(Settings()).openapi())
    assert CONTRACT.read_text(encoding="utf-8") == generated, (
        "api/openapi.json is stale: run `pii-guard openapi -o api/openapi.json`"
    )


def test_served_contract_matches_the_checked_in_file(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    assert served == json.loads(CONTRACT.read_text(encoding="utf-8"))
