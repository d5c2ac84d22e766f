"""Schema changes go through Alembic only; this module is how code and the CLI drive it.

On PostgreSQL an advisory lock serialises concurrent upgrades (several workers starting at
once); SQLite serialises writers by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from pii_guard.store import locks
from pii_guard.store.models import Base


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "pii_guard.store:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": locks.MIGRATION})
            connection.commit()
        try:
            yield connection
        finally:
            if connection.dialect.name == "postgresql":
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:id)"),
                                   {"id": locks.MIGRATION})
                connection.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with _locked(engine) as connection:
        command.upgrade(alembic_config(connection), revision)
        connection.commit()


def downgrade(engine: Engine, revision: str) -> None:
    with _locked(engine) as connection:
        command.downgrade(alembic_config(connection), revision)
        connection.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave out tables made at run time rather than by migrations (PostgreSQL partitions of
    the audit log): models declare their name patterns in ``Base.metadata.info``."""
    if type_ == "table" and name:
        patterns = Base.metadata.info.get("unmanaged_tables", ())
        return not any(pattern.fullmatch(name) for pattern in patterns)
    return True


def drift(engine: Engine) -> list[Any]:
    """Differences between the migrated schema and the models (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True,
                              "include_name": include_name}
        )
        return list(compare_metadata(context, Base.metadata))
