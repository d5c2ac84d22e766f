"""Read a database's tables, column types and comments through SQLAlchemy reflection.

Comments matter most in Chinese schemas, where ``sfzh VARCHAR(18) COMMENT '身份证号码'`` is the
norm: PostgreSQL and MySQL/MariaDB return them from ``get_columns``; SQLite has none. Row counts
are the planner's estimates (free to read), used only to choose a sampling strategy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Inspector

from pii_guard.discovery.model import ColumnInfo, TableInfo, TypeFamily

SYSTEM_SCHEMAS = frozenset({
    "information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys",
})


def family_of(column_type: Any) -> TypeFamily:
    """The coarse kind of a reflected SQL type, which bounds what a column can hold."""
    if isinstance(column_type, sqltypes.Boolean):
        return "boolean"
    if isinstance(column_type, sqltypes.DateTime):
        return "datetime"
    if isinstance(column_type, sqltypes.Date):
        return "date"
    if isinstance(column_type, sqltypes.Time):
        return "time"
    if isinstance(column_type, sqltypes.BigInteger):
        return "bigint"
    if isinstance(column_type, sqltypes.Integer):
        return "integer"
    if isinstance(column_type, sqltypes.Float):
        return "float"
    if isinstance(column_type, sqltypes.Numeric):
        scale = getattr(column_type, "scale", None)
        precision = getattr(column_type, "precision", None)
        if scale in (None, 0) and precision is not None and precision >= 11:
            return "bigint"  # NUMBER(18) / DECIMAL(20,0) hold identifiers in older schemas
        return "decimal"
    if isinstance(column_type, sqltypes.String | sqltypes.Enum):
        return "text"
    if isinstance(column_type, sqltypes._Binary):
        return "binary"
    return "other"


def _length(column_type: Any) -> int | None:
    length = getattr(column_type, "length", None)
    return length if isinstance(length, int) else None


def _type_name(column_type: Any, connection: Connection) -> str:
    try:
        return str(column_type.compile(dialect=connection.dialect))
    except Exception:  # some reflected types cannot compile back (NullType)
        return type(column_type).__name__


def scan_schemas(inspector: Inspector, requested: Sequence[str]) -> list[str]:
    """The schemas to scan: those asked for, else the URL's database on MySQL and SQLite,
    else every non-system schema."""
    if requested:
        return list(dict.fromkeys(requested))
    dialect = inspector.dialect.name
    default = inspector.default_schema_name
    if dialect in ("sqlite", "mysql", "mariadb") and default:
        return [default]
    names = [name for name in inspector.get_schema_names()
             if name not in SYSTEM_SCHEMAS and not name.startswith("pg_")]
    return names or ([default] if default else [])


def reflect_tables(connection: Connection, schemas: Sequence[str]) -> list[TableInfo]:
    """Every base table of ``schemas`` (views are skipped: they repeat their tables' data)."""
    inspector = inspect(connection)
    tables: list[TableInfo] = []
    for schema in scan_schemas(inspector, schemas):
        names = inspector.get_table_names(schema=schema)
        if not names:
            continue
        query_schema = None if schema == inspector.default_schema_name else schema
        columns = inspector.get_multi_columns(schema=query_schema)
        pks = inspector.get_multi_pk_constraint(schema=query_schema)
        comments = _table_comments(inspector, query_schema)
        estimates = row_estimates(connection, schema)
        for name in sorted(names):
            key = (query_schema, name)
            infos = tuple(
                ColumnInfo(name=col["name"], data_type=_type_name(col["type"], connection),
                           family=family_of(col["type"]), length=_length(col["type"]),
                           comment=(col.get("comment") or None))
                for col in columns.get(key, [])
            )
            pk_info: Any = pks.get(key) or {}
            pk = tuple(pk_info.get("constrained_columns") or ())
            tables.append(TableInfo(schema=schema, name=name, columns=infos,
                                    comment=comments.get(key), primary_key=pk,
                                    row_estimate=estimates.get(name)))
    return tables


def _table_comments(inspector: Inspector, schema: str | None) -> dict[Any, str | None]:
    try:
        found = inspector.get_multi_table_comment(schema=schema)
    except NotImplementedError:
        return {}
    return {key: value.get("text") for key, value in found.items()}


def row_estimates(connection: Connection, schema: str) -> dict[str, int]:
    """The planner's row counts per table (no table is read); empty where unknown."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        rows = connection.execute(text(
            "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind IN ('r', 'p')"
        ), {"schema": schema})
        return {name: int(count) for name, count in rows if count is not None and count >= 0}
    if dialect in ("mysql", "mariadb"):
        rows = connection.execute(text(
            "SELECT table_name, table_rows FROM information_schema.tables "
            "WHERE table_schema = :schema AND table_type = 'BASE TABLE'"
        ), {"schema": schema})
        return {name: int(count) for name, count in rows if count is not None}
    return {}
