"""The served API under real faults: its own PostgreSQL server stopped and restarted mid-load,
and a worker process killed with SIGKILL mid-load. Every answer that carried data must have
its event in the audit log; during the outage answers are 503 with a stable code, never data."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_KEK
from tests.test_serve import CLI, free_port, wait_until_healthy

PG_BIN = Path("/usr/lib/postgresql") / (sorted(os.listdir("/usr/lib/postgresql"))[-1]
                                         if Path("/usr/lib/postgresql").is_dir() else "") / "bin"
RECORD = {"customer_id": "C0001", "name": "张三", "mobile": "13812345678",
          "id_no": "110105198806151238", "card_pin": "654321"}
UNAVAILABLE = {"database_unavailable", "audit_unavailable", "service_unavailable"}

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]


class PrivateCluster:
    """A PostgreSQL server of this test's own, in a temporary directory, so stopping it
    harms no other test."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="piig-pg-"))
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust",
                           "-U", "postgres", "--no-sync"])

    def _as_postgres(self, command: list[str]) -> None:
        prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        subprocess.run(prefix + command, check=True, capture_output=True)

    def start(self) -> None:
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-o",
                           f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1",
                           "-l", str(self.dir / "log"), "start"])

    def stop(self) -> None:
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
                           "immediate", "stop"])

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Served:
    base: str
    keys: dict[str, str]
    process: subprocess.Popen[str]
    cluster: PrivateCluster


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    if not PG_BIN.is_dir():
        pytest.fail("PostgreSQL server binaries are not installed")
    cluster = PrivateCluster()
    cluster.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PII_GUARD_")}
    env.update(PII_GUARD_DATABASE_URL=cluster.url, PII_GUARD_KEY_ENCRYPTION_KEY=TEST_KEK,
               PII_GUARD_LOG_LEVEL="WARNING")
    keys_file = tmp_path / "keys.json"
    subprocess.run([CLI, "demo", "seed", "--keys-out", str(keys_file)], env=env, check=True,
                   capture_output=True)
    port = free_port()
    process = subprocess.Popen([CLI, "serve", "--port", str(port), "--workers", "2"], env=env,
                               cwd=tmp_path, text=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process)
        yield Served(base, json.loads(keys_file.read_text()), process, cluster)
    finally:
        process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        cluster.remove()


@dataclass
class Load:
    """Clients sending protect calls until stopped, keeping every answer."""

    served: Served
    answers: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    transport_errors: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, clients: int = 4) -> Load:
        for _ in range(clients):
            thread = threading.Thread(target=self._run, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.served.keys['crm-service']}"}
        body = {"purpose": "customer_service", "subject_id": "C0001", "record": RECORD}
        with httpx.Client(base_url=self.served.base, headers=headers, timeout=30) as client:
            while not self._stop.is_set():
                try:
                    response = client.post("/v1/protect", json=body)
                except httpx.TransportError:
                    self.transport_errors += 1
                    time.sleep(0.05)
                    continue
                self.answers.append((response.status_code, response.json()))

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def wait_for(self, count: int, patience: float = 60) -> None:
        deadline = time.monotonic() + patience
        while len(self.answers) < count and time.monotonic() < deadline:
            time.sleep(0.05)


def logged_event_ids(cluster: PrivateCluster) -> set[str]:
    """Ids of every event durably recorded: sequenced into the log or still in its inbox.

    One statement, so one snapshot: the sequencer moves rows from the inbox to the log while
    this reads, and two separate reads could miss a row moved between them."""
    engine = create_engine(cluster.url)
    try:
        with engine.connect() as connection:
            ids = {row[0] for row in connection.execute(text(
                "SELECT id FROM audit_events UNION ALL SELECT id FROM audit_inbox"))}
    finally:
        engine.dispose()
    return ids


def assert_every_answer_with_data_is_logged(load: Load) -> None:
    released = [body["event_id"] for status, body in load.answers if status == 200]
    assert released, "no answer carried data"
    missing = set(map(str, released)) - logged_event_ids(load.served.cluster)
    assert not missing, f"{len(missing)} answers with data have no audit event"


def test_a_database_outage_answers_503_never_unaudited_data_and_recovers_by_itself(
        served: Served) -> None:
    load = Load(served).start()
    load.wait_for(50)
    served.cluster.stop()
    time.sleep(3)
    during = len(load.answers)
    time.sleep(2)
    outage = load.answers[during:]
    served.cluster.start()
    recovered_at = len(load.answers)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if any(status == 200 for status, _ in load.answers[recovered_at:]):
            break
        time.sleep(0.2)
    load.stop()

    assert outage, "no answers during the outage"
    for status, body in outage:
        assert status == 503, body
        error = body["error"]
        assert isinstance(error, dict)
        assert error["code"] in UNAVAILABLE
        assert "record" not in body
    after = Counter((status, str(body.get("error", {}).get("code", "")))  # type: ignore[union-attr]
                    for status, body in load.answers[recovered_at:])
    assert after[(200, "")], f"did not recover: {dict(after)}, {load.transport_errors} errors"
    assert {status for status, _ in load.answers} <= {200, 503}
    assert_every_answer_with_data_is_logged(load)


def test_a_killed_worker_leaves_no_answered_call_unaudited(served: Served) -> None:
    load = Load(served).start()
    load.wait_for(50)
    workers = subprocess.run(["pgrep", "-P", str(served.process.pid)], capture_output=True,
                             text=True).stdout.split()
    assert workers, "no worker processes found"
    os.kill(int(workers[-1]), signal.SIGKILL)
    before = len(load.answers)
    load.wait_for(before + 100)
    load.stop()

    assert len(load.answers) >= before + 100, "the service stopped answering"
    assert {status for status, _ in load.answers} <= {200, 503}
    assert_every_answer_with_data_is_logged(load)
