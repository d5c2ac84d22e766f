"""Several workers on PostgreSQL: a change approved through one worker reaches another worker
(a separate ``pii-guard serve`` process) through LISTEN/NOTIFY, without a restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from pii_guard.config import Settings
from pii_guard.identity.bootstrap import seed_demo
from pii_guard.services import Services
from pii_guard.store.engine import transaction
from tests.conftest import TEST_KEK, PostgresServer, bearer

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]
PATIENCE = 120.0  # generous: a loaded CI machine starts processes slowly
SIMULATION = {"principal_id": "crm-service", "purpose": "customer_service",
              "fields": [{"field": "$.mobile", "entity": "CN_MOBILE"}]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(predicate: object, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        try:
            if predicate():  # type: ignore[operator]
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """A database of their own: the workers outlive a single test."""
    name = postgres.create()
    yield postgres.url(name)
    postgres.drop(name)


@pytest.fixture(scope="module")
def workers(pg_url: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[list[str], dict[str, str]]]:
    services = Services.start(Settings(database_url=pg_url, key_encryption_key=TEST_KEK))
    with transaction(services.session_factory) as session:
        keys = seed_demo(session, services.hasher)
    services.close()
    env = {**os.environ, "PII_GUARD_DATABASE_URL": pg_url,
           "PII_GUARD_KEY_ENCRYPTION_KEY": TEST_KEK, "PII_GUARD_LOG_LEVEL": "WARNING"}
    ports = [free_port(), free_port()]
    tmp_path = tmp_path_factory.mktemp("workers")
    logs = [(tmp_path / f"worker-{port}.log").open("w") for port in ports]
    processes = [subprocess.Popen(
        [sys.executable, "-m", "pii_guard.cli", "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=log) for port, log in zip(ports, logs, strict=True)]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            wait_for(lambda base=base: httpx.get(f"{base}/readyz").status_code == 200,
                     f"{base} to be ready")
        yield bases, keys
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        for log in logs:
            log.close()


def mobile_treatment(base: str, key: str) -> str:
    response = httpx.post(f"{base}/v1/policies/simulate", json=SIMULATION, headers=bearer(key))
    return str(response.json()["fields"][0]["treatment"])


def id_no_treatment(base: str, key: str) -> str:
    simulation = {"principal_id": "crm-service", "purpose": "customer_service",
                  "subject_id": "C0001",
                  "fields": [{"field": "$.id_no", "entity": "CN_RESIDENT_ID"}]}
    response = httpx.post(f"{base}/v1/policies/simulate", json=simulation, headers=bearer(key))
    return str(response.json()["fields"][0]["treatment"])


def test_a_change_applied_in_one_worker_reaches_the_other(
        workers: tuple[list[str], dict[str, str]]) -> None:
    (first, second), keys = workers
    assert mobile_treatment(second, keys["steward-a"]) == "mask"
    change = httpx.post(f"{first}/v1/policies/changes", headers=bearer(keys["steward-a"]), json={
        "reason": "call-centre pilot", "add": [{
            "role": "customer_service", "scope": "contact", "purpose": "customer_service",
            "treatment": "clear", "priority": 100}]}).json()
    approved = httpx.post(f"{first}/v1/policies/changes/{change['id']}/approve",
                          headers=bearer(keys["steward-b"]))
    assert approved.status_code == 200
    assert mobile_treatment(first, keys["steward-a"]) == "clear"
    wait_for(lambda: mobile_treatment(second, keys["steward-a"]) == "clear",
             "the second worker to see the change")


def test_a_grant_approved_in_one_worker_reaches_the_other(
        workers: tuple[list[str], dict[str, str]]) -> None:
    (first, second), keys = workers
    assert id_no_treatment(second, keys["auditor"]) == "mask"
    grant = httpx.post(f"{first}/v1/grants", headers=bearer(keys["crm-service"]), json={
        "subject_ids": ["C0001"], "purpose": "customer_service",
        "category": "identity_document", "treatment": "clear", "duration_minutes": 5,
        "justification": "call"}).json()
    approved = httpx.post(f"{first}/v1/grants/{grant['id']}/approve",
                          headers=bearer(keys["steward-a"]))
    assert approved.status_code == 200
    wait_for(lambda: id_no_treatment(second, keys["auditor"]) == "clear",
             "the second worker to see the grant")


def test_a_worker_whose_listener_was_cut_catches_up_when_it_reconnects(
        postgres: PostgresServer) -> None:
    from sqlalchemy import text

    from pii_guard.authz import store
    from pii_guard.authz.rules import Rule
    from pii_guard.authz.treatments import Treatment
    from pii_guard.identity.units import load_caller

    name = postgres.create()
    settings = Settings(database_url=postgres.url(name), key_encryption_key=TEST_KEK)
    first = Services.start(settings)
    second = Services.start(settings)
    try:
        with transaction(first.session_factory) as session:
            seed_demo(session, first.hasher)
        with postgres.engine.connect() as admin:
            cut = admin.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :db AND query LIKE 'LISTEN%'"), {"db": name}).all()
        assert len(cut) == 2
        with transaction(first.session_factory) as session:
            vocabulary = first.authz.vocabulary.current(session)
            author, approver = load_caller(session, "steward-a"), load_caller(session,
                                                                               "steward-b")
            rule = Rule("customer_service", "*", "contact", "customer_service",
                        Treatment.CLEAR, 100)
            change = store.propose(session, vocabulary, author, store.Diff([rule], []), "x")
            store.approve(session, vocabulary, approver, change.id)
            first.authz.changed(session, policy=True)
        assert first.decider.version == 2
        wait_for(lambda: second.decider.version == 2, "the cut worker to catch up")
        wait_for(lambda: second.authz.watcher is not None and second.authz.watcher.listening,
                 "the cut worker to listen again")
    finally:
        first.close()
        second.close()
        postgres.drop(name)
