"""Tamper evidence: any edit, deletion, insertion, reordering or truncation made directly in
the database is found by verification, which names the first bad sequence number."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import event

from pii_guard.audit.tiles import TreeReader
from pii_guard.services import Services
from tests.audit.helpers import checkpoint_now, record_events, sql, verify

EVENTS = 20


@pytest.fixture
def log(services: Services) -> Services:
    """20 sequenced events, a checkpoint at 10 and one at 20."""
    record_events(services, 10)
    checkpoint_now(services)
    record_events(services, 10)
    checkpoint_now(services)
    return services


def _edit(s: Services) -> None:
    sql(s, "UPDATE audit_events SET purpose = 'marketing' WHERE seq = 7")


def _edit_time(s: Services) -> None:
    sql(s, "UPDATE audit_events SET occurred_at = occurred_at + interval '1 second' "
        "WHERE seq = 7" if s.engine.dialect.name == "postgresql" else
        "UPDATE audit_events SET occurred_at = '2001-01-01 00:00:00.000000' WHERE seq = 7")


def _delete(s: Services) -> None:
    sql(s, "DELETE FROM audit_events WHERE seq = 7")


def _insert_duplicate(s: Services) -> None:
    columns = ("id, occurred_at, action, decision, reason, principal_id, roles, unit_code, "
               "purpose, subject_ref, fields, entities, tiers, treatments, request_id, "
               "client_addr, details")
    later = ("sequenced_at + interval '1 microsecond'" if s.engine.dialect.name == "postgresql"
             else "'2099-01-01 00:00:00.000000'")
    sql(s, f"INSERT INTO audit_events (seq, sequenced_at, {columns}) "
        f"SELECT seq, {later}, {columns} FROM audit_events WHERE seq = 7")


def _insert_shifting(s: Services) -> None:
    sql(s, "UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 7")
    sql(s, "UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1000")
    _insert_duplicate_at(s, source=6, seq=7)


def _insert_duplicate_at(s: Services, source: int, seq: int) -> None:
    columns = ("id, occurred_at, action, decision, reason, principal_id, roles, unit_code, "
               "purpose, subject_ref, fields, entities, tiers, treatments, request_id, "
               "client_addr, details")
    sql(s, f"INSERT INTO audit_events (seq, sequenced_at, {columns}) "
        f"SELECT :seq, sequenced_at, {columns} FROM audit_events WHERE seq = :source",
        seq=seq, source=source)


def _reorder(s: Services) -> None:
    sql(s, "UPDATE audit_events SET seq = -1 WHERE seq = 7")
    sql(s, "UPDATE audit_events SET seq = 7 WHERE seq = 12")
    sql(s, "UPDATE audit_events SET seq = 12 WHERE seq = -1")


def _truncate(s: Services) -> None:
    sql(s, "DELETE FROM audit_events WHERE seq >= 15")


def _edit_and_rehash(s: Services) -> None:
    """The careful forger: edits an event and rewrites its stored leaf hash to match."""
    from pii_guard.audit.canonical import event_leaf_hash
    from pii_guard.store.models.audit import AuditEventRow, AuditTile

    _edit(s)
    with s.session_factory() as session, session.begin():
        row = session.get(AuditEventRow, (7, session.query(AuditEventRow.sequenced_at)
                                          .filter_by(seq=7).scalar()))
        assert row is not None
        mapping = {c.name: getattr(row, c.name) for c in AuditEventRow.__table__.columns}
        tile = session.get(AuditTile, (0, 0))
        assert tile is not None
        data = bytearray(tile.hashes)
        data[7 * 32:8 * 32] = event_leaf_hash(mapping)
        tile.hashes = bytes(data)


TAMPERS: list[tuple[str, Callable[[Services], None], set[str], int]] = [
    ("edit a field", _edit, {"modified"}, 7),
    ("edit a time", _edit_time, {"modified"}, 7),
    ("delete an event", _delete, {"missing"}, 7),
    ("insert a second event with the same seq", _insert_duplicate, {"duplicate", "modified"}, 7),
    ("insert an event and renumber the rest", _insert_shifting, {"modified"}, 7),
    ("swap two events", _reorder, {"modified"}, 7),
    ("cut the log back", _truncate, {"missing"}, 15),
    ("edit and rewrite the stored leaf", _edit_and_rehash, {"checkpoint_mismatch",
                                                             "tree_mismatch"}, 0),
]


def test_an_untouched_log_verifies(log: Services) -> None:
    report = verify(log)
    assert report.ok, report.problems
    assert (report.tree_size, report.events_checked, report.checkpoints_checked) == (20, 20, 2)


@pytest.mark.parametrize(("tamper", "codes", "first_bad"),
                         [pytest.param(f, c, b, id=name) for name, f, c, b in TAMPERS])
def test_tampering_is_found_with_the_first_bad_seq(
    log: Services, tamper: Callable[[Services], None], codes: set[str], first_bad: int,
) -> None:
    tamper(log)
    report = verify(log)
    assert not report.ok
    assert report.problems[0].code in codes
    assert report.first_bad_seq == first_bad


def test_cutting_back_head_and_checkpoints_too_is_caught_by_an_exported_checkpoint(
    log: Services,
) -> None:
    exported = checkpoint_now(log)
    with log.session_factory() as session:
        root_at_15 = TreeReader(session).root(15)
    _truncate(log)
    sql(log, "UPDATE audit_log_head SET tree_size = 15, root_hash = :root", root=root_at_15)
    sql(log, "DELETE FROM audit_checkpoints WHERE tree_size > 15")
    assert verify(log).ok  # without an anchor outside the database, a clean cut is invisible
    report = verify(log, exported)
    assert [p.code for p in report.problems] == ["truncated"]
    assert report.first_bad_seq == 15


def test_an_exported_checkpoint_from_another_key_is_refused(log: Services) -> None:
    from dataclasses import replace

    exported = checkpoint_now(log)
    forged = replace(exported, signature=bytes(64))
    report = verify(log, forged)
    assert [p.code for p in report.problems] == ["checkpoint_signature"]


def test_events_appended_while_verification_runs_are_not_reported(log: Services) -> None:
    """Verification reads one snapshot: a pass that commits more events after the walk has
    read the head is no tampering. The appends happen, for real, right after the walk's read
    of the head and before its read of the events."""
    appended = False
    verifying = threading.get_ident()  # not the background sequencer, which reads the head too

    def append_after_head_read(_conn: object, _cursor: object, statement: str,
                               *_: object) -> None:
        nonlocal appended
        if not appended and threading.get_ident() == verifying and \
                "FROM audit_log_head" in statement:
            appended = True
            record_events(log, 3)

    event.listen(log.engine, "after_cursor_execute", append_after_head_read)
    try:
        report = verify(log)
    finally:
        event.remove(log.engine, "after_cursor_execute", append_after_head_read)
    assert appended
    assert report.ok, report.problems
    assert report.tree_size == EVENTS
    assert verify(log).tree_size == EVENTS + 3
