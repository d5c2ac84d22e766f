"""What auditors ask of the log: filtered pages in sequence order, one subject's accesses, daily
summaries, and whole filtered streams for export. Read-only; sequenced events only."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, cast, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.errors import InvalidCursor
from pii_guard.store.models.audit import AuditEventRow, AuditHourlyCount
from pii_guard.store.models.identity import Principal

MAX_SUMMARY_DAYS = 366
EVENT_COLUMNS = list(AuditEventRow.__table__.columns)


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Every criterion is optional; all given ones must hold. Times bound ``occurred_at``
    (``since`` inclusive, ``until`` exclusive)."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    principal_id: str | None = None
    subject_ref: str | None = None
    purpose: str | None = None
    action: str | None = None
    tier: str | None = None
    decision: str | None = None
    unit_code: str | None = None

    def as_details(self) -> dict[str, str]:
        """The filter as it is recorded in the auditor's own audit event."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value.isoformat() if isinstance(value, dt.datetime) else value
                for name, value in values.items() if value is not None}


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The last seq a previous page returned (-1 for the first page)."""
    if not cursor:
        return -1
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        seq = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor(message="cursor is not one this service issued") from None
    if kind != "seq" or seq < 0:
        raise InvalidCursor(message="cursor is not one this service issued")
    return seq


def _contains(session: Session, column: Any, value: str) -> ColumnElement[bool]:
    """JSON array ``column`` holds ``value``."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(column, JSONB).contains([value])
    items = func.json_each(column).table_valued("value")
    return select(literal(1)).select_from(items).where(items.c.value == value).exists()


def apply_filter(session: Session, statement: Select[Any], where: EventFilter) -> Select[Any]:
    e = AuditEventRow
    equal = {"principal_id": e.principal_id, "subject_ref": e.subject_ref,
             "purpose": e.purpose, "action": e.action, "decision": e.decision,
             "unit_code": e.unit_code}
    for name, column in equal.items():
        value = getattr(where, name)
        if value is not None:
            statement = statement.where(column == value)
    if where.since is not None:
        # Implied by the sequencer's invariant sequenced_at >= occurred_at; it lets PostgreSQL
        # skip the monthly partitions before ``since``.
        statement = statement.where(e.occurred_at >= where.since,
                                    e.sequenced_at >= where.since)
    if where.until is not None:
        statement = statement.where(e.occurred_at < where.until)
    if where.tier is not None:
        statement = statement.where(_contains(session, e.tiers, where.tier))
    return statement


def _with_names(statement: Select[Any]) -> Select[Any]:
    return statement.add_columns(Principal.display_name.label("principal_name")).outerjoin(
        Principal, Principal.id == AuditEventRow.principal_id)


@dataclass
class EventPage:
    events: list[dict[str, Any]]
    next_cursor: str | None


def page(session: Session, where: EventFilter, limit: int, cursor: str | None) -> EventPage:
    """Up to ``limit`` events after ``cursor`` in sequence order."""
    after = decode_cursor(cursor)
    statement = apply_filter(session, select(*EVENT_COLUMNS), where)
    statement = _with_names(statement.where(AuditEventRow.seq > after)
                            .order_by(AuditEventRow.seq).limit(limit + 1))
    rows = [dict(row._mapping) for row in session.execute(statement)]
    more = len(rows) > limit
    rows = rows[:limit]
    return EventPage(rows, encode_cursor(rows[-1]["seq"]) if more else None)


@dataclass
class SubjectReport:
    subject_ref: str
    total: int
    by_decision: dict[str, int]
    principals: list[dict[str, Any]]
    accesses: list[dict[str, Any]]
    next_cursor: str | None


def subject_report(session: Session, subject_ref: str, limit: int,
                   cursor: str | None) -> SubjectReport:
    """Every event about one subject (allowed and denied), who saw what, when and why."""
    e = AuditEventRow
    counts = session.execute(
        select(e.principal_id, Principal.display_name, e.decision, func.count())
        .outerjoin(Principal, Principal.id == e.principal_id)
        .where(e.subject_ref == subject_ref)
        .group_by(e.principal_id, Principal.display_name, e.decision))
    by_decision: dict[str, int] = defaultdict(int)
    principals: dict[str | None, dict[str, Any]] = {}
    for principal_id, name, decision, count in counts:
        by_decision[decision] += count
        entry = principals.setdefault(principal_id, {
            "principal_id": principal_id, "principal_name": name, "allowed": 0, "denied": 0})
        entry[decision] = entry.get(decision, 0) + count
    accesses = page(session, EventFilter(subject_ref=subject_ref), limit, cursor)
    return SubjectReport(subject_ref, sum(by_decision.values()), dict(by_decision),
                         sorted(principals.values(), key=lambda p: str(p["principal_id"])),
                         accesses.events, accesses.next_cursor)


def iter_events(factory: sessionmaker[Session], where: EventFilter,
                chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Every matching event in sequence order, read in short transactions of ``chunk``."""
    cursor: str | None = None
    while True:
        with factory() as session:
            result = page(session, where, chunk, cursor)
        yield from result.events
        if result.next_cursor is None:
            return
        cursor = result.next_cursor


@dataclass
class DaySummary:
    day: dt.date
    total: int = 0
    by_decision: dict[str, int] = field(default_factory=dict)
    by_purpose: dict[str, int] = field(default_factory=dict)
    by_tier: dict[str, int] = field(default_factory=dict)


def daily_summaries(session: Session, since: dt.date, until: dt.date,
                    zone: ZoneInfo) -> list[DaySummary]:
    """Events per local day in ``zone`` from ``since`` to ``until`` (inclusive), counted by
    decision, purpose (``none`` when absent) and highest tier (``none`` when no finding).

    Read from the hourly counters the sequencer keeps (UTC hours), so the cost does not grow
    with the number of events; days are exact in zones with whole-hour offsets (China's)."""
    start = dt.datetime.combine(since, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    h = AuditHourlyCount
    rows = session.execute(select(h.hour, h.purpose, h.tier, h.decision, h.events)
                           .where(h.hour >= start, h.hour < end))
    days: dict[dt.date, DaySummary] = {}
    for hour, purpose, tier, decision, events in rows:
        day = hour.astimezone(zone).date()
        summary = days.setdefault(day, DaySummary(day))
        summary.total += events
        for counts, key in ((summary.by_decision, decision),
                            (summary.by_purpose, purpose or "none"),
                            (summary.by_tier, tier or "none")):
            counts[key] = counts.get(key, 0) + events
    return [days[day] for day in sorted(days)]
