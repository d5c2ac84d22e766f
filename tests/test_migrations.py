"""Alembic migrations are the only way the schema is made: they run from empty, match the
models exactly, and roll back, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from pii_guard.store import migrate
from pii_guard.store.engine import make_engine
from tests.conftest import Database


def test_upgrade_from_empty_reaches_head(empty_database: Database) -> None:
    engine = make_engine(empty_database.url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert {"principals", "api_keys", "audit_events"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_and_migrations_do_not_drift(empty_database: Database) -> None:
    engine = make_engine(empty_database.url)
    migrate.upgrade(engine)
    assert migrate.drift(engine) == []
    engine.dispose()


def test_downgrade_to_base_removes_every_table_and_upgrade_again_works(
    empty_database: Database,
) -> None:
    engine = make_engine(empty_database.url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_upgrade_twice_is_harmless(empty_database: Database) -> None:
    engine = make_engine(empty_database.url)
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    engine.dispose()


def test_every_advisory_lock_key_is_distinct() -> None:
    """A shared key made the audit sequencer's leadership block every policy change."""
    from pii_guard.store import locks

    assert len(set(locks.ALL.values())) == len(locks.ALL)
