"""The policy over HTTP: maker-checker changes, versions, rollback, CSV export and import,
validation, simulation, and who may do what."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from pii_guard.services import Services
from pii_guard.store.engine import transaction
from pii_guard.store.models import AuditEventRow
from tests.conftest import bearer

CRM_CLEAR_CONTACT = {"role": "customer_service", "scope": "contact",
                     "purpose": "customer_service", "treatment": "clear", "priority": 100}


def propose(client: TestClient, key: str, **body: Any) -> Any:
    return client.post("/v1/policies/changes", json={"reason": "ticket 42", **body},
                       headers=bearer(key))


def approve(client: TestClient, key: str, change_id: str) -> Any:
    return client.post(f"/v1/policies/changes/{change_id}/approve", headers=bearer(key))


def crm_contact(services: Services) -> str:
    from pii_guard.identity.units import load_caller

    with transaction(services.session_factory) as session:
        crm = load_caller(session, "crm-service")
    return services.decider.decide(crm, "customer_service", tier="C2", category="contact",
                                   subject_id=None).treatment.value


def audit_actions(services: Services) -> list[tuple[str, str, str | None]]:
    services.audit.flush()
    with transaction(services.session_factory) as session:
        rows = session.scalars(select(AuditEventRow).order_by(AuditEventRow.occurred_at))
        return [(r.action, r.decision, r.principal_id) for r in rows
                if r.action.startswith("polic")]


def test_a_change_applies_only_when_another_steward_approves(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    proposed = propose(client, demo_keys["steward-a"], add=[CRM_CLEAR_CONTACT])
    assert proposed.status_code == 201
    change = proposed.json()
    assert change["status"] == "pending"
    assert crm_contact(services) == "mask"

    own = approve(client, demo_keys["steward-a"], change["id"])
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "self_approval"
    assert crm_contact(services) == "mask"

    applied = approve(client, demo_keys["steward-b"], change["id"])
    assert applied.status_code == 200
    version = applied.json()
    assert (version["version"], version["author_id"], version["approver_id"],
            version["reason"]) == (2, "steward-a", "steward-b", "ticket 42")
    assert version["add"][0]["scope"] == "contact"
    assert version["remove"] == []
    assert crm_contact(services) == "clear"
    assert approve(client, demo_keys["steward-b"], change["id"]).status_code == 409
    assert audit_actions(services) == [
        ("policy.change.propose", "allowed", "steward-a"),
        ("policy.change.approve", "denied", "steward-a"),
        ("policy.change.approve", "allowed", "steward-b"),
        ("policy.change.approve", "denied", "steward-b"),
    ]


def test_rollback_is_a_change_and_makes_a_new_version(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    change = propose(client, demo_keys["steward-a"], add=[CRM_CLEAR_CONTACT]).json()
    approve(client, demo_keys["steward-b"], change["id"])
    rollback = client.post("/v1/policies/rollback", json={"version": 1, "reason": "undo"},
                           headers=bearer(demo_keys["steward-b"]))
    assert rollback.status_code == 201
    assert rollback.json()["kind"] == "rollback"
    assert [r["scope"] for r in rollback.json()["remove"]] == ["contact"]
    assert crm_contact(services) == "clear"
    applied = approve(client, demo_keys["steward-a"], rollback.json()["id"]).json()
    assert applied["version"] == 3
    assert applied["kind"] == "rollback"
    assert crm_contact(services) == "mask"
    versions = client.get("/v1/policies/versions", headers=bearer(demo_keys["auditor"])).json()
    assert [(v["version"], v["kind"]) for v in versions] == [
        (3, "rollback"), (2, "change"), (1, "seed")]


def test_rolling_back_to_the_current_state_is_422(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    response = client.post("/v1/policies/rollback", json={"version": 1, "reason": "noop"},
                           headers=bearer(demo_keys["steward-a"]))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "empty_change"


def test_an_invalid_rule_is_422_naming_the_problem(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    response = propose(client, demo_keys["steward-a"],
                       add=[{**CRM_CLEAR_CONTACT, "scope": "C3"}])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_policy"
    assert "C3" in response.json()["error"]["message"]


def test_removing_a_rule_that_does_not_exist_is_422(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    response = propose(client, demo_keys["steward-a"], remove=[CRM_CLEAR_CONTACT])
    assert response.status_code == 422
    assert "not in the current policy" in response.json()["error"]["message"]


def test_a_change_overtaken_by_another_is_a_conflict(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    first = propose(client, demo_keys["steward-a"], add=[CRM_CLEAR_CONTACT]).json()
    second = propose(client, demo_keys["steward-a"],
                     add=[{**CRM_CLEAR_CONTACT, "treatment": "token"}]).json()
    assert approve(client, demo_keys["steward-b"], first["id"]).status_code == 200
    conflict = approve(client, demo_keys["steward-b"], second["id"])
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "change_conflict"


def test_a_rejected_change_never_applies(client: TestClient, services: Services,
                                         demo_keys: dict[str, str]) -> None:
    change = propose(client, demo_keys["steward-a"], add=[CRM_CLEAR_CONTACT]).json()
    rejected = client.post(f"/v1/policies/changes/{change['id']}/reject",
                           json={"note": "too broad"}, headers=bearer(demo_keys["steward-b"]))
    assert rejected.json()["status"] == "rejected"
    assert approve(client, demo_keys["steward-b"], change["id"]).status_code == 409
    assert crm_contact(services) == "mask"


def test_export_then_import_of_an_edited_file_is_a_change(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    exported = client.get("/v1/policies/export", headers=bearer(demo_keys["auditor"]))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "p, customer_service, *, C2, customer_service, mask, 200" in exported.text
    edited = exported.text + "p, customer_service, *, contact, customer_service, clear, 100\n"
    imported = client.post("/v1/policies/import", json={"csv": edited, "reason": "bulk"},
                           headers=bearer(demo_keys["steward-a"]))
    assert imported.status_code == 201
    assert imported.json()["kind"] == "import"
    assert len(imported.json()["add"]) == 1
    assert imported.json()["remove"] == []
    approve(client, demo_keys["steward-b"], imported.json()["id"])
    assert crm_contact(services) == "clear"


def test_a_broken_import_is_422_naming_the_line(client: TestClient,
                                                 demo_keys: dict[str, str]) -> None:
    response = client.post("/v1/policies/import",
                           json={"csv": "# edited\np, customer_service, *, C2\n",
                                 "reason": "x"}, headers=bearer(demo_keys["steward-a"]))
    assert response.status_code == 422
    assert "import:2" in response.json()["error"]["message"]


def test_auditors_read_but_cannot_propose_and_services_cannot_read(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    auditor, crm = bearer(demo_keys["auditor"]), bearer(demo_keys["crm-service"])
    assert client.get("/v1/policies", headers=auditor).status_code == 200
    assert client.post("/v1/policies/changes", headers=auditor, json={
        "reason": "x", "add": [CRM_CLEAR_CONTACT]}).status_code == 403
    assert client.get("/v1/policies", headers=crm).status_code == 403


def test_auditors_cannot_approve_changes(client: TestClient, demo_keys: dict[str, str]) -> None:
    change = propose(client, demo_keys["steward-a"], add=[CRM_CLEAR_CONTACT]).json()
    assert approve(client, demo_keys["auditor"], change["id"]).status_code == 403


def test_the_current_policy_lists_rules_with_filters(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    response = client.get("/v1/policies", params={"role": "marketing"},
                          headers=bearer(demo_keys["steward-a"]))
    body = response.json()
    assert body["version"] == 1
    assert body["total"] == 4
    assert body["rules"][0] == {"role": "marketing", "unit": "*", "scope": "contact",
                                "purpose": "marketing", "treatment": "clear", "priority": 100}


RECORD_FIELDS = [
    {"field": "$.name", "entity": "PERSON"},
    {"field": "$.id_no", "entity": "CN_RESIDENT_ID"},
    {"field": "$.mobile", "entity": "CN_MOBILE"},
    {"field": "$.bank_card", "entity": "BANK_CARD"},
    {"field": "$.address", "category": "address"},
    {"field": "$.card_pin", "entity": "AUTH_SECRET"},
]


def test_simulate_shows_each_fields_treatment_without_a_data_access_event(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    response = client.post("/v1/policies/simulate", headers=bearer(demo_keys["steward-a"]),
                           json={"principal_id": "crm-service", "purpose": "customer_service",
                                 "fields": RECORD_FIELDS})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["purpose_allowed"], body["roles"], body["unit_path"]) == (
        True, ["customer_service"], ["head-office", "shanghai-branch"])
    assert [(f["field"], f["category"], f["tier"], f["treatment"]) for f in body["fields"]] == [
        ("$.name", "personal_name", "C2", "mask"),
        ("$.id_no", "identity_document", "C2", "mask"),
        ("$.mobile", "contact", "C2", "mask"),
        ("$.bank_card", "financial_account", "C2", "mask"),
        ("$.address", "address", "C2", "mask"),
        ("$.card_pin", "authentication_secret", "C3", "redact")]
    services.audit.flush()
    with transaction(services.session_factory) as session:
        events = [(r.action, r.fields) for r in session.scalars(select(AuditEventRow))]
    assert events == [("policy.simulate", [f["field"] for f in RECORD_FIELDS])]


def test_simulate_includes_a_principals_live_grant(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    grant = client.post("/v1/grants", headers=bearer(demo_keys["crm-service"]), json={
        "subject_ids": ["C0001"], "purpose": "customer_service", "tier": "C2",
        "treatment": "clear", "duration_minutes": 60, "justification": "call"}).json()
    client.post(f"/v1/grants/{grant['id']}/approve", headers=bearer(demo_keys["steward-a"]))
    body = {"principal_id": "crm-service", "purpose": "customer_service",
            "subject_id": "C0001", "fields": RECORD_FIELDS[:2]}
    fields = client.post("/v1/policies/simulate", json=body,
                         headers=bearer(demo_keys["auditor"])).json()["fields"]
    assert [(f["treatment"], f["reason"]) for f in fields] == [("clear", "grant")] * 2
    assert fields[0]["rule"] == f"grant:{grant['id']}"


def test_simulate_classifies_a_sample_record_with_the_detection_engine(
        client: TestClient, demo_keys: dict[str, str]) -> None:
    record = {"mobile": "13812345678", "id_no": "11010519491231002X", "note": "no data here"}
    response = client.post("/v1/policies/simulate", headers=bearer(demo_keys["steward-a"]),
                           json={"role": "marketing", "purpose": "marketing",
                                 "record": record})
    assert response.status_code == 200, response.text
    got = {f["field"]: (f["category"], f["treatment"]) for f in response.json()["fields"]}
    assert got == {"$.mobile": ("contact", "clear"),
                   "$.id_no": ("identity_document", "redact")}
    assert "13812345678" not in response.text


def test_simulate_previews_a_pending_change_without_applying_it(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    change = propose(client, demo_keys["steward-a"], add=[CRM_CLEAR_CONTACT]).json()
    body = {"principal_id": "crm-service", "purpose": "customer_service",
            "fields": RECORD_FIELDS[1:3]}
    steward = bearer(demo_keys["steward-b"])
    preview = client.post("/v1/policies/simulate", json={**body, "change_id": change["id"]},
                          headers=steward).json()
    assert [f["treatment"] for f in preview["fields"]] == ["mask", "clear"]
    assert preview["change_id"] == change["id"]
    now = client.post("/v1/policies/simulate", json=body, headers=steward).json()
    assert [f["treatment"] for f in now["fields"]] == ["mask", "mask"]
    assert crm_contact(services) == "mask"
