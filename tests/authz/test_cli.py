"""``pii-guard policies``: export, check a file, propose it for another steward's approval."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from pii_guard.cli import app
from pii_guard.config import Settings
from pii_guard.services import Services
from pii_guard.store.engine import transaction
from pii_guard.store.models.authz import PolicyChange


def test_export_check_and_propose_leave_a_pending_change(
        services: Services, settings: Settings, demo_keys: dict[str, str],
        tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"PII_GUARD_DATABASE_URL": settings.database_url,
           "PII_GUARD_KEY_ENCRYPTION_KEY": settings.key_encryption_key.get_secret_value()
           if settings.key_encryption_key else "", "PII_GUARD_LOG_LEVEL": "WARNING"}
    exported = runner.invoke(app, ["policies", "export"], env=env)
    assert exported.exit_code == 0, exported.output
    assert "p, marketing, *, contact, marketing, clear, 100" in exported.stdout
    wanted = tmp_path / "wanted.csv"
    wanted.write_text(exported.stdout.replace("marketing, clear, 100", "marketing, mask, 100"))

    checked = runner.invoke(app, ["policies", "check", str(wanted)], env=env)
    assert checked.exit_code == 0, checked.output
    assert "+1 -1" in checked.stderr

    refused = runner.invoke(app, ["policies", "propose", str(wanted), "--as", "auditor",
                                  "--reason", "x"], env=env)
    assert refused.exit_code == 1
    proposed = runner.invoke(app, ["policies", "propose", str(wanted), "--as", "steward-a",
                                   "--reason", "marketing sees masked numbers"], env=env)
    assert proposed.exit_code == 0, proposed.output
    with transaction(services.session_factory) as session:
        changes = list(session.scalars(select(PolicyChange)))
    assert [(c.kind, c.status, c.author_id) for c in changes] == [
        ("import", "pending", "steward-a")]
