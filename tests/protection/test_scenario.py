"""The acceptance scenario of the classify-and-mask API, on the demo organisation, step by
step (issue 10), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pii_guard.services import Services
from tests.conftest import bearer

RECORD = {"customer_id": "C0001", "name": "张三", "id_no": "110105198806151238",
          "mobile": "13812345678", "bank_card": "6222021234567890128",
          "address": "上海市浦东新区世纪大道100号1幢1201室", "card_pin": "654321",
          "note": "客户张三来电，手机13812345678，要求修改地址。"}
SECRETS = ("110105198806151238", "13812345678", "6222021234567890128", "654321")
CONSENT = {"purpose": "marketing", "separate": False, "notice_version": "2026-01",
           "channel": "app"}


def protect(client: TestClient, key: str, purpose: str, subject: str = "C0001",
            record: dict[str, Any] | None = None) -> Any:
    return client.post("/v1/protect", headers=bearer(key), json={
        "purpose": purpose, "subject_id": subject, "record": record or RECORD})


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def treatments(body: dict[str, Any]) -> dict[str, str]:
    return {f["field"]: f["treatment"] for f in body["findings"]}


@pytest.fixture
def keys(demo_keys: dict[str, str]) -> dict[str, str]:
    return demo_keys


def test_step1_customer_service_sees_masked_values(client: TestClient,
                                                   keys: dict[str, str]) -> None:
    record = ok(protect(client, keys["crm-service"], "customer_service"))["record"]
    assert record["customer_id"] == "C0001"
    assert record["name"] == "张*"
    assert record["mobile"] == "138****5678"
    assert record["bank_card"].startswith("622202")
    assert record["bank_card"].endswith("0128")
    assert "1234567890" not in record["bank_card"]
    assert record["id_no"] != RECORD["id_no"]
    assert "*" in record["id_no"]
    assert record["address"].startswith("上海市浦东新区")
    assert "世纪大道" not in record["address"]
    assert "1201" not in record["address"]
    assert record["card_pin"] == "<AUTH_SECRET>"
    assert "13812345678" not in record["note"]
    assert "138****5678" in record["note"]


def test_step1_findings_point_into_the_returned_values(client: TestClient,
                                                       keys: dict[str, str]) -> None:
    body = ok(protect(client, keys["crm-service"], "customer_service"))
    note = [f for f in body["findings"] if f["field"] == "$.note" and f["entity"] == "CN_MOBILE"]
    assert note
    assert note[0]["treatment"] == "mask"
    assert note[0]["reason"] == "policy"
    assert body["record"]["note"][note[0]["start"]:note[0]["end"]] == "138****5678"
    pin = next(f for f in body["findings"] if f["field"] == "$.card_pin")
    assert (pin["tier"], pin["treatment"]) == ("C3", "redact")
    assert body["event_id"]


def test_step2_claims_handling_sees_identifiers_in_clear_but_never_the_pin(
        client: TestClient, keys: dict[str, str]) -> None:
    record = ok(protect(client, keys["claims-service"], "claims_handling"))["record"]
    for name in ("name", "id_no", "mobile", "bank_card", "address"):
        assert record[name] == RECORD[name]
    assert record["card_pin"] == "<AUTH_SECRET>"


def test_step3_a_purpose_the_caller_lacks_is_refused_and_recorded(
        client: TestClient, services: Services, keys: dict[str, str]) -> None:
    response = protect(client, keys["claims-service"], "marketing")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "purpose_not_allowed"
    services.audit.flush()
    with services.engine.connect() as connection:
        denied = connection.execute(text(
            "SELECT purpose, subject_ref FROM audit_events WHERE action = 'protect' "
            "AND decision = 'denied' AND principal_id = 'claims-service'")).all()
    assert [tuple(row) for row in denied] == [("marketing", "C0001")]


def test_step4_marketing_follows_consent_given_and_withdrawn(
        client: TestClient, keys: dict[str, str]) -> None:
    marketing, crm = keys["marketing-service"], keys["crm-service"]
    before = ok(protect(client, marketing, "marketing"))
    assert before["record"]["mobile"] == "<CN_MOBILE>"
    assert [f["reason"] for f in before["findings"] if f["field"] == "$.mobile"] == ["no_consent"]

    given = client.post("/v1/subjects/C0001/consents", headers=bearer(crm), json=CONSENT)
    assert given.status_code == 201, given.text
    during = ok(protect(client, marketing, "marketing"))["record"]
    assert during["mobile"] == "13812345678"
    assert during["id_no"] == "<CN_RESIDENT_ID>"
    assert during["bank_card"] == "<BANK_CARD>"

    withdrawn = client.post("/v1/subjects/C0001/consents/marketing/withdraw",
                            headers=bearer(crm))
    assert withdrawn.status_code == 200, withdrawn.text
    after = ok(protect(client, marketing, "marketing"))["record"]
    assert after["mobile"] == "<CN_MOBILE>"


def test_step5_an_approved_grant_shows_one_subject_in_clear_until_revoked(
        client: TestClient, keys: dict[str, str]) -> None:
    crm = keys["crm-service"]
    other = {**RECORD, "customer_id": "C0002", "id_no": "110105199001011232"}
    grant = client.post("/v1/grants", headers=bearer(crm), json={
        "subject_ids": ["C0001"], "purpose": "customer_service", "tier": "C2",
        "treatment": "clear", "duration_minutes": 60,
        "justification": "customer disputes a transfer; verify identity on the call"}).json()
    assert grant["status"] == "pending"
    assert client.post(f"/v1/grants/{grant['id']}/approve",
                       headers=bearer(crm)).status_code == 403
    assert client.post(f"/v1/grants/{grant['id']}/approve",
                       headers=bearer(keys["steward-a"])).status_code == 200

    granted = ok(protect(client, crm, "customer_service"))
    assert granted["record"]["id_no"] == RECORD["id_no"]
    assert [f["reason"] for f in granted["findings"] if f["field"] == "$.id_no"] == ["grant"]
    assert granted["record"]["card_pin"] == "<AUTH_SECRET>"
    stranger = ok(protect(client, crm, "customer_service", "C0002", other))["record"]
    assert stranger["id_no"] != other["id_no"]

    assert client.post(f"/v1/grants/{grant['id']}/revoke",
                       headers=bearer(keys["steward-a"])).status_code == 200
    revoked = ok(protect(client, crm, "customer_service"))["record"]
    assert revoked["id_no"] != RECORD["id_no"]


def test_step6_the_auditor_sees_every_access_and_no_value_is_stored(
        client: TestClient, services: Services, keys: dict[str, str]) -> None:
    ok(protect(client, keys["crm-service"], "customer_service"))
    ok(protect(client, keys["claims-service"], "claims_handling"))
    assert protect(client, keys["claims-service"], "marketing").status_code == 403
    ok(protect(client, keys["marketing-service"], "marketing"))
    services.audit.flush()
    auditor = bearer(keys["auditor"])
    report = client.get("/v1/audit/subjects/C0001/report", headers=auditor)
    assert report.status_code == 200, report.text
    body = report.json()
    names = {p["principal_name"] for p in body["principals"]}
    assert {"CRM service", "Claims service", "Marketing service"} <= names
    purposes = {e["purpose"] for e in body["accesses"]}
    assert {"customer_service", "claims_handling", "marketing"} <= purposes
    assert any("mask" in e["treatments"] for e in body["accesses"])
    verified = client.get("/v1/audit/verify", headers=auditor)
    assert verified.status_code == 200, verified.text
    assert verified.json()["ok"] is True, verified.text
    exported = client.get("/v1/audit/export", headers=auditor).text
    stored = _every_stored_value(services)
    for secret in SECRETS:
        assert secret not in exported
        assert secret not in json.dumps(body, ensure_ascii=False)
        assert secret not in stored


def test_step7_the_pin_is_never_in_clear_for_anyone(client: TestClient,
                                                     keys: dict[str, str]) -> None:
    for principal, purpose in (("crm-service", "customer_service"),
                               ("claims-service", "claims_handling"),
                               ("marketing-service", "marketing"),
                               ("admin", "customer_service")):
        response = protect(client, keys[principal], purpose)
        if response.status_code == 200:
            assert "654321" not in json.dumps(response.json(), ensure_ascii=False)
        else:
            assert response.status_code == 403


def _every_stored_value(services: Services) -> str:
    """Every text column of every table, concatenated: where a leaked value would be."""
    from pii_guard.store.models import Base

    chunks: list[str] = []
    with services.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks)
