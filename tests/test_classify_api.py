"""``POST /v1/classify`` on both storage backends: findings without values, limits with stable
codes, the endpoint permission, and the audit event written before the answer."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from pii_guard.services import Services
from pii_guard.store.models.audit import AuditEventRow
from tests.conftest import bearer

TEXT = "客户手机13812345678，身份证号110105199001011232，密码：Abc12345"
RAW_VALUES = ("13812345678", "110105199001011232", "Abc12345")


def classify(client: TestClient, key: str, body: object) -> tuple[int, dict[str, object]]:
    response = client.post("/v1/classify", json=body, headers=bearer(key))
    return response.status_code, response.json()


def test_a_text_is_classified_without_returning_values(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    status, body = classify(client, demo_keys["crm-service"], {"text": TEXT})
    assert status == 200
    findings = body["findings"]
    assert isinstance(findings, list)
    assert [(f["entity"], f["tier"], TEXT[f["start"]:f["end"]]) for f in findings] == [
        ("CN_MOBILE", "C2", "13812345678"), ("CN_RESIDENT_ID", "C2", "110105199001011232"),
        ("AUTH_SECRET", "C3", "Abc12345")]
    assert findings[2] == {"entity": "AUTH_SECRET", "category": "authentication_secret",
                           "tier": "C3", "level": 4, "sensitive": True, "score": 0.85,
                           "start": TEXT.index("Abc12345"), "end": len(TEXT), "field": None}
    assert not any(value in json.dumps(body) for value in RAW_VALUES)


def test_a_record_is_classified_with_field_paths(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    record = {"khxm": "张三", "sjhm": "13812345678", "order_no": "6222021234567890128",
              "cards": [{"yhkh": 6222021234567890128}]}
    status, body = classify(client, demo_keys["claims-service"], {"record": record})
    assert status == 200
    assert [(f["field"], f["entity"], f["start"], f["end"]) for f in body["findings"]] == [
        ("$.khxm", "PERSON", 0, 2), ("$.sjhm", "CN_MOBILE", 0, 11),
        ("$.cards[0].yhkh", "BANK_CARD", 0, 19)]


def test_each_call_is_audited_with_fields_entities_and_tiers_but_no_value(
        client: TestClient, demo_keys: dict[str, str], services: Services) -> None:
    status, body = classify(client, demo_keys["crm-service"],
                            {"record": {"note": TEXT, "mobile": "13912345678"}})
    assert status == 200
    services.audit.flush()  # events reach audit_events when the sequencer has ordered them
    with services.session_factory() as session:
        row = session.scalars(select(AuditEventRow).where(
            AuditEventRow.id == body["event_id"])).one()
        assert (row.action, row.decision, row.principal_id) == (
            "classify", "allowed", "crm-service")
        assert row.fields == ["$.mobile", "$.note"]
        assert row.entities == ["AUTH_SECRET", "CN_MOBILE", "CN_RESIDENT_ID"]
        assert row.tiers == ["C2", "C3"]
        stored = json.dumps([row.details, row.fields, row.entities], ensure_ascii=False)
    assert not any(value in stored for value in (*RAW_VALUES, "13912345678"))


def test_a_role_without_the_permission_is_refused(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    status, body = classify(client, demo_keys["auditor"], {"text": TEXT})
    assert (status, body["error"]["code"]) == (403, "forbidden")


def test_an_unauthenticated_call_is_refused(client: TestClient) -> None:
    response = client.post("/v1/classify", json={"text": TEXT})
    assert (response.status_code, response.json()["error"]["code"]) == (401,
                                                                         "missing_credentials")


def test_exactly_one_of_text_and_record_is_required(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    key = demo_keys["crm-service"]
    for body in ({}, {"text": "a", "record": {}}):
        status, answer = classify(client, key, body)
        assert (status, answer["error"]["code"]) == (422, "text_or_record")


def test_a_text_over_the_limit_is_refused_without_echoing_it(
        client: TestClient, demo_keys: dict[str, str], services: Services) -> None:
    text = "13812345678" + "x" * services.settings.max_text_chars
    status, body = classify(client, demo_keys["crm-service"], {"text": text})
    assert (status, body["error"]["code"]) == (413, "text_too_long")
    assert "13812345678" not in json.dumps(body)


def test_a_record_over_the_field_limit_is_refused(
        client: TestClient, demo_keys: dict[str, str], services: Services) -> None:
    record = {f"f{i}": i for i in range(services.settings.max_record_fields + 1)}
    status, body = classify(client, demo_keys["crm-service"], {"record": record})
    assert (status, body["error"]["code"]) == (413, "too_many_fields")


def test_a_large_text_is_classified_off_the_event_loop_with_the_same_result(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    text = ("客户来电。" * 5000) + "手机13812345678"
    status, body = classify(client, demo_keys["crm-service"], {"text": text})
    assert status == 200
    assert [(f["entity"], f["start"]) for f in body["findings"]] == [("CN_MOBILE", 25002)]


def test_readiness_reports_the_rule_pack(client: TestClient) -> None:
    assert client.get("/readyz").json()["checks"]["rule_pack"] == "ok"
