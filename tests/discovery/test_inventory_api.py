"""The inventory over HTTP: background scans and their progress, filters, exports, stored
connections, permissions, audit events, and credentials that never show anywhere."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from pii_guard.services import Services
from pii_guard.store.engine import transaction
from pii_guard.store.models.audit import AuditEventRow
from pii_guard.store.models.discovery import ScanConnection
from tests.conftest import bearer
from tests.discovery.conftest import Target, with_password

SECRET = "S3cret-Pa55w0rd"


def run_scan(client: TestClient, services: Services, key: str, **body: Any) -> dict[str, Any]:
    started = client.post("/v1/scans", json=body, headers=bearer(key))
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    services.scan_jobs.wait(run_id, timeout=120)
    finished = client.get(f"/v1/scans/{run_id}", headers=bearer(key))
    assert finished.status_code == 200
    result: dict[str, Any] = finished.json()
    return result


def test_a_background_scan_fills_the_inventory(client: TestClient, services: Services,
                                               demo_keys: dict[str, str],
                                               sqlite_target: Target) -> None:
    run = run_scan(client, services, demo_keys["steward-a"], url=sqlite_target.url,
                   system="core")
    assert (run["state"], run["complete"], run["tables_done"], run["tables_total"]) == \
        ("completed", True, 1, 1)
    page = client.get("/v1/inventory", params={"system": "core", "personal_only": True},
                      headers=bearer(demo_keys["auditor"])).json()
    found = {c["column"]: (c["entity"], c["tier"]) for c in page["columns"]}
    assert found["zjhm"] == ("CN_RESIDENT_ID", "C2")
    assert "khh" not in found


@pytest.mark.parametrize(("params", "columns"), [
    ({"entity": "CN_MOBILE"}, {"sjhm"}),
    ({"tier": "C2", "table": "t_kh_xx", "entity": "PERSON"}, {"khxm"}),
    ({"system": "elsewhere"}, set()),
])
def test_the_inventory_filters_by_system_table_entity_and_tier(
        client: TestClient, services: Services, demo_keys: dict[str, str],
        sqlite_target: Target, params: dict[str, str], columns: set[str]) -> None:
    run_scan(client, services, demo_keys["admin"], url=sqlite_target.url, system="core")
    page = client.get("/v1/inventory", params=params, headers=bearer(demo_keys["admin"]))
    assert {c["column"] for c in page.json()["columns"]} == columns


def test_the_inventory_exports_as_csv_and_json(client: TestClient, services: Services,
                                               demo_keys: dict[str, str],
                                               sqlite_target: Target) -> None:
    run_scan(client, services, demo_keys["admin"], url=sqlite_target.url, system="core")
    as_csv = client.get("/v1/inventory/export", params={"format": "csv"},
                        headers=bearer(demo_keys["auditor"]))
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 10
    assert {r["column"]: r["entity"] for r in rows}["sjhm"] == "CN_MOBILE"
    as_json = client.get("/v1/inventory/export", headers=bearer(demo_keys["auditor"])).json()
    assert len(as_json["columns"]) == 10


@pytest.mark.parametrize(("principal", "method", "path", "status"), [
    ("crm-service", "get", "/v1/inventory", 403),
    ("auditor", "post", "/v1/scans", 403),
    ("steward-a", "post", "/v1/connections", 403),
    ("auditor", "get", "/v1/scans", 200),
])
def test_permissions_follow_the_endpoint_policy(client: TestClient, demo_keys: dict[str, str],
                                                principal: str, method: str, path: str,
                                                status: int) -> None:
    body = {"name": "x", "url": "sqlite:///x.db"} if path == "/v1/connections" else \
        {"url": "sqlite:///x.db"}
    call = getattr(client, method)
    answer = call(path, headers=bearer(demo_keys[principal]),
                  **({"json": body} if method == "post" else {}))
    assert answer.status_code == status


def test_a_rescan_reports_new_personal_columns_tier_rises_and_disappeared_columns(
        client: TestClient, services: Services, demo_keys: dict[str, str],
        sqlite_target: Target) -> None:
    key = demo_keys["admin"]
    run_scan(client, services, key, url=sqlite_target.url, system="core")
    engine = create_engine(sqlite_target.url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE t_kh_xx ADD COLUMN dzyx VARCHAR(100)"))
        connection.execute(text("UPDATE t_kh_xx SET dzyx = 'li' || khh || '@example.cn'"))
        connection.execute(text("ALTER TABLE t_kh_xx RENAME COLUMN khxm TO jymm"))
        connection.execute(text("ALTER TABLE t_kh_xx DROP COLUMN jtzz"))
    engine.dispose()
    second = run_scan(client, services, key, url=sqlite_target.url, system="core")
    changes = client.get(f"/v1/scans/{second['id']}/changes", headers=bearer(key)).json()
    assert [c["column"] for c in changes["new_personal"]] == ["dzyx", "jymm"]
    assert {c["column"] for c in changes["disappeared"]} == {"jtzz", "khxm"}
    assert changes["previous_run_id"] is not None


def test_every_scan_is_an_audit_event_without_values(client: TestClient, services: Services,
                                                     demo_keys: dict[str, str],
                                                     sqlite_target: Target) -> None:
    run = run_scan(client, services, demo_keys["steward-a"], url=sqlite_target.url,
                   system="core")
    services.audit.flush()  # events reach audit_events when the sequencer has ordered them
    with transaction(services.session_factory) as session:
        event = session.scalars(select(AuditEventRow).where(
            AuditEventRow.action == "scan")).one()
        assert (event.principal_id, event.reason) == ("steward-a", "completed")
        assert event.details["run_id"] == run["id"]
        assert event.details["columns_by_tier"] == {"C2": 6}
        assert "CN_RESIDENT_ID" in event.entities


@pytest.mark.postgresql
def test_credentials_never_appear_in_runs_events_logs_or_errors(
        client: TestClient, services: Services, demo_keys: dict[str, str],
        postgres_target: Target, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = demo_keys["admin"]
    good = run_scan(client, services, key, url=with_password(postgres_target.url, SECRET))
    bad = run_scan(client, services, key,
                   url=f"postgresql+psycopg://scanner:{SECRET}@127.0.0.1:1/nowhere")
    added = client.post("/v1/connections", headers=bearer(key),
                        json={"name": "core-pg", "url": with_password(postgres_target.url,
                                                                      SECRET)})
    listed = client.get("/v1/connections", headers=bearer(key))
    assert good["state"] == "completed"
    assert (bad["state"], bad["errors"][0].split(":")[0]) == ("failed", "scan_target_unreachable")
    services.audit.flush()
    with transaction(services.session_factory) as session:
        events = [repr(e.details) for e in session.scalars(select(AuditEventRow))]
        stored = session.get(ScanConnection, "core-pg")
        assert stored is not None
        assert SECRET.encode() not in stored.secret
    texts = [repr(good), repr(bad), added.text, listed.text, caplog.text, *events]
    assert all(SECRET not in t for t in texts)
    assert "***" in listed.json()[0]["display"]


@pytest.mark.postgresql
def test_a_stored_connection_is_scanned_by_name(client: TestClient, services: Services,
                                                demo_keys: dict[str, str],
                                                postgres_target: Target) -> None:
    admin = demo_keys["admin"]
    client.post("/v1/connections", headers=bearer(admin),
                json={"name": "core-pg", "url": with_password(postgres_target.url, SECRET)})
    run = run_scan(client, services, demo_keys["steward-a"], connection="core-pg")
    assert (run["state"], run["system"], run["source"]) == \
        ("completed", "core-pg", "connection:core-pg")


def test_an_unknown_connection_is_404_and_a_bad_url_422(client: TestClient,
                                                        demo_keys: dict[str, str]) -> None:
    headers = bearer(demo_keys["admin"])
    missing = client.post("/v1/scans", json={"connection": "nope"}, headers=headers)
    bad = client.post("/v1/scans", json={"url": f"not a url {SECRET}"}, headers=headers)
    assert (missing.status_code, missing.json()["error"]["code"]) == \
        (404, "connection_not_found")
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_scan_url")
    assert SECRET not in bad.text
