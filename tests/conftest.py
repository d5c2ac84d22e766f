"""Shared fixtures. Storage-touching tests take ``database`` (or something built on it) and run
once on SQLite and once on PostgreSQL, each test in its own freshly created database cloned
from a template migrated once per test session."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from pii_guard.api.app import create_app
from pii_guard.config import Settings
from pii_guard.identity.bootstrap import seed_demo
from pii_guard.services import Services
from pii_guard.store import migrate
from pii_guard.store.engine import make_engine, transaction

PG_ADMIN_URL = os.environ.get(
    "PII_GUARD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TEST_KEK = "dGVzdC1rZWstZm9yLXBpaS1ndWFyZC10ZXN0cy0zMmI="  # 32 bytes, tests only
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@dataclass(frozen=True)
class Database:
    backend: str
    url: str


class PostgresServer:
    """Creates and drops uniquely named databases on the local PostgreSQL server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        name = f"piig_test_{uuid.uuid4().hex[:12]}"
        with self.engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return name

    def drop(self, name: str) -> None:
        with self.engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer(PG_ADMIN_URL)
    try:
        with server.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # the suite must not silently skip half its storage tests
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    yield server
    server.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no schema at all, on each backend."""
    if request.param == "sqlite":
        yield Database("sqlite", f"sqlite:///{tmp_path / 'empty.db'}")
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = server.create()
    yield Database("postgresql", server.url(name))
    server.drop(name)


@pytest.fixture(scope="session")
def postgres_database(postgres: PostgresServer) -> Iterator[str]:
    """This test session's own PostgreSQL database, created fresh and migrated once."""
    name = postgres.create()
    engine = make_engine(postgres.url(name))
    migrate.upgrade(engine)
    engine.dispose()
    yield postgres.url(name)
    postgres.drop(name)


def _empty_all_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [name for name in inspect(connection).get_table_names()
                  if name != "alembic_version"]
        if tables:
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database holding nothing, for this test alone, on each backend.

    SQLite: a copy of a template file migrated once per session. PostgreSQL: this session's own
    freshly created database, emptied before each test (creating a database per test costs
    about a second on PostgreSQL).
    """
    if request.param == "sqlite":
        path = tmp_path / "pii-guard.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield Database("sqlite", f"sqlite:///{path}")
        return
    url: str = request.getfixturevalue("postgres_database")
    _empty_all_tables(url)
    yield Database("postgresql", url)


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(database_url=database.url, key_encryption_key=TEST_KEK, log_format="console")


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    started = Services.start(settings)
    yield started
    started.close()


@pytest.fixture
def demo_keys(services: Services) -> dict[str, str]:
    with transaction(services.session_factory) as session:
        return seed_demo(session, services.hasher)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client


PostgresAdmin = PostgresServer | None


@pytest.fixture
def postgres_admin(request: pytest.FixtureRequest, database: Database) -> PostgresAdmin:
    """The server administrator when the test runs on PostgreSQL, else None."""
    if database.backend != "postgresql":
        return None
    server: PostgresServer = request.getfixturevalue("postgres")
    return server


@contextmanager
def database_unreachable(database: Database, services: Services,
                         admin: PostgresAdmin) -> Iterator[None]:
    """Make the real database refuse connections for a while (a fault, not a mock):
    PostgreSQL stops accepting connections to it and drops the open ones; a SQLite file is
    replaced by a directory SQLite cannot open.

    On PostgreSQL the pool is not disposed: a connection some thread had checked out at that
    moment would be orphaned and left open until garbage collection. The server ends every
    connection instead, and the pool's pre-ping finds them dead."""
    if database.backend == "postgresql":
        assert admin is not None
        name = make_url(database.url).database
        with admin.engine.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name AND pid <> pg_backend_pid()"),
                               {"name": name})
        try:
            yield
        finally:
            with admin.engine.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        return
    services.engine.dispose()
    path = Path(make_url(database.url).database or "")
    moved = path.with_suffix(".away")
    path.rename(moved)
    path.mkdir()
    try:
        yield
    finally:
        services.engine.dispose()
        path.rmdir()
        moved.rename(path)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
