"""The auditor's API: who may read what, pagination, reports, exports, proofs, checkpoints."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from pii_guard.audit import merkle
from pii_guard.audit.events import AuditEvent
from pii_guard.services import Services
from tests.audit.helpers import record_events, sample_event, sql
from tests.conftest import bearer


@pytest.fixture
def logged(services: Services, demo_keys: dict[str, str]) -> dict[str, str]:
    """30 events about three subjects, one denied detokenisation of cust-1."""
    record_events(services, 30)
    services.audit.record_now(sample_event(99, subject_ref="cust-1"))
    services.audit.record_now(AuditEvent(
        action="detokenise", decision="denied", reason="no_grant", principal_id="claims-service",
        purpose="claims_handling", subject_ref="cust-1", fields=("claim.holder_id",),
        entities=("CN_RESIDENT_ID",), tiers=("C2",), treatments=("deny",)))
    services.audit.flush()
    return demo_keys


ENDPOINTS = [
    ("GET", "/v1/audit/events"),
    ("GET", "/v1/audit/export"),
    ("GET", "/v1/audit/subjects/cust-1/report"),
    ("GET", "/v1/audit/summaries/daily?since=2020-01-01&until=2020-01-02"),
    ("GET", "/v1/audit/proofs/inclusion?seq=0"),
    ("GET", "/v1/audit/verify"),
    ("GET", "/v1/audit/checkpoints"),
    ("POST", "/v1/audit/checkpoints"),
    ("GET", "/v1/audit/signing-key"),
]
ALLOWED = {
    "auditor": set(ENDPOINTS),
    "admin": {("GET", "/v1/audit/verify"), ("GET", "/v1/audit/checkpoints"),
              ("POST", "/v1/audit/checkpoints"), ("GET", "/v1/audit/signing-key")},
    "steward-a": set(),
    "crm-service": set(),
}


@pytest.mark.parametrize("principal", sorted(ALLOWED))
def test_only_auditors_read_events_and_admins_only_verify_and_checkpoint(
    client: TestClient, logged: dict[str, str], principal: str,
) -> None:
    for method, path in ENDPOINTS:
        response = client.request(method, path, headers=bearer(logged[principal]))
        allowed = (method, path) in ALLOWED[principal]
        assert (response.status_code < 400) == allowed, (principal, method, path,
                                                         response.status_code)
        if not allowed:
            assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_nobody_can_change_events_through_the_service(
    client: TestClient, logged: dict[str, str], method: str,
) -> None:
    response = client.request(method, "/v1/audit/events", headers=bearer(logged["admin"]))
    assert response.status_code == 405


def test_pages_follow_sequence_order_with_a_cursor(client: TestClient,
                                                   logged: dict[str, str]) -> None:
    headers = bearer(logged["auditor"])
    seqs: list[int] = []
    cursor = None
    while True:
        params = {"limit": 7, "subject_ref": "cust-0", "action": "classify_and_mask",
                  **({"cursor": cursor} if cursor else {})}
        body = client.get("/v1/audit/events", params=params, headers=headers).json()
        seqs += [event["seq"] for event in body["events"]]
        assert all(event["subject_ref"] == "cust-0" for event in body["events"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seqs == sorted(seqs)
    assert len(seqs) == 10


@pytest.mark.parametrize(("params", "count"), [
    ({"decision": "denied"}, 1),
    ({"principal_id": "claims-service"}, 1),
    ({"action": "classify_and_mask", "purpose": "customer_service"}, 31),
    ({"tier": "C2", "decision": "allowed"}, 31),
    ({"tier": "C3"}, 0),
    ({"unit_code": "shanghai-branch", "subject_ref": "cust-2"}, 10),
    ({"since": "2000-01-01T00:00:00Z", "until": "2001-01-01T00:00:00Z"}, 0),
])
def test_filters_select_the_matching_events(client: TestClient, logged: dict[str, str],
                                            params: dict[str, str], count: int) -> None:
    body = client.get("/v1/audit/events", params={**params, "limit": 1000},
                      headers=bearer(logged["auditor"])).json()
    assert len(body["events"]) == count


@pytest.mark.parametrize("cursor", ["nonsense", "c2VxOi01", "eHl6OjE"])
def test_a_cursor_not_issued_by_the_service_is_refused(client: TestClient,
                                                       logged: dict[str, str],
                                                       cursor: str) -> None:
    response = client.get("/v1/audit/events", params={"cursor": cursor},
                          headers=bearer(logged["auditor"]))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_the_subject_report_lists_every_access_with_names_and_denials(
    client: TestClient, logged: dict[str, str],
) -> None:
    body = client.get("/v1/audit/subjects/cust-1/report",
                      headers=bearer(logged["auditor"])).json()
    assert body["total_events"] == 12
    assert body["by_decision"] == {"allowed": 11, "denied": 1}
    names = {p["principal_id"]: p["principal_name"] for p in body["principals"]}
    assert names == {"crm-service": "CRM service", "claims-service": "Claims service"}
    denied = [a for a in body["accesses"] if a["decision"] == "denied"]
    assert denied[0]["action"] == "detokenise"
    assert denied[0]["reason"] == "no_grant"
    assert denied[0]["fields"] == ["claim.holder_id"]


def test_reading_the_log_is_itself_audited(client: TestClient, logged: dict[str, str],
                                           services: Services) -> None:
    client.get("/v1/audit/subjects/cust-2/report", headers=bearer(logged["auditor"]))
    services.audit.flush()
    body = client.get("/v1/audit/events", params={"action": "audit.subject_report"},
                      headers=bearer(logged["auditor"])).json()
    assert [(e["principal_id"], e["subject_ref"]) for e in body["events"]] == [
        ("auditor", "cust-2")]


def test_exports_stream_every_matching_event_as_jsonl_and_csv(
    client: TestClient, logged: dict[str, str],
) -> None:
    headers = bearer(logged["auditor"])
    jsonl = client.get("/v1/audit/export", params={"format": "jsonl"}, headers=headers)
    documents = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [d["seq"] for d in documents] == list(range(len(documents)))
    assert len(documents) >= 32
    csv_text = client.get("/v1/audit/export", params={"format": "csv", "decision": "denied"},
                          headers=headers).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [(r["action"], r["subject_ref"]) for r in rows] == [("detokenise", "cust-1")]


def test_daily_summaries_count_by_decision_purpose_and_tier(
    client: TestClient, logged: dict[str, str],
) -> None:
    from datetime import date, timedelta

    today = date.today()
    body = client.get("/v1/audit/summaries/daily", headers=bearer(logged["auditor"]), params={
        "since": (today - timedelta(days=1)).isoformat(),
        "until": (today + timedelta(days=1)).isoformat(), "tz": "UTC"}).json()
    total = sum(day["total"] for day in body)
    assert total >= 32
    assert sum(day["by_decision"].get("denied", 0) for day in body) == 1
    assert sum(day["by_purpose"].get("claims_handling", 0) for day in body) == 1
    assert sum(day["by_tier"].get("C2", 0) for day in body) == 32


def test_an_inclusion_proof_verifies_against_a_signed_checkpoint(
    client: TestClient, logged: dict[str, str],
) -> None:
    headers = bearer(logged["auditor"])
    checkpoint = client.post("/v1/audit/checkpoints", headers=headers).json()
    proof = client.get("/v1/audit/proofs/inclusion", params={"seq": 5},
                       headers=headers).json()
    assert proof["tree_size"] == checkpoint["tree_size"]
    assert proof["root_hash"] == checkpoint["root_hash"]
    document = proof["event"]
    leaf = merkle.hash_leaf(json.dumps(document, sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=False).encode())
    assert leaf.hex() == proof["leaf_hash"]
    assert merkle.verify_inclusion(leaf, 5, proof["tree_size"],
                                   [bytes.fromhex(h) for h in proof["audit_path"]],
                                   bytes.fromhex(checkpoint["root_hash"]))


def test_a_consistency_proof_links_two_checkpoints(client: TestClient, logged: dict[str, str],
                                                   services: Services) -> None:
    headers = bearer(logged["auditor"])
    first = client.post("/v1/audit/checkpoints", headers=headers).json()
    record_events(services, 5)
    second = client.post("/v1/audit/checkpoints", headers=headers).json()
    listed = client.get("/v1/audit/checkpoints", headers=headers).json()
    assert [c["id"] for c in listed][-2:] == [first["id"], second["id"]]
    proof = client.get("/v1/audit/proofs/consistency", headers=headers, params={
        "first": first["tree_size"], "second": second["tree_size"]}).json()
    assert merkle.verify_consistency(first["tree_size"], second["tree_size"],
                                     bytes.fromhex(first["root_hash"]),
                                     bytes.fromhex(second["root_hash"]),
                                     [bytes.fromhex(h) for h in proof["proof"]])


def test_checkpoints_verify_with_the_published_key(client: TestClient,
                                                   logged: dict[str, str]) -> None:
    import base64

    from pii_guard.audit.checkpoints import Checkpoint, verify_signature

    headers = bearer(logged["admin"])
    made = client.post("/v1/audit/checkpoints", headers=headers).json()
    key = client.get("/v1/audit/signing-key", headers=headers).json()
    checkpoint = Checkpoint.from_json(made)
    assert verify_signature(base64.b64decode(key["public_key"]), key["origin"], checkpoint)
    assert made["note"].startswith(f"{key['origin']}\n{made['tree_size']}\n")


def test_verify_reports_tampering_through_the_api(client: TestClient, logged: dict[str, str],
                                                  services: Services) -> None:
    headers = bearer(logged["admin"])
    assert client.get("/v1/audit/verify", headers=headers).json()["ok"] is True
    sql(services, "UPDATE audit_events SET subject_ref = 'cust-9' WHERE seq = 3")
    body = client.get("/v1/audit/verify", headers=headers).json()
    assert (body["ok"], body["first_bad_seq"], body["problems"][0]["code"]) == (
        False, 3, "modified")


def test_no_data_is_released_when_the_audit_event_cannot_be_stored(
    client: TestClient, logged: dict[str, str], services: Services,
) -> None:
    sql(services, "ALTER TABLE audit_inbox RENAME TO audit_inbox_away")
    try:
        response = client.get("/v1/audit/subjects/cust-1/report",
                              headers=bearer(logged["auditor"]))
    finally:
        sql(services, "ALTER TABLE audit_inbox_away RENAME TO audit_inbox")
    assert response.status_code == 503
    assert set(response.json()) == {"error"}
    assert response.json()["error"]["code"] in {"audit_write_failed", "audit_unavailable"}
