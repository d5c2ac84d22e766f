"""The data inventory: scan runs and the columns they found, stored and queried.

Every column row belongs to the run that produced it. The *current* inventory of a system is,
per schema, the newest completed run that scanned that schema (or, before any run completed,
the newest partial one), so an interrupted re-scan never hides a complete earlier picture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.discovery.errors import ScanNotFound
from pii_guard.discovery.model import ScanResult
from pii_guard.store.base import new_id, utcnow
from pii_guard.store.models.discovery import InventoryColumn, ScanRun

TIER_RANK = {"C1": 1, "C2": 2, "C3": 3}
FINISHED = ("completed", "interrupted", "failed")


@dataclass(frozen=True, slots=True)
class InventoryFilter:
    system: str | None = None
    schema: str | None = None
    table: str | None = None
    entity: str | None = None
    tier: str | None = None
    personal_only: bool = False
    run_id: str | None = None


def open_run(session: Session, *, system: str, source: str, engine: str,
             schemas: Sequence[str], sample_size: int, connection_name: str | None = None,
             requested_by: str | None = None, state: str = "running") -> ScanRun:
    run = ScanRun(id=new_id(), system=system, source=source, connection_name=connection_name,
                  engine=engine, schemas=list(schemas), sample_size=sample_size, state=state,
                  complete=False, tables_total=0, tables_done=0, columns_done=0, errors=[],
                  requested_by=requested_by, started_at=utcnow())
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: str) -> ScanRun:
    run = session.get(ScanRun, run_id)
    if run is None:
        raise ScanNotFound("scan_not_found", f"no scan run {run_id!r}")
    return run


def list_runs(session: Session, system: str | None = None, limit: int = 50) -> list[ScanRun]:
    query = select(ScanRun).order_by(ScanRun.started_at.desc(), ScanRun.id).limit(limit)
    if system is not None:
        query = query.where(ScanRun.system == system)
    return list(session.scalars(query))


def record_progress(factory: sessionmaker[Session], run_id: str, *, tables_total: int,
                    tables_done: int, columns_done: int, state: str = "running") -> None:
    """Progress of a running scan, in its own short transaction (read by GET /v1/scans/{id})."""
    with factory() as session, session.begin():
        session.execute(update(ScanRun).where(ScanRun.id == run_id).values(
            tables_total=tables_total, tables_done=tables_done, columns_done=columns_done,
            state=state))


def finish_run(session: Session, run_id: str, result: ScanResult | None, *, state: str,
               errors: Sequence[str] = ()) -> ScanRun:
    """Store a run's columns (if any) and its final state, in the caller's transaction."""
    run = get_run(session, run_id)
    run.state = state
    run.finished_at = utcnow()
    run.errors = list(errors)
    if result is not None:
        run.complete = result.complete and state == "completed"
        run.tables_total = result.tables_total
        run.tables_done = result.tables_done
        run.columns_done = len(result.columns)
        run.errors = [*result.errors, *errors]
        if not run.schemas:
            run.schemas = result.schemas
        session.add_all(
            InventoryColumn(run_id=run_id, system=run.system, schema_name=c.schema,
                            table_name=c.table, column_name=c.column.name,
                            data_type=c.column.data_type[:100], comment=c.column.comment,
                            entity=c.decision.entity, category=c.decision.category,
                            tier=c.decision.tier, confidence=round(c.decision.confidence, 4),
                            evidence=dict(c.decision.evidence))
            for c in result.columns)
    session.flush()
    return run


def current_runs(session: Session, system: str | None = None) -> list[tuple[str, str]]:
    """``(run_id, schema)`` pairs making up the current inventory (of one system or all)."""
    query = (select(InventoryColumn.run_id, InventoryColumn.system, InventoryColumn.schema_name,
                    ScanRun.complete, ScanRun.started_at)
             .join(ScanRun, ScanRun.id == InventoryColumn.run_id)
             .where(ScanRun.state.in_(FINISHED))
             .distinct())
    if system is not None:
        query = query.where(InventoryColumn.system == system)
    best: dict[tuple[str, str], tuple[bool, dt.datetime, str]] = {}
    for run_id, sys_name, schema, complete, started in session.execute(query):
        key = (sys_name, schema)
        rank = (bool(complete), started, run_id)
        if key not in best or rank > best[key]:
            best[key] = rank
    return [(rank[2], schema) for (_, schema), rank in best.items()]


def query_columns(session: Session, where: InventoryFilter) -> Select[Any]:
    """The inventory rows matching ``where`` (the current inventory unless a run is named)."""
    query = select(InventoryColumn)
    if where.run_id is not None:
        query = query.where(InventoryColumn.run_id == where.run_id)
    else:
        pairs = current_runs(session, where.system)
        if not pairs:
            return query.where(InventoryColumn.id.is_(None))
        query = query.where(tuple_(InventoryColumn.run_id, InventoryColumn.schema_name)
                            .in_(pairs))
    for attribute, value in ((InventoryColumn.system, where.system),
                             (InventoryColumn.schema_name, where.schema),
                             (InventoryColumn.table_name, where.table),
                             (InventoryColumn.entity, where.entity),
                             (InventoryColumn.tier, where.tier)):
        if value is not None:
            query = query.where(attribute == value)
    if where.personal_only:
        query = query.where(InventoryColumn.entity.is_not(None))
    return query.order_by(InventoryColumn.system, InventoryColumn.schema_name,
                          InventoryColumn.table_name, InventoryColumn.id)


def columns(session: Session, where: InventoryFilter, limit: int | None = None,
            offset: int = 0) -> list[InventoryColumn]:
    query = query_columns(session, where).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
