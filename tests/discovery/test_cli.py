"""`pii-guard scan`, `inventory` and `connections` from the command line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pii_guard.cli import app
from pii_guard.discovery import cli as discovery_cli
from pii_guard.discovery.model import ColumnResult, TableInfo
from tests.conftest import TEST_KEK, Database
from tests.discovery.conftest import Target

runner = CliRunner()


@pytest.fixture
def cli_env(database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Database:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PII_GUARD_DATABASE_URL", database.url)
    monkeypatch.setenv("PII_GUARD_KEY_ENCRYPTION_KEY", TEST_KEK)
    monkeypatch.setenv("PII_GUARD_LOG_LEVEL", "WARNING")
    return database


def test_scan_writes_the_output_file_without_storing(sqlite_target: Target, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["scan", sqlite_target.url, "--no-store", "--output", str(out)])
    assert result.exit_code == 0, result.output
    columns = {c["column"]: c["entity"] for c in json.loads(out.read_text())["columns"]}
    assert columns["sjhm"] == "CN_MOBILE"
    assert not (tmp_path / "pii-guard.db").exists()


def test_scan_stores_the_run_and_prints_the_changes(cli_env: Database,
                                                    sqlite_target: Target) -> None:
    first = runner.invoke(app, ["scan", sqlite_target.url, "--system", "core"])
    second = runner.invoke(app, ["scan", sqlite_target.url, "--system", "core"])
    assert first.exit_code == second.exit_code == 0
    assert "new personal column: main.t_kh_xx.sjhm" in first.output
    assert "new personal column" not in second.output
    exported = runner.invoke(app, ["inventory", "export", "--format", "csv", "--personal-only"])
    assert exported.exit_code == 0
    assert exported.stdout.splitlines()[0].startswith("system,schema,table,column")
    assert len(exported.stdout.splitlines()) == 1 + 6


class InterruptingBar(discovery_cli.BarProgress):
    def table_done(self, table: TableInfo, results: Sequence[ColumnResult],
                   error: str | None) -> None:
        super().table_done(table, results, error)
        raise KeyboardInterrupt


def test_ctrl_c_writes_a_partial_result_and_exits_130(cli_env: Database, sqlite_target: Target,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlite_target.url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t_later (sjhm VARCHAR(11))"))
    engine.dispose()
    monkeypatch.setattr(discovery_cli, "BarProgress", InterruptingBar)
    out = tmp_path / "partial.json"
    result = runner.invoke(app, ["scan", sqlite_target.url, "--output", str(out)])
    assert result.exit_code == 130
    partial = json.loads(out.read_text())
    assert (partial["complete"], partial["tables_done"], partial["tables_total"]) == (False, 1, 2)
    runs = runner.invoke(app, ["inventory", "runs"])
    assert "interrupted" in runs.output


def test_connections_are_stored_listed_without_password_and_removed(cli_env: Database) -> None:
    url = "postgresql+psycopg://scanner:Hush-123@db.example:5432/core"
    added = runner.invoke(app, ["connections", "add", "core"], input=url + "\n")
    listed = runner.invoke(app, ["connections", "list"])
    removed = runner.invoke(app, ["connections", "remove", "core"])
    assert (added.exit_code, listed.exit_code, removed.exit_code) == (0, 0, 0)
    assert "core\tpostgresql+psycopg://scanner:***@db.example:5432/core" in listed.output
    assert "Hush-123" not in added.output + listed.output
    assert runner.invoke(app, ["connections", "list"]).stdout == ""


def test_scan_needs_exactly_one_source(cli_env: Database) -> None:
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 2
