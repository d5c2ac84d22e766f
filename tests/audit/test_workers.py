"""Several workers on one PostgreSQL database: one sequencer leads at a time, another takes
over when it goes, and no event is lost or doubled, even when a worker is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from pii_guard.audit.sequencer import Sequencer
from pii_guard.config import Settings
from pii_guard.services import Services
from pii_guard.store.engine import make_engine, make_session_factory
from pii_guard.store.models.audit import AuditEventRow
from tests.audit.helpers import record_events, verify
from tests.conftest import TEST_KEK, Database

pytestmark = pytest.mark.postgresql

WORKER = """
import asyncio, sys
from pii_guard.config import Settings
from pii_guard.services import Services
from pii_guard.audit.events import AuditEvent
services = Services.start(Settings(database_url=sys.argv[1], key_encryption_key=sys.argv[2],
                                   log_format="console", log_level="ERROR"))
async def main():
    n = 0
    while True:
        batch = [services.audit.record_durable(AuditEvent(
            action="classify", decision="allowed", reason="ok", subject_ref=f"w-{n + i}"))
            for i in range(50)]
        await asyncio.gather(*batch)
        n += 50
        print(n, services.audit_sequencer.is_leader, flush=True)
asyncio.run(main())
"""


@pytest.fixture
def pg(database: Database) -> Database:
    if database.backend != "postgresql":
        pytest.skip("leadership uses PostgreSQL advisory locks")
    return database


def _sequencer(services: Services) -> Sequencer:
    return Sequencer(services.engine, services.session_factory, services.audit_sequencer.signer,
                     interval=0.05)


def test_one_sequencer_leads_and_another_takes_over_when_it_stops(
    pg: Database, services: Services,
) -> None:
    assert services.audit_sequencer.lead()
    other = _sequencer(services)
    try:
        assert not other.lead()
        services.audit_sequencer.stop()
        assert other.lead()
    finally:
        other.stop()


def test_two_workers_writing_at_once_lose_and_double_nothing(pg: Database,
                                                             services: Services) -> None:
    second = Services.start(Settings(database_url=pg.url, key_encryption_key=TEST_KEK,
                                     log_format="console"))
    try:
        import threading

        thread = threading.Thread(target=record_events, args=(second, 200))
        thread.start()
        record_events(services, 200)
        thread.join()
        second.audit.flush()
        services.audit.flush()
    finally:
        second.close()
    report = verify(services)
    assert report.ok, report.problems
    assert report.tree_size == 400


def test_a_killed_worker_loses_no_acknowledged_event_and_doubles_none(
    pg: Database, services: Services,
) -> None:
    services.audit_sequencer.stop()  # let the worker we kill be the leader
    worker = subprocess.Popen([sys.executable, "-c", WORKER, pg.url, TEST_KEK],
                              stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    assert worker.stdout is not None
    acknowledged, leader = 0, False
    deadline = time.monotonic() + 120
    try:
        while acknowledged < 1000 and time.monotonic() < deadline:
            words = worker.stdout.readline().split()
            if len(words) == 2 and words[0].isdigit():
                acknowledged, leader = int(words[0]), leader or words[1] == "True"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        worker.stdout.close()
    assert leader
    survivor = _sequencer(services)
    try:
        survivor.drain(30)
    finally:
        survivor.stop()
    engine = make_engine(pg.url)
    with make_session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(AuditEventRow))
        distinct = session.scalar(select(func.count(func.distinct(AuditEventRow.id))))
    engine.dispose()
    assert stored is not None
    assert stored >= acknowledged
    assert distinct == stored
    report = verify(services)
    assert report.ok, report.problems
    assert report.tree_size == stored
