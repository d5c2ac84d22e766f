"""The `pii-guard` command: every sub-command explains itself, and the foundation commands work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pii_guard
from pii_guard.cli import app
from pii_guard.identity import apikeys
from pii_guard.services import Services
from pii_guard.store import migrate
from pii_guard.store.engine import make_engine, transaction
from tests.conftest import TEST_KEK, Database

runner = CliRunner()


@pytest.fixture
def cli_env(database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Database:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PII_GUARD_DATABASE_URL", database.url)
    monkeypatch.setenv("PII_GUARD_KEY_ENCRYPTION_KEY", TEST_KEK)
    monkeypatch.setenv("PII_GUARD_LOG_LEVEL", "WARNING")
    return database


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"pii-guard {pii_guard.__version__}"


@pytest.mark.parametrize(
    "command",
    [[], ["serve"], ["db"], ["db", "upgrade"], ["db", "downgrade"], ["openapi"], ["api-keys"],
     ["api-keys", "create"], ["api-keys", "list"], ["api-keys", "revoke"], ["demo"],
     ["demo", "seed"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 4


def test_openapi_writes_the_contract(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    result = runner.invoke(app, ["openapi", "--output", str(target)])
    assert result.exit_code == 0
    document = json.loads(target.read_text())
    assert document["info"]["title"] == "pii-guard"
    assert "/v1/api-keys" in document["paths"]


def test_demo_seed_writes_keys_and_is_idempotent(cli_env: Database, tmp_path: Path) -> None:
    first = runner.invoke(app, ["demo", "seed", "--keys-out", "keys.json"])
    assert first.exit_code == 0, first.output
    keys = json.loads((tmp_path / "keys.json").read_text())
    assert set(keys) == {"crm-service", "claims-service", "marketing-service", "steward-a",
                         "steward-b", "auditor", "admin"}
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0
    second = runner.invoke(app, ["demo", "seed", "--keys-out", "keys2.json"])
    assert second.exit_code == 0
    assert json.loads((tmp_path / "keys2.json").read_text()) == keys


def test_api_key_create_list_revoke(cli_env: Database) -> None:
    runner.invoke(app, ["demo", "seed", "--keys-out", "keys.json"])
    created = runner.invoke(app, ["api-keys", "create", "--principal", "auditor",
                                  "--label", "quarterly", "--expires-in-days", "90"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[0]
    prefix = apikeys.public_prefix(key)
    listed = runner.invoke(app, ["api-keys", "list", "--principal", "auditor", "--json"])
    rows = {row["prefix"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert rows[prefix]["label"] == "quarterly"
    assert rows[prefix]["state"] == "active"
    assert key not in listed.stdout
    assert runner.invoke(app, ["api-keys", "revoke", prefix]).exit_code == 0
    after = runner.invoke(app, ["api-keys", "list", "--prefix", prefix, "--json"])
    assert json.loads(after.stdout)["state"] == "revoked"
    table = runner.invoke(app, ["api-keys", "list", "--prefix", prefix])
    assert prefix in table.stdout


def test_api_key_for_unknown_principal_fails_with_code(cli_env: Database) -> None:
    result = runner.invoke(app, ["api-keys", "create", "--principal", "ghost"])
    assert result.exit_code == 1
    assert "principal_not_found" in result.output


def test_invalid_setting_stops_the_command_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PII_GUARD_MAX_BATCH_ITEMS", "0")
    result = runner.invoke(app, ["demo", "seed"])
    assert result.exit_code == 2
    assert "PII_GUARD_MAX_BATCH_ITEMS" in result.output


def test_db_downgrade_and_upgrade(cli_env: Database) -> None:
    assert runner.invoke(app, ["db", "downgrade", "base"]).exit_code == 0
    engine = make_engine(cli_env.url)
    assert migrate.current_revision(engine) is None
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert migrate.is_current(engine)
    engine.dispose()


def test_org_commands_add_a_unit_and_a_principal(cli_env: Database, services: Services) -> None:
    assert runner.invoke(app, ["org", "add-unit", "hq", "HQ"]).exit_code == 0
    assert runner.invoke(app, ["org", "add-unit", "pudong", "Pudong", "--parent", "hq"]
                         ).exit_code == 0
    result = runner.invoke(app, ["org", "add-principal", "core-banking", "--unit", "pudong",
                                 "--role", "customer_service", "--name", "Core banking"])
    assert result.exit_code == 0, result.output
    from pii_guard.identity.units import load_caller

    with transaction(services.session_factory) as session:
        caller = load_caller(session, "core-banking")
    assert caller.unit_path == ("hq", "pudong")
    assert caller.roles == frozenset({"customer_service"})


def test_principal_with_unknown_role_is_refused(cli_env: Database) -> None:
    runner.invoke(app, ["org", "add-unit", "hq", "HQ"])
    result = runner.invoke(app, ["org", "add-principal", "x", "--unit", "hq", "--role", "god"])
    assert result.exit_code == 1
    assert "unknown_role" in result.output
