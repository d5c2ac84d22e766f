"""Scan targets for discovery tests: real SQLite, PostgreSQL and MariaDB databases holding a
small customer schema with Chinese comments and generated (valid, fictitious) values."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.discovery_data import Values
from pii_guard.classification.pack import load_rule_pack
from pii_guard.discovery.columns.judge import KnowledgeJudge
from pii_guard.discovery.columns.knowledge import ColumnKnowledge, load_column_knowledge
from pii_guard.discovery.scanner import Scanner
from pii_guard.discovery.service import build_scanner
from tests.conftest import PostgresServer

MARIADB_ADMIN_URL = "mysql+pymysql://root@127.0.0.1:3306"
ROWS = 60

# column, SQL type, comment, expected entity
CUSTOMER_COLUMNS = [
    ("khh", "VARCHAR(20)", "客户号", None),
    ("khxm", "VARCHAR(60)", "客户姓名", "PERSON"),
    ("zjlx", "VARCHAR(2)", "证件类型", None),
    ("zjhm", "VARCHAR(32)", "证件号码", "CN_RESIDENT_ID"),
    ("sjhm", "VARCHAR(20)", "手机号码", "CN_MOBILE"),
    ("jtzz", "VARCHAR(200)", "家庭住址", "ADDRESS"),
    ("ye", "DECIMAL(18,2)", "账户余额", None),
    ("ddh", "VARCHAR(32)", "订单号", "BANK_CARD"),  # holds card numbers: values outweigh
    ("bz", "VARCHAR(500)", "备注", "CN_RESIDENT_ID"),  # some remarks quote an ID number
    ("khrq", "DATE", "开户日期", None),
]


@dataclass(frozen=True)
class Target:
    backend: str
    url: str
    schema: str


def customer_rows(count: int = ROWS, seed: int = 7) -> list[dict[str, object]]:
    v = Values(seed)
    rows = []
    for i in range(count):
        remark = f"客户来电，身份证号{v.resident_id()}已核验" if i % 10 == 0 else "客户来电咨询账单"
        rows.append({"khh": f"C{i:08d}", "khxm": v.person(), "zjlx": "01",
                     "zjhm": v.resident_id(), "sjhm": v.mobile(), "jtzz": v.address(),
                     "ye": f"{v.r.uniform(0, 99999):.2f}", "ddh": v.card(), "bz": remark,
                     "khrq": "2021-03-04"})
    return rows


def create_customer_table(url: str, *, comments: str) -> None:
    """The t_kh_xx table with comments the dialect's way (mysql inline, postgresql COMMENT ON,
    sqlite none)."""
    engine = create_engine(url)
    columns = []
    for name, sql_type, comment, _ in CUSTOMER_COLUMNS:
        inline = f" COMMENT '{comment}'" if comments == "mysql" else ""
        columns.append(f"{name} {sql_type}{inline}")
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE t_kh_xx ({', '.join(columns)}, "
                                "PRIMARY KEY (khh))"))
        if comments == "postgresql":
            connection.execute(text("COMMENT ON TABLE t_kh_xx IS '客户信息表'"))
            for name, _, comment, _ in CUSTOMER_COLUMNS:
                connection.execute(text(f"COMMENT ON COLUMN t_kh_xx.{name} IS '{comment}'"))
        names = [c[0] for c in CUSTOMER_COLUMNS]
        connection.execute(text(f"INSERT INTO t_kh_xx ({', '.join(names)}) VALUES "
                                f"({', '.join(':' + n for n in names)})"), customer_rows())
    engine.dispose()


@pytest.fixture(scope="session")
def knowledge() -> ColumnKnowledge:
    return load_column_knowledge(load_rule_pack())


@pytest.fixture(scope="session")
def judge(knowledge: ColumnKnowledge) -> KnowledgeJudge:
    return KnowledgeJudge(knowledge)


@pytest.fixture(scope="session")
def scanner() -> Scanner:
    return build_scanner()


@pytest.fixture
def sqlite_target(tmp_path: Path) -> Target:
    url = f"sqlite:///{tmp_path / 'target.db'}"
    create_customer_table(url, comments="none")
    return Target("sqlite", url, "main")


@pytest.fixture(scope="session")
def postgres_target(postgres: PostgresServer) -> Iterator[Target]:
    name = postgres.create()
    url = postgres.url(name)
    create_customer_table(url, comments="postgresql")
    yield Target("postgresql", url, "public")
    postgres.drop(name)


@pytest.fixture(scope="session")
def mariadb_target() -> Iterator[Target]:
    admin = create_engine(MARIADB_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"piig_scan_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    except Exception as exc:  # the suite must not silently skip its MariaDB tests
        pytest.fail(f"MariaDB is not reachable at {MARIADB_ADMIN_URL}: {type(exc).__name__}")
    url = f"{MARIADB_ADMIN_URL}/{name}?charset=utf8mb4"
    create_customer_table(url, comments="mysql")
    yield Target("mariadb", url, name)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
    admin.dispose()


def with_password(url: str, password: str) -> str:
    """The same URL with a password (PostgreSQL trusts local connections and ignores it)."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)
