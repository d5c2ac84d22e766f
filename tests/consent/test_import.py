"""Bulk import of existing consents: per-line report, all or nothing unless partial."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from pii_guard.cli import app
from pii_guard.config import Settings
from pii_guard.consent.errors import ImportRejected
from pii_guard.consent.importer import import_consents
from pii_guard.services import Services
from pii_guard.store.engine import transaction
from pii_guard.store.models.consent import ConsentEvent
from tests.conftest import bearer
from tests.consent.helpers import check

HEADER = ("subject_id,purpose,categories,separate,notice_version,channel,granted_at,"
          "expires_at,evidence_ref\n")
GOOD_CSV = HEADER + ("C0001,marketing,contact|personal_name,false,2026-01,paper,"
                     "2025-06-01T09:30:00+08:00,2030-06-01T00:00:00Z,scan-0001\n") + """\
C0002,marketing,,no,2026-01,app,2025-07-01T10:00:00Z,,
"""
BAD_CSV = GOOD_CSV + """C0003,astrology,,false,2026-01,app,2025-07-01T10:00:00Z,,
C0004,marketing,,false,2026-01,pigeon,2025-07-01T10:00:00Z,,
C0005,marketing,,false,2026-01,app,2025-07-01 10:00,,
"""


def events(services: Services) -> int:
    with transaction(services.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(ConsentEvent)) or 0)


def run_import(services: Services, text: str, fmt: str = "csv", *, partial: bool = False
               ) -> dict[str, object]:
    with transaction(services.session_factory) as session:
        return import_consents(session, services.consent, text,
                               "csv" if fmt == "csv" else "jsonl", partial=partial,
                               caller=None, recorded_by="import-test").as_dict()


def test_a_good_csv_file_is_imported_whole(services: Services,
                                           demo_keys: dict[str, str]) -> None:
    report = run_import(services, GOOD_CSV)
    assert (report["lines"], report["imported"], report["errors"]) == (2, 2, [])
    assert check(services, "C0001").permits("contact", sensitive=False).allowed
    assert check(services, "C0002").permits("personal_name", sensitive=False).allowed


def test_a_bad_line_rejects_the_whole_file_with_a_report_per_line(
        services: Services, demo_keys: dict[str, str]) -> None:
    with pytest.raises(ImportRejected) as rejected:
        run_import(services, BAD_CSV)
    assert [(e.line, e.code) for e in rejected.value.errors] == [
        (4, "unknown_purpose"), (5, "invalid_channel"), (6, "naive_datetime")]
    assert events(services) == 0


def test_partial_import_keeps_the_good_lines(services: Services,
                                             demo_keys: dict[str, str]) -> None:
    report = run_import(services, BAD_CSV, partial=True)
    assert (report["imported"], report["rejected"]) == (2, 3)
    assert events(services) == 2


def test_json_lines_import_grants_and_withdrawals_in_order(
        services: Services, demo_keys: dict[str, str]) -> None:
    lines = [
        {"subject_id": "C0001", "purpose": "marketing", "notice_version": "2026-01",
         "channel": "app", "categories": ["contact"], "granted_at": "2025-01-01T00:00:00Z"},
        {"subject_id": "C0001", "purpose": "marketing", "kind": "withdraw",
         "channel": "phone", "withdrawn_at": "2025-03-01T00:00:00Z"},
    ]
    report = run_import(services, "\n".join(json.dumps(line) for line in lines), "jsonl")
    assert report["imported"] == 2
    assert check(services, "C0001").permits("contact", sensitive=False).reason == (
        "consent_withdrawn")


def test_an_older_imported_grant_does_not_override_a_newer_withdrawal(
        services: Services, demo_keys: dict[str, str]) -> None:
    lines = [
        {"subject_id": "C0001", "purpose": "marketing", "notice_version": "2026-01",
         "channel": "app", "granted_at": "2025-01-01T00:00:00Z"},
        {"subject_id": "C0001", "purpose": "marketing", "kind": "withdraw",
         "withdrawn_at": "2025-03-01T00:00:00Z"},
        {"subject_id": "C0001", "purpose": "marketing", "notice_version": "2026-01",
         "channel": "paper", "granted_at": "2024-06-01T00:00:00Z"},
    ]
    run_import(services, "\n".join(json.dumps(line) for line in lines), "jsonl")
    assert events(services) == 3
    assert check(services, "C0001").permits("contact", sensitive=False).reason == (
        "consent_withdrawn")


def test_cli_import_reports_bad_lines_and_imports_nothing(
        services: Services, settings: Settings, demo_keys: dict[str, str],
        tmp_path: Path) -> None:
    path = tmp_path / "consents.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    env = {"PII_GUARD_DATABASE_URL": settings.database_url,
           "PII_GUARD_KEY_ENCRYPTION_KEY": settings.key_encryption_key.get_secret_value()
           if settings.key_encryption_key else "", "PII_GUARD_LOG_LEVEL": "WARNING"}
    result = CliRunner().invoke(app, ["consent", "import", str(path), "--as", "steward-a"],
                                env=env)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [error["line"] for error in report["errors"]] == [4, 5, 6]
    assert report["imported"] == 0
    assert events(services) == 0

    path.write_text(GOOD_CSV, encoding="utf-8")
    done = CliRunner().invoke(app, ["consent", "import", str(path), "--as", "steward-a"],
                              env=env)
    assert done.exit_code == 0, done.output
    shown = CliRunner().invoke(app, ["consent", "show", "C0001"], env=env)
    assert json.loads(shown.stdout)["consents"][0]["history"][0]["evidence_ref"] == "scan-0001"


def test_http_import_rejects_a_bad_file_with_the_line_report(
        client: TestClient, services: Services, demo_keys: dict[str, str]) -> None:
    response = client.post("/v1/consents/import", headers=bearer(demo_keys["steward-a"]),
                           json={"format": "csv", "content": BAD_CSV})
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "import_rejected"
    assert [error["code"] for error in body["errors"]] == [
        "unknown_purpose", "invalid_channel", "naive_datetime"]
    assert events(services) == 0
