"""The HTTP foundation: authentication, error bodies, request ids, limits and operations."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pii_guard.services import Services
from pii_guard.store.models import AuditEventRow
from tests.conftest import Database, PostgresAdmin, bearer, database_unreachable

ERROR_KEYS = {"code", "message", "request_id"}


def assert_error(response: object, status: int, code: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} or set(body) == {"error", "checks"}
    assert set(body["error"]) == ERROR_KEYS
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == response.headers["x-request-id"]  # type: ignore[attr-defined]


def test_healthz_answers_without_authentication(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_readyz_reports_database_and_schema(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["schema"] == "ok"


def test_readyz_is_503_when_a_check_fails(client: TestClient, services: Services) -> None:
    def broken() -> None:
        raise RuntimeError("policy not loaded")

    services.readiness_checks["policies"] = broken
    response = client.get("/readyz")
    assert_error(response, 503, "not_ready")
    assert "policies" in response.json()["error"]["message"]
    assert response.json()["checks"]["policies"] == "failed: RuntimeError"


def test_request_without_key_is_401_with_error_body(client: TestClient) -> None:
    response = client.get("/v1/me")
    assert_error(response, 401, "missing_credentials")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer pgk_aaaaaaaaaa_" + "A" * 43,
        "Basic dXNlcjpwYXNz",
    ],
)
def test_malformed_or_unknown_key_is_401(client: TestClient, header: str,
                                         demo_keys: dict[str, str]) -> None:
    response = client.get("/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"invalid_credentials", "missing_credentials"}


def test_a_key_with_a_known_prefix_but_wrong_secret_is_401(
    client: TestClient, demo_keys: dict[str, str]
) -> None:
    real = demo_keys["admin"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    assert_error(client.get("/v1/me", headers=bearer(forged)), 401, "invalid_credentials")


def test_demo_key_authenticates_as_its_principal(
    client: TestClient, demo_keys: dict[str, str]
) -> None:
    response = client.get("/v1/me", headers=bearer(demo_keys["crm-service"]))
    assert response.status_code == 200
    assert response.json() | {"key_prefix": None} == {
        "principal_id": "crm-service",
        "display_name": "CRM service",
        "kind": "system",
        "roles": ["customer_service"],
        "unit": "shanghai-branch",
        "unit_path": ["head-office", "shanghai-branch"],
        "key_prefix": None,
    }


def test_principal_without_the_right_gets_403(
    client: TestClient, demo_keys: dict[str, str]
) -> None:
    response = client.post("/v1/api-keys", json={"principal_id": "crm-service"},
                           headers=bearer(demo_keys["crm-service"]))
    assert_error(response, 403, "forbidden")


def test_failed_logins_and_refusals_are_audited_without_the_key(
    client: TestClient, services: Services, demo_keys: dict[str, str]
) -> None:
    forged = demo_keys["admin"][:-4] + "zzzz"
    client.get("/v1/me", headers=bearer(forged))
    client.get("/v1/api-keys", headers=bearer(demo_keys["auditor"]))
    services.audit.flush()  # events are sequenced into audit_events shortly after they commit
    with services.session_factory() as session:
        rows = session.scalars(select(AuditEventRow).order_by(AuditEventRow.occurred_at)).all()
    denied = [(r.action, r.reason) for r in rows if r.decision == "denied"]
    assert ("auth.login", "invalid_credentials") in denied
    assert ("api_keys:manage", "endpoint_forbidden") in denied
    dump = repr([(r.details, r.reason, r.action) for r in rows])
    assert forged not in dump
    assert forged.rsplit("_", 1)[1] not in dump


def test_admin_issues_lists_and_revokes_keys(
    client: TestClient, demo_keys: dict[str, str]
) -> None:
    admin = bearer(demo_keys["admin"])
    created = client.post("/v1/api-keys", json={"principal_id": "claims-service",
                                                "label": "batch", "expires_in_days": 30},
                          headers=admin)
    assert created.status_code == 201
    key, prefix = created.json()["key"], created.json()["prefix"]
    assert key.startswith(prefix + "_")
    assert client.get("/v1/me", headers=bearer(key)).json()["principal_id"] == "claims-service"

    listed = client.get("/v1/api-keys", params={"principal_id": "claims-service"},
                        headers=admin).json()
    entry = next(item for item in listed if item["prefix"] == prefix)
    assert entry["active"] is True
    assert entry["expires_at"] is not None
    assert "key" not in entry
    assert all(key not in str(item) for item in listed)

    revoked = client.post(f"/v1/api-keys/{prefix}/revoke", headers=admin)
    assert revoked.json()["active"] is False
    assert_error(client.get("/v1/me", headers=bearer(key)), 401, "revoked_credentials")


def test_revoking_an_unknown_prefix_is_404(client: TestClient,
                                          demo_keys: dict[str, str]) -> None:
    response = client.post("/v1/api-keys/pgk_nothere000/revoke",
                           headers=bearer(demo_keys["admin"]))
    assert_error(response, 404, "api_key_not_found")


def test_key_for_unknown_principal_is_404(client: TestClient,
                                          demo_keys: dict[str, str]) -> None:
    response = client.post("/v1/api-keys", json={"principal_id": "nobody"},
                           headers=bearer(demo_keys["admin"]))
    assert_error(response, 404, "principal_not_found")


def test_validation_error_names_the_field_without_echoing_input(
    client: TestClient, demo_keys: dict[str, str]
) -> None:
    secret_like = "110105198806151238"
    response = client.post("/v1/api-keys", json={"principal_id": 5, "label": secret_like,
                                                 "expires_in_days": -1},
                           headers=bearer(demo_keys["admin"]))
    assert_error(response, 422, "invalid_request")
    assert "expires_in_days" in response.json()["error"]["message"]
    assert secret_like not in response.text


def test_malformed_json_is_422(client: TestClient, demo_keys: dict[str, str]) -> None:
    response = client.post("/v1/api-keys", content=b'{"principal_id": ',
                           headers=bearer(demo_keys["admin"]) | {"content-type":
                                                                 "application/json"})
    assert_error(response, 422, "invalid_request")


def test_unknown_route_is_404_with_error_body(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_405_with_error_body(client: TestClient) -> None:
    assert_error(client.delete("/healthz"), 405, "method_not_allowed")


def test_well_formed_request_id_is_echoed_and_a_bad_one_replaced(client: TestClient) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "trace-42.a"})
    assert kept.headers["x-request-id"] == "trace-42.a"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id; drop"})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])


def test_body_over_the_limit_is_413_before_parsing(client: TestClient,
                                                   services: Services) -> None:
    body = b'{"principal_id": "' + b"x" * services.settings.max_body_bytes + b'"}'
    response = client.post("/v1/api-keys", content=body,
                           headers={"content-type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def test_json_nested_too_deep_is_422(client: TestClient, services: Services) -> None:
    depth = services.settings.max_json_depth + 1
    body = ("[" * depth + "]" * depth).encode()
    response = client.post("/v1/api-keys", content=body,
                           headers={"content-type": "application/json"})
    assert_error(response, 422, "json_too_deep")


def test_hostile_deep_json_of_a_megabyte_is_refused(client: TestClient) -> None:
    body = b"[" * 1_000_000
    response = client.post("/v1/api-keys", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code in (413, 422)


def test_brackets_inside_strings_do_not_count_as_nesting(
    client: TestClient, demo_keys: dict[str, str]
) -> None:
    label = "[" * 100 + "{" * 100
    response = client.post("/v1/api-keys", json={"principal_id": "crm-service", "label": label},
                           headers=bearer(demo_keys["admin"]))
    assert response.status_code == 201


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    client.get("/healthz")
    text = client.get("/metrics").text
    assert 'pii_guard_http_requests_total{method="GET",route="/healthz",status="200"}' in text


def test_docs_are_served_without_internet_access(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs/static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_database_down_fails_closed_with_503(
    client: TestClient, services: Services, demo_keys: dict[str, str], database: Database,
    postgres_admin: PostgresAdmin,
) -> None:
    admin = bearer(demo_keys["admin"])
    assert client.get("/v1/api-keys", headers=admin).status_code == 200
    services.authenticator.forget()
    with database_unreachable(database, services, postgres_admin):
        assert_error(client.get("/v1/api-keys", headers=admin), 503, "database_unavailable")
        assert client.get("/readyz").status_code == 503
    assert client.get("/v1/api-keys", headers=admin).status_code == 200
