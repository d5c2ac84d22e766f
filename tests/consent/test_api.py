"""Purposes, notices and consent over HTTP, as the acceptance scenario uses them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from pii_guard.consent.notices import sha256_text
from pii_guard.services import Services
from pii_guard.store.engine import transaction
from pii_guard.store.models import AuditEventRow
from tests.conftest import bearer

CONSENT = {"purpose": "marketing", "categories": ["contact"], "separate": False,
           "notice_version": "2026-01", "channel": "counter", "evidence_ref": "form-88123"}


def record(client: TestClient, key: str, subject: str = "C0001", **changes: Any) -> Any:
    return client.post(f"/v1/subjects/{subject}/consents", json={**CONSENT, **changes},
                       headers=bearer(key))


def audit_actions(services: Services) -> list[tuple[str, str, str | None, str | None]]:
    services.audit.flush()
    with transaction(services.session_factory) as session:
        rows = session.scalars(select(AuditEventRow).order_by(AuditEventRow.occurred_at))
        return [(r.action, r.decision, r.subject_ref, r.purpose) for r in rows
                if r.action.startswith("consent")]


def test_crm_service_records_consent_citing_the_demo_notice(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    response = record(client, demo_keys["crm-service"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "grant"
    assert body["recorded_by"] == "crm-service"
    assert body["categories"] == ["contact"]
    notice = client.get("/v1/notices/2026-01", headers=bearer(demo_keys["steward-a"])).json()
    assert body["notice_hash"] == sha256_text(notice["text"]) == notice["sha256"]


def test_withdrawal_is_one_call_and_takes_effect_on_the_next_check(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    record(client, demo_keys["crm-service"])
    assert services.consent.check_for("C0001", "marketing").permits(
        "contact", sensitive=False).allowed
    response = client.post("/v1/subjects/C0001/consents/marketing/withdraw",
                           headers=bearer(demo_keys["crm-service"]))
    assert response.status_code == 200
    assert response.json()["kind"] == "withdraw"
    assert services.consent.check_for("C0001", "marketing").permits(
        "contact", sensitive=False).reason == "consent_withdrawn"


def test_subject_view_shows_every_consent_with_its_history(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    crm = demo_keys["crm-service"]
    record(client, crm)
    client.post("/v1/subjects/C0001/consents/marketing/withdraw", headers=bearer(crm))
    record(client, crm, categories=[])
    view = client.get("/v1/subjects/C0001/consents", headers=bearer(demo_keys["auditor"]))
    assert view.status_code == 200
    (marketing,) = view.json()["consents"]
    assert marketing["status"] == "granted"
    assert marketing["active"] is True
    assert [event["kind"] for event in marketing["history"]] == ["grant", "withdraw", "grant"]


def test_every_consent_change_is_an_audit_event(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    crm = demo_keys["crm-service"]
    record(client, crm)
    client.post("/v1/subjects/C0001/consents/marketing/withdraw", headers=bearer(crm))
    assert audit_actions(services) == [
        ("consent.grant", "allowed", "C0001", "marketing"),
        ("consent.withdraw", "allowed", "C0001", "marketing"),
    ]


def test_unknown_purpose_notice_and_channel_have_stable_codes(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    crm = demo_keys["crm-service"]
    cases = [({"purpose": "astrology"}, "unknown_purpose"),
             ({"notice_version": "1999-01"}, "unknown_notice_version"),
             ({"channel": "pigeon"}, "invalid_channel"),
             ({"categories": ["address"]}, "category_outside_purpose"),
             ({"categories": ["horoscope"]}, "unknown_category")]
    for change, code in cases:
        response = record(client, crm, **change)
        assert (response.status_code, response.json()["error"]["code"]) == (422, code)


def test_a_refused_consent_is_audited_as_denied(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    record(client, demo_keys["crm-service"], channel="pigeon")
    assert audit_actions(services) == [("consent.grant", "denied", "C0001", "marketing")]


def test_withdrawing_a_consent_never_given_is_not_found(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    response = client.post("/v1/subjects/C0009/consents/marketing/withdraw",
                           headers=bearer(demo_keys["crm-service"]))
    assert (response.status_code, response.json()["error"]["code"]) == (404, "consent_not_found")


def test_auditors_read_consents_but_may_not_record_them(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    assert record(client, demo_keys["auditor"]).status_code == 403
    assert client.get("/v1/subjects/C0001/consents",
                      headers=bearer(demo_keys["auditor"])).status_code == 200
    assert client.get("/v1/subjects/C0001/consents",
                      headers=bearer(demo_keys["marketing-service"])).status_code == 403


def test_stewards_change_a_purpose_and_the_check_follows(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    steward = demo_keys["steward-a"]
    current = client.get("/v1/purposes/marketing", headers=bearer(steward)).json()
    changed = {k: current[k] for k in ("name_zh", "name_en", "description", "categories",
                                       "sensitive_allowed", "retention_days")}
    response = client.put("/v1/purposes/marketing", headers=bearer(steward),
                          json={**changed, "legal_basis": "consent",
                                "on_missing_consent": "refuse"})
    assert response.status_code == 200
    assert response.json()["source"] == "api"
    ruling = services.consent.check_for("C0001", "marketing").permits("contact", sensitive=False)
    assert ruling.refuse


def test_a_new_purpose_is_created_with_201_and_listed(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    steward = demo_keys["steward-a"]
    response = client.put("/v1/purposes/product_research", headers=bearer(steward), json={
        "name_zh": "产品研究", "name_en": "Product research", "legal_basis": "consent",
        "categories": ["demographic"], "retention_days": 180})
    assert response.status_code == 201
    codes = [p["code"] for p in client.get("/v1/purposes", headers=bearer(steward)).json()]
    assert "product_research" in codes


def test_a_purpose_naming_an_unknown_category_is_refused(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    response = client.put("/v1/purposes/product_research", headers=bearer(demo_keys["steward-a"]),
                          json={"name_zh": "产品研究", "name_en": "Product research",
                                "legal_basis": "consent", "categories": ["horoscope"],
                                "retention_days": 180})
    assert (response.status_code, response.json()["error"]["code"]) == (422, "unknown_category")


def test_crm_service_may_not_manage_purposes(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    response = client.put("/v1/purposes/marketing", headers=bearer(demo_keys["crm-service"]),
                          json={"name_zh": "x", "name_en": "x", "legal_basis": "contract",
                                "retention_days": 1})
    assert response.status_code == 403


def test_a_notice_version_cannot_change_its_text(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    steward = demo_keys["steward-a"]
    notice = {"version": "2026-02", "title": "v2", "text": "第二版隐私政策。"}
    assert client.post("/v1/notices", json=notice, headers=bearer(steward)).status_code == 201
    assert client.post("/v1/notices", json=notice, headers=bearer(steward)).status_code == 200
    changed = client.post("/v1/notices", json={**notice, "text": "改过的文本。"},
                          headers=bearer(steward))
    assert (changed.status_code, changed.json()["error"]["code"]) == (409,
                                                                     "notice_version_exists")
