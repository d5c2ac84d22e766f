"""Grants over HTTP: the acceptance scenario's step 5 and the rules around it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from pii_guard.identity.units import ensure_principal, ensure_unit, load_caller
from pii_guard.services import Services
from pii_guard.store.engine import transaction
from pii_guard.store.models import AuditEventRow
from pii_guard.store.models.authz import Grant
from tests.conftest import bearer

GRANT = {"subject_ids": ["C0001"], "purpose": "customer_service", "tier": "C2",
         "treatment": "clear", "duration_minutes": 60,
         "justification": "customer disputes a transfer; verify identity on the call"}


def treatment(services: Services, principal: str, subject: str, category: str = "identity_document",
              purpose: str = "customer_service") -> str:
    with transaction(services.session_factory) as session:
        caller = load_caller(session, principal)
    tier = services.authz.taxonomy.category_tiers[category]
    return services.decider.decide(caller, purpose, tier=tier, category=category,
                                   subject_id=subject).treatment.value


def actions(services: Services) -> list[tuple[str, str, str | None]]:
    services.audit.flush()
    with transaction(services.session_factory) as session:
        rows = session.scalars(select(AuditEventRow).order_by(AuditEventRow.occurred_at))
        return [(r.action, r.decision, r.principal_id) for r in rows
                if r.action.startswith("grant")]


def request_grant(client: TestClient, key: str, **changes: Any) -> dict[str, Any]:
    response = client.post("/v1/grants", json={**GRANT, **changes}, headers=bearer(key))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_grant_lifecycle_raises_one_subject_until_revoked(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    grant = request_grant(client, demo_keys["crm-service"])
    assert grant["status"] == "pending"
    assert treatment(services, "crm-service", "C0001") == "mask"

    own = client.post(f"/v1/grants/{grant['id']}/approve", headers=bearer(demo_keys["crm-service"]))
    assert own.status_code == 403
    approved = client.post(f"/v1/grants/{grant['id']}/approve",
                           headers=bearer(demo_keys["steward-a"]))
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert treatment(services, "crm-service", "C0001") == "clear"
    assert treatment(services, "crm-service", "C0002") == "mask"
    assert treatment(services, "crm-service", "C0001", "authentication_secret") == "redact"
    assert treatment(services, "crm-service", "C0001", purpose="claims_handling") == "deny"

    revoked = client.post(f"/v1/grants/{grant['id']}/revoke",
                          headers=bearer(demo_keys["crm-service"]))
    assert revoked.json()["status"] == "revoked"
    assert treatment(services, "crm-service", "C0001") == "mask"
    assert actions(services) == [
        ("grant.request", "allowed", "crm-service"),
        ("grants:approve", "denied", "crm-service"),
        ("grant.approve", "allowed", "steward-a"),
        ("grant.revoke", "allowed", "crm-service"),
    ]


def test_a_grant_applies_to_its_requester_only(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    grant = request_grant(client, demo_keys["crm-service"])
    client.post(f"/v1/grants/{grant['id']}/approve", headers=bearer(demo_keys["steward-a"]))
    with transaction(services.session_factory) as session:
        ensure_principal(session, "crm-service-2", display_name="CRM 2",
                         unit_code="shanghai-branch", roles=["customer_service"])
    assert treatment(services, "crm-service-2", "C0001") == "mask"


def test_a_category_grant_raises_only_that_category(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    grant = request_grant(client, demo_keys["crm-service"], tier=None, category="contact")
    assert grant["category"] == "contact"
    assert grant["tier"] is None
    client.post(f"/v1/grants/{grant['id']}/approve", headers=bearer(demo_keys["steward-a"]))
    assert treatment(services, "crm-service", "C0001", "contact") == "clear"
    assert treatment(services, "crm-service", "C0001", "identity_document") == "mask"


def test_an_expired_grant_stops_applying_and_is_marked_and_audited(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    grant = request_grant(client, demo_keys["crm-service"])
    client.post(f"/v1/grants/{grant['id']}/approve", headers=bearer(demo_keys["steward-a"]))
    assert treatment(services, "crm-service", "C0001") == "clear"
    with transaction(services.session_factory) as session:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.execute(update(Grant).values(expires_at=past))
    services.decider.reload_grants()
    assert treatment(services, "crm-service", "C0001") == "mask"
    listed = client.get("/v1/grants", params={"status": "expired"},
                        headers=bearer(demo_keys["steward-b"])).json()
    assert [g["id"] for g in listed] == [grant["id"]]
    assert services.authz.sweep() == 1
    assert services.authz.sweep() == 0
    assert ("grant.expire", "allowed", "crm-service") in actions(services)


def test_an_ungrantable_request_is_422_and_audited(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    response = client.post("/v1/grants", json={**GRANT, "tier": "C3"},
                           headers=bearer(demo_keys["crm-service"]))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_grant"
    assert "C3" in response.json()["error"]["message"]
    assert actions(services) == [("grant.request", "denied", "crm-service")]


def test_stewards_cannot_ask_and_services_cannot_approve(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    asked = client.post("/v1/grants", json=GRANT, headers=bearer(demo_keys["steward-a"]))
    assert asked.status_code == 403
    grant = request_grant(client, demo_keys["crm-service"])
    approved = client.post(f"/v1/grants/{grant['id']}/approve",
                           headers=bearer(demo_keys["claims-service"]))
    assert approved.status_code == 403


def test_an_approver_below_the_requesters_unit_cannot_approve(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    with transaction(services.session_factory) as session:
        ensure_unit(session, "pudong-sub-branch", "Pudong", "shanghai-branch")
        ensure_unit(session, "beijing-branch", "Beijing", "head-office")
        ensure_principal(session, "steward-pudong", display_name="Pudong steward",
                         unit_code="pudong-sub-branch", roles=["data_steward"])
        ensure_principal(session, "steward-beijing", display_name="Beijing steward",
                         unit_code="beijing-branch", roles=["data_steward"])
        ensure_principal(session, "steward-shanghai", display_name="Shanghai steward",
                         unit_code="shanghai-branch", roles=["data_steward"])
    from pii_guard.identity import apikeys

    keys = {}
    with transaction(services.session_factory) as session:
        for who in ("steward-pudong", "steward-beijing", "steward-shanghai"):
            keys[who] = apikeys.create_key(session, services.hasher, who).secret
    grant = request_grant(client, demo_keys["crm-service"])
    for who in ("steward-pudong", "steward-beijing"):
        response = client.post(f"/v1/grants/{grant['id']}/approve", headers=bearer(keys[who]))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "approver_unit"
    response = client.post(f"/v1/grants/{grant['id']}/approve",
                           headers=bearer(keys["steward-shanghai"]))
    assert response.status_code == 200


def test_a_decided_grant_cannot_be_decided_again(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    grant = request_grant(client, demo_keys["crm-service"])
    rejected = client.post(f"/v1/grants/{grant['id']}/reject", json={"note": "not needed"},
                           headers=bearer(demo_keys["steward-a"]))
    assert rejected.json()["status"] == "rejected"
    again = client.post(f"/v1/grants/{grant['id']}/approve",
                        headers=bearer(demo_keys["steward-b"]))
    assert again.status_code == 409


def test_others_cannot_revoke_or_read_someone_elses_grant(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    grant = request_grant(client, demo_keys["crm-service"])
    other = demo_keys["claims-service"]
    assert client.post(f"/v1/grants/{grant['id']}/revoke", headers=bearer(other)).status_code \
        == 403
    assert client.get(f"/v1/grants/{grant['id']}", headers=bearer(other)).status_code == 403
    assert client.get("/v1/grants", headers=bearer(other)).json() == []
    steward = client.post(f"/v1/grants/{grant['id']}/revoke",
                          headers=bearer(demo_keys["steward-b"]))
    assert steward.json()["status"] == "revoked"


def test_listing_filters_by_subject_and_status(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    first = request_grant(client, demo_keys["crm-service"])
    second = request_grant(client, demo_keys["crm-service"], subject_ids=["C0002", "C0003"])
    client.post(f"/v1/grants/{second['id']}/approve", headers=bearer(demo_keys["steward-a"]))
    auditor = bearer(demo_keys["auditor"])
    by_subject = client.get("/v1/grants", params={"subject_id": "C0003"}, headers=auditor)
    assert [g["id"] for g in by_subject.json()] == [second["id"]]
    pending = client.get("/v1/grants", params={"status": "pending"}, headers=auditor)
    assert [g["id"] for g in pending.json()] == [first["id"]]
    own = client.get("/v1/grants", headers=bearer(demo_keys["crm-service"]))
    assert {g["id"] for g in own.json()} == {first["id"], second["id"]}
