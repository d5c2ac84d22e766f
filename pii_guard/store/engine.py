"""Engines and sessions, built by the application factory from settings (never at import)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.errors import ServiceUnavailable


def normalise_url(url: str | URL) -> URL:
    """Prefer psycopg 3 for PostgreSQL and PyMySQL for MySQL when no driver is named."""
    parsed = make_url(url)
    driver_for = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql",
                  "mariadb": "mariadb+pymysql"}
    if parsed.drivername in driver_for:
        parsed = parsed.set(drivername=driver_for[parsed.drivername])
    return parsed


def sqlite_path(url: str | URL) -> Path | None:
    """The absolute file behind a SQLite URL, or None for other backends and memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str | URL, *, pool_size: int = 10, **kwargs: Any) -> Engine:
    """An engine with the settings every pii-guard process uses on this backend."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False},
                               hide_parameters=True, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(parsed, pool_pre_ping=True, pool_size=pool_size,
                         max_overflow=pool_size, hide_parameters=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    with factory() as session, session.begin():
        yield session


DATABASE_FAULTS: tuple[type[Exception], ...] = (
    OperationalError, InterfaceError, DisconnectionError, SQLAlchemyTimeoutError,
)


def is_database_fault(exc: BaseException) -> bool:
    """True for errors that mean the database is unreachable rather than the request is wrong."""
    return isinstance(exc, DATABASE_FAULTS)


def database_unavailable(exc: BaseException) -> ServiceUnavailable:
    error = ServiceUnavailable("database_unavailable", "the database cannot be reached")
    error.__cause__ = exc
    return error


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
