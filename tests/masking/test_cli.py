"""``pii-guard keys``: list, rotate, shred-subject against a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pii_guard.authz.treatments import Treatment
from pii_guard.cli import app
from pii_guard.config import Settings
from pii_guard.masking import TokenError
from pii_guard.services import Services
from tests.conftest import TEST_KEK, Database

runner = CliRunner()


@pytest.fixture
def cli_env(database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Database:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PII_GUARD_DATABASE_URL", database.url)
    monkeypatch.setenv("PII_GUARD_KEY_ENCRYPTION_KEY", TEST_KEK)
    monkeypatch.setenv("PII_GUARD_LOG_LEVEL", "WARNING")
    return database


def test_rotate_then_list_shows_both_versions(cli_env: Database) -> None:
    rotated = runner.invoke(app, ["keys", "rotate", "--reason", "annual"])
    assert rotated.exit_code == 0, rotated.output
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0, listed.output
    assert "retired" in listed.stdout
    assert "active" in listed.stdout
    assert "subject keys: 0 live, 0 shredded" in listed.stdout


def test_shred_subject_destroys_the_subjects_tokens(cli_env: Database) -> None:
    started = Services.start(Settings(database_url=cli_env.url, key_encryption_key=TEST_KEK))
    try:
        token = started.treatments.apply("13812345678", entity="CN_MOBILE",
                                         treatment=Treatment.TOKEN, subject_id="C0009")
        result = runner.invoke(app, ["keys", "shred-subject", "C0009"])
        assert result.exit_code == 0, result.output
        with pytest.raises(TokenError):
            started.treatments.detokenize(token, entity="CN_MOBILE", subject_id="C0009")
        again = runner.invoke(app, ["keys", "shred-subject", "C0009"])
        assert again.exit_code == 1
    finally:
        started.close()
