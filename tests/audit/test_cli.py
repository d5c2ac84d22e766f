"""`pii-guard audit ...`: verify exits non-zero naming the first bad seq, and accepts a
checkpoint saved from the API or from `audit checkpoint`."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pii_guard.cli import app
from pii_guard.services import Services
from tests.audit.helpers import record_events, sql
from tests.conftest import TEST_KEK, bearer


def run(services: Services, *args: str) -> tuple[int, str]:
    """Exit code and everything printed (stdout, then stderr)."""
    env = {"PII_GUARD_DATABASE_URL": services.settings.database_url,
           "PII_GUARD_KEY_ENCRYPTION_KEY": TEST_KEK, "PII_GUARD_LOG_FORMAT": "console"}
    result = CliRunner().invoke(app, ["audit", *args], env=env)
    return result.exit_code, result.stdout + "\n" + result.stderr


def test_verify_passes_then_names_the_first_bad_seq_after_an_edit(services: Services,
                                                                  tmp_path: Path) -> None:
    record_events(services, 12)
    saved = tmp_path / "checkpoint.json"
    code, output = run(services, "checkpoint", "--output", str(saved))
    assert code == 0
    assert json.loads(saved.read_text())["tree_size"] >= 12
    code, output = run(services, "verify", "--checkpoint", str(saved))
    assert code == 0, output
    assert "audit log verified" in output
    sql(services, "UPDATE audit_events SET action = 'nothing' WHERE seq = 4")
    code, output = run(services, "verify", "--checkpoint", str(saved))
    assert code == 1
    assert "first bad sequence number: 4" in output


def test_a_checkpoint_saved_from_the_api_list_is_accepted_by_verify(
    services: Services, client: TestClient, demo_keys: dict[str, str], tmp_path: Path,
) -> None:
    record_events(services, 5)
    headers = bearer(demo_keys["auditor"])
    client.post("/v1/audit/checkpoints", headers=headers)
    element = client.get("/v1/audit/checkpoints", headers=headers).json()[-1]
    saved = tmp_path / "from-api.json"
    saved.write_text(json.dumps(element))
    code, output = run(services, "verify", "--checkpoint", str(saved), "--json")
    assert code == 0, output
    assert json.loads(output[output.index("{"):output.rindex("}") + 1])["ok"] is True


def test_a_malformed_checkpoint_file_is_refused_clearly(services: Services,
                                                        tmp_path: Path) -> None:
    saved = tmp_path / "bad.json"
    saved.write_text(json.dumps({"tree_size": "ten"}))
    code, output = run(services, "verify", "--checkpoint", str(saved))
    assert code == 1
    assert "invalid_checkpoint" in output


def test_export_writes_canonical_json_lines(services: Services, tmp_path: Path) -> None:
    record_events(services, 4)
    out = tmp_path / "events.jsonl"
    code, _ = run(services, "export", "--output", str(out))
    assert code == 0
    seqs = [json.loads(line)["seq"] for line in out.read_text().splitlines()]
    assert seqs[:4] == [0, 1, 2, 3]
