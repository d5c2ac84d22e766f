"""``/v1/protect``, ``/v1/protect/batch`` and ``/v1/detokenize``: the rules around the main
path that the scenario does not walk through."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from pii_guard.authz.treatments import Treatment
from pii_guard.services import Services
from tests.audit.helpers import sql
from tests.conftest import bearer

NOTE = "客户张三来电，手机13812345678，卡号6222021234567890128，密码654321。"


def post(client: TestClient, key: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, headers=bearer(key), json=body)


def events(services: Services, action: str) -> list[tuple[str, str, str | None]]:
    services.audit.flush()
    with services.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT decision, reason, subject_ref FROM audit_events WHERE action = :a "
            "ORDER BY seq"), {"a": action})
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_text_findings_give_offsets_in_the_returned_text(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    body = post(client, demo_keys["crm-service"], "/v1/protect",
                {"purpose": "customer_service", "text": NOTE}).json()
    shown = {f["entity"]: body["text"][f["start"]:f["end"]] for f in body["findings"]}
    assert shown["CN_MOBILE"] == "138****5678"
    assert shown["BANK_CARD"].startswith("622202")
    assert "654321" not in body["text"]
    assert body["text"].startswith("客户")
    assert body["text"].endswith("。")


def test_every_answer_names_its_audit_event(client: TestClient, services: Services,
                                            demo_keys: dict[str, str]) -> None:
    body = post(client, demo_keys["crm-service"], "/v1/protect",
                {"purpose": "customer_service", "subject_id": "C0009", "text": NOTE}).json()
    services.audit.flush()
    with services.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT action, purpose, subject_ref, treatments FROM audit_events WHERE id = :id"),
            {"id": body["event_id"]}).one()
    assert (row.action, row.purpose, row.subject_ref) == ("protect", "customer_service",
                                                          "C0009")
    assert "mask" in row.treatments


def test_no_data_is_released_when_the_event_cannot_be_stored(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    sql(services, "ALTER TABLE audit_inbox RENAME TO audit_inbox_away")
    try:
        response = post(client, demo_keys["crm-service"], "/v1/protect",
                        {"purpose": "customer_service", "text": NOTE})
    finally:
        sql(services, "ALTER TABLE audit_inbox_away RENAME TO audit_inbox")
    assert response.status_code == 503
    assert set(response.json()) == {"error"}


def test_an_unknown_purpose_is_refused_with_a_stable_code(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    response = post(client, demo_keys["crm-service"], "/v1/protect",
                    {"purpose": "astrology", "text": NOTE})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_purpose"


def test_text_and_record_together_are_refused(client: TestClient,
                                              demo_keys: dict[str, str]) -> None:
    response = post(client, demo_keys["crm-service"], "/v1/protect",
                    {"purpose": "customer_service", "text": NOTE, "record": {}})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "text_or_record"


def test_stewards_and_auditors_cannot_call_the_main_path(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    for principal in ("steward-a", "auditor"):
        response = post(client, demo_keys[principal], "/v1/protect",
                        {"purpose": "customer_service", "text": NOTE})
        assert response.status_code == 403


def test_a_batch_records_one_event_per_item(client: TestClient, services: Services,
                                            demo_keys: dict[str, str]) -> None:
    items = [{"purpose": "customer_service", "subject_id": f"C{i:04d}", "text": NOTE}
             for i in range(3)]
    body = post(client, demo_keys["crm-service"], "/v1/protect/batch", {"items": items}).json()
    assert len({item["event_id"] for item in body["items"]}) == 3
    assert [e[2] for e in events(services, "protect")] == ["C0000", "C0001", "C0002"]


def test_a_batch_above_the_limit_is_refused(client: TestClient, services: Services,
                                            demo_keys: dict[str, str]) -> None:
    items = [{"purpose": "customer_service", "text": "x"}] * (
        services.settings.max_batch_items + 1)
    response = post(client, demo_keys["crm-service"], "/v1/protect/batch", {"items": items})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_many_items"


def test_a_token_comes_back_in_clear_only_to_a_caller_who_sees_the_value_in_clear(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    token = services.treatments.apply("6222021234567890128", entity="BANK_CARD",
                                      treatment=Treatment.TOKEN, subject_id="C0001")
    request = {"purpose": "claims_handling", "subject_id": "C0001",
               "tokens": [{"entity": "BANK_CARD", "token": token}]}
    allowed = post(client, demo_keys["claims-service"], "/v1/detokenize", request)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["values"] == ["6222021234567890128"]

    masked_only = post(client, demo_keys["crm-service"], "/v1/detokenize",
                       {**request, "purpose": "customer_service"})
    assert masked_only.status_code == 403
    assert masked_only.json()["error"]["code"] == "detokenize_not_allowed"
    assert [e[0] for e in events(services, "detokenize")] == ["allowed", "denied"]


def test_a_string_that_is_no_token_is_refused(client: TestClient,
                                              demo_keys: dict[str, str]) -> None:
    response = post(client, demo_keys["claims-service"], "/v1/detokenize", {
        "purpose": "claims_handling", "tokens": [{"entity": "BANK_CARD", "token": "12"}]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_token"


def test_a_token_of_a_crypto_shredded_subject_is_gone_with_410(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    token = services.treatments.apply("张三", entity="PERSON", treatment=Treatment.TOKEN,
                                      subject_id="C0001")
    services.treatments.keys.shred_subject("C0001", reason="PIPL Art. 47 erasure request")
    response = post(client, demo_keys["claims-service"], "/v1/detokenize", {
        "purpose": "claims_handling", "subject_id": "C0001",
        "tokens": [{"entity": "PERSON", "token": token}]})
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "subject_key_shredded"
