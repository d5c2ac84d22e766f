"""Recording: every committed event gets exactly one contiguous sequence number; events of
rolled-back transactions leave no trace and no gap; a bad or unstorable event fails its call."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from pii_guard.audit.canonical import EVENT_KEYS, event_leaf_hash
from pii_guard.audit.errors import AuditUnavailable, InvalidAuditEvent
from pii_guard.audit.events import AuditEvent
from pii_guard.audit.log import AuditLog
from pii_guard.audit.tiles import TreeReader
from pii_guard.services import Services
from pii_guard.store.engine import make_engine, make_session_factory
from pii_guard.store.models.audit import AuditEventRow
from tests.audit.helpers import record_events, sample_event, verify


def stored(services: Services) -> list[tuple[int, str]]:
    services.audit.flush()
    with services.session_factory() as session:
        rows = session.execute(select(AuditEventRow.seq, AuditEventRow.id)
                               .order_by(AuditEventRow.seq))
        return [(seq, event_id) for seq, event_id in rows]


def test_concurrent_durable_records_get_contiguous_unique_seqs(services: Services) -> None:
    record_events(services, 300)
    rows = stored(services)
    assert [seq for seq, _ in rows] == list(range(300))
    assert len({event_id for _, event_id in rows}) == 300
    assert verify(services).ok


def test_an_event_in_a_rolled_back_transaction_leaves_no_event_and_no_gap(
    services: Services,
) -> None:
    services.audit.record_now(sample_event(1))
    kept = AuditEvent(action="policy.change", decision="allowed", reason="approved")
    dropped = AuditEvent(action="policy.change", decision="allowed", reason="approved")
    with services.session_factory() as session:
        session.begin()
        services.audit.record(session, dropped)
        session.flush()
        session.rollback()
    with services.session_factory() as session, session.begin():
        services.audit.record(session, kept)
    services.audit.record_now(sample_event(2))
    rows = stored(services)
    assert [seq for seq, _ in rows] == [0, 1, 2]
    assert kept.id in {event_id for _, event_id in rows}
    assert dropped.id not in {event_id for _, event_id in rows}


INVALID = [
    ("subject_ref longer than its column", {"subject_ref": "x" * 129}),
    ("details that are not JSON", {"details": {"when": dt.date(2026, 1, 1)}}),
    ("a decision other than allowed or denied", {"decision": "maybe"}),
    ("a naive time", {"occurred_at": dt.datetime(2026, 1, 1)}),
    ("a tier that is not a string", {"tiers": (3,)}),
]


@pytest.mark.parametrize("values", [pytest.param(v, id=name) for name, v in INVALID])
def test_an_event_that_cannot_be_stored_is_refused_before_anything_is_written(
    services: Services, values: dict[str, object],
) -> None:
    fields: dict[str, object] = {"action": "classify", "decision": "allowed", "reason": "ok",
                                 **values}
    event = AuditEvent(**fields)  # type: ignore[arg-type]
    with pytest.raises(InvalidAuditEvent):
        services.audit.record_now(event)
    with pytest.raises(InvalidAuditEvent):
        asyncio.run(services.audit.record_durable(event))
    assert stored(services) == []


def test_when_the_database_is_unreachable_recording_fails_closed() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none",
                         connect_args={"connect_timeout": 1})
    log = AuditLog(make_session_factory(engine), write_timeout=10)
    try:
        with pytest.raises(AuditUnavailable) as failure:
            log.record_now(sample_event(1))
        assert failure.value.code == "audit_unavailable"
        with pytest.raises(AuditUnavailable):
            asyncio.run(log.record_durable(sample_event(2)))
    finally:
        log.close()
        engine.dispose()


def test_each_leaf_is_the_canonical_bytes_of_the_stored_event(services: Services) -> None:
    """The sequencer builds leaves from the text the database hands over (on PostgreSQL: times
    formatted by the server, JSON as stored); each must equal the definition computed from the
    event read back as values, for unusual values too."""
    odd = [
        sample_event(0, details={"说明": "客户投诉", "n": [1, None]}),
        sample_event(1, principal_id=None, unit_code=None, purpose=None, subject_ref=None,
                     request_id=None, client_addr=None, roles=(), tiers=()),
        sample_event(2, details={"quote": 'a "b" \\ c\n\t\u2028', "nested": {"z": 1, "a": 2}}),
        sample_event(3, occurred_at=dt.datetime(2026, 3, 1, 23, 59, 59, 999999,
                                                tzinfo=dt.timezone(dt.timedelta(hours=8)))),
    ]

    async def write() -> None:
        await asyncio.gather(*(services.audit.record_durable(event) for event in odd))

    asyncio.run(write())
    services.audit.flush()
    with services.session_factory() as session:
        stored = session.scalars(select(AuditEventRow).order_by(AuditEventRow.seq)).all()
        reader = TreeReader(session)
        assert len(stored) == len(odd)
        for row in stored:
            values = {key: getattr(row, key) for key in EVENT_KEYS}
            assert reader.leaf(row.seq) == event_leaf_hash(values), row.id
