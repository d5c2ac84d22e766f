"""The one settings class, read once at start-up.

Values come from, highest priority first: explicit keyword arguments (tests, the CLI), the
environment (``PII_GUARD_*``), an optional TOML file named by ``PII_GUARD_CONFIG_FILE`` (or the
CLI's ``--config``), then the defaults below. Nothing else in the package reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from pii_guard.errors import ConfigurationError

ENV_PREFIX = "PII_GUARD_"
CONFIG_FILE_ENV = "PII_GUARD_CONFIG_FILE"
DEFAULT_SQLITE_NAME = "pii-guard.db"


class Settings(BaseSettings):
    """Typed configuration of one pii-guard deployment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        validate_default=True,
        frozen=True,
    )

    environment: Literal["development", "production"] = Field(
        "development",
        description="`production` refuses to start without a configured key-encryption key.",
    )
    database_url: str = Field(
        f"sqlite:///{DEFAULT_SQLITE_NAME}",
        description="SQLAlchemy URL. Default: a SQLite file in the working directory.",
    )
    key_encryption_key: SecretStr | None = Field(
        None,
        description="Key-encryption key, 32 bytes in base64 (urlsafe or standard).",
    )
    key_encryption_key_file: Path | None = Field(
        None,
        description="File holding the key-encryption key (base64). Used when the key is not set.",
    )
    host: str = Field("127.0.0.1", description="Interface `serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes for `serve`.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Lowest level written to the structured log."
    )
    log_format: Literal["json", "console"] = Field(
        "json", description="`json` lines for machines, `console` for people."
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, le=64 * 1_048_576, description="Largest request body accepted."
    )
    max_json_depth: int = Field(
        32, ge=2, le=256, description="Deepest nesting of arrays and objects in a JSON body."
    )
    max_text_chars: int = Field(
        200_000, ge=1, le=10_000_000, description="Longest text accepted in one item."
    )
    max_batch_items: int = Field(
        100, ge=1, le=10_000, description="Most items in one batch call."
    )
    max_record_fields: int = Field(
        2_000, ge=1, le=1_000_000, description="Most leaf fields in one record."
    )
    auth_cache_seconds: float = Field(
        2.0,
        ge=0,
        le=300,
        description="How long a verified API key is trusted before it is looked up again.",
    )
    compute_threads: int = Field(
        1, ge=1, le=64,
        description="Threads per worker process that run detection, classification and "
        "treatments. Python runs one of them at a time; more only add lock hand-offs (measured: "
        "four threads do a third of one thread's detections per second).",
    )
    demo: bool = Field(False, description="Seed the demo organisation at start-up.")
    grant_max_minutes: int = Field(
        7 * 24 * 60, ge=1, le=90 * 24 * 60,
        description="Longest duration a grant of elevated access may be asked for.",
    )
    grant_sweep_seconds: float = Field(
        30.0, gt=0, le=3600,
        description="How often expired grants are marked expired (and audited). Decisions "
        "stop honouring a grant at its end regardless.",
    )
    audit_retention_years: int = Field(
        5, ge=3, le=100,
        description="Years the audit log is kept before `pii-guard audit prune` may remove it "
        "(PIPL Art. 54-56 processing records: at least 3).",
    )
    audit_checkpoint_interval_seconds: float = Field(
        300.0, ge=1, le=86_400,
        description="How often the sequencer signs a checkpoint when the log has grown.",
    )
    audit_sequencer_interval_seconds: float = Field(
        0.2, ge=0.01, le=60,
        description="How long the sequencer sleeps when the inbox is empty.",
    )
    audit_partitions_ahead: int = Field(
        2, ge=1, le=24,
        description="Monthly audit partitions made ahead of time (PostgreSQL).",
    )
    audit_write_timeout_seconds: float = Field(
        10.0, gt=0, le=300,
        description="Longest wait for an audit event to be stored before the call fails.",
    )
    scan_sample_size: int = Field(
        200, ge=0, le=100_000, description="Rows sampled per table by a discovery scan."
    )
    scan_table_timeout: float = Field(
        30.0, gt=0, le=3600, description="Longest a discovery scan's query may run on one table."
    )
    scan_workers: int = Field(
        2, ge=1, le=32, description="Discovery scans the service runs at once in the background."
    )
    spark_master: str = Field(
        "local[*]", min_length=1, description="Spark master URL for `--engine spark` scans."
    )
    rule_packs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra rule-pack files or directories of *.yaml loaded after the default "
        "pack (classifiers/), e.g. a deployment's own policy-number format. In the environment: "
        "paths separated by the OS path separator (`:` on Linux) or commas.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_FILE_ENV)
        if config_file:
            path = Path(config_file)
            if not path.is_file():
                raise ConfigurationError(
                    "config_file_missing", f"{CONFIG_FILE_ENV}: no file at {path}"
                )
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @field_validator("rule_packs", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(",", os.pathsep).split(os.pathsep)
                    if part.strip()]
        return value

    @field_validator("rule_packs")
    @classmethod
    def _packs_exist(cls, value: list[Path]) -> list[Path]:
        missing = [str(p) for p in value if not p.exists()]
        if missing:
            raise ValueError(f"no such rule-pack file or directory: {', '.join(missing)}")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("pii-guard stores its data in SQLite or PostgreSQL")
        return value

    @model_validator(mode="after")
    def _production_needs_kek(self) -> Settings:
        if self.environment == "production" and not (
            self.key_encryption_key or self.key_encryption_key_file
        ):
            raise ValueError(
                "key_encryption_key or key_encryption_key_file is required in production"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning a validation failure into one message naming the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            env_name = ENV_PREFIX + name.upper() if error["loc"] else name
            problems.append(f"{env_name}: {error['msg']}")
        raise ConfigurationError("invalid_setting", "; ".join(problems)) from None
