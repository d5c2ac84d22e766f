"""Configuration: defaults, environment, TOML file, and start-up refusals that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from pii_guard.config import load_settings
from pii_guard.errors import ConfigurationError
from pii_guard.masking.kek import decode_kek, generate_kek_text, load_kek


def test_defaults_use_a_sqlite_file_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("PII_GUARD_DATABASE_URL", "PII_GUARD_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///pii-guard.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PII_GUARD_MAX_BATCH_ITEMS", "7")
    monkeypatch.setenv("PII_GUARD_LOG_LEVEL", "WARNING")
    settings = load_settings()
    assert settings.max_batch_items == 7
    assert settings.log_level == "WARNING"


def test_toml_file_is_read_and_environment_wins_over_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "pii-guard.toml"
    config.write_text('port = 9100\nmax_text_chars = 5000\n')
    monkeypatch.setenv("PII_GUARD_CONFIG_FILE", str(config))
    monkeypatch.setenv("PII_GUARD_PORT", "9200")
    settings = load_settings()
    assert settings.max_text_chars == 5000
    assert settings.port == 9200


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("PII_GUARD_PORT", "not-a-port", "PII_GUARD_PORT"),
        ("PII_GUARD_PORT", "70000", "PII_GUARD_PORT"),
        ("PII_GUARD_DATABASE_URL", "mongodb://localhost/x", "PII_GUARD_DATABASE_URL"),
        ("PII_GUARD_DATABASE_URL", "::not a url::", "PII_GUARD_DATABASE_URL"),
        ("PII_GUARD_LOG_LEVEL", "LOUD", "PII_GUARD_LOG_LEVEL"),
        ("PII_GUARD_MAX_BODY_BYTES", "10", "PII_GUARD_MAX_BODY_BYTES"),
        ("PII_GUARD_ENVIRONMENT", "staging", "PII_GUARD_ENVIRONMENT"),
    ],
)
def test_invalid_setting_stops_start_up_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert caught.value.code == "invalid_setting"
    assert named in caught.value.message


def test_unknown_key_in_config_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "pii-guard.toml"
    config.write_text("prot = 1\n")
    monkeypatch.setenv("PII_GUARD_CONFIG_FILE", str(config))
    with pytest.raises(ConfigurationError, match="PII_GUARD_PROT"):
        load_settings()


def test_missing_config_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PII_GUARD_CONFIG_FILE", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigurationError, match=r"absent\.toml"):
        load_settings()


def test_production_refuses_to_start_without_a_key_encryption_key() -> None:
    with pytest.raises(ConfigurationError, match="key_encryption_key"):
        load_settings(environment="production")


def test_development_generates_a_private_local_key_once(tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    first = load_kek(settings, generated_dir=tmp_path)
    second = load_kek(settings, generated_dir=tmp_path)
    assert first.material == second.material
    assert (tmp_path / "pii-guard.kek").stat().st_mode & 0o077 == 0


def test_configured_key_is_used_and_never_shown_in_its_repr() -> None:
    text = generate_kek_text()
    kek = load_kek(load_settings(key_encryption_key=text))
    assert kek.material == decode_kek(text, "x").material
    assert text not in repr(kek)
    assert text not in repr(load_settings(key_encryption_key=text))


@pytest.mark.parametrize("text", ["not base64 !!", "c2hvcnQ="])
def test_malformed_key_stops_start_up(text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_kek(load_settings(key_encryption_key=text))
    assert caught.value.code == "invalid_kek"


def test_unreadable_key_file_names_the_setting(tmp_path: Path) -> None:
    settings = load_settings(key_encryption_key_file=tmp_path / "missing.key")
    with pytest.raises(ConfigurationError, match="PII_GUARD_KEY_ENCRYPTION_KEY_FILE"):
        load_kek(settings)


def test_derived_keys_differ_by_purpose() -> None:
    kek = decode_kek(generate_kek_text(), "test")
    assert kek.derive("a") != kek.derive("b")
    assert kek.derive("a") == kek.derive("a")
