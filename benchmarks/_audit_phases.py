"""The measured phases of benchmarks/audit_log.py (append, queries, verify)."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select, text

from benchmarks._audit_data import EventFactory
from pii_guard.audit.events import AuditEvent
from pii_guard.audit.verify import Verifier
from pii_guard.config import Settings
from pii_guard.logs import configure_logging
from pii_guard.services import Services
from pii_guard.store.engine import make_engine, transaction
from pii_guard.store.models.audit import AuditInboxRow


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _event(factory: EventFactory) -> AuditEvent:
    values = factory.event(time_now())
    for name in ("roles", "fields", "entities", "tiers", "treatments"):
        values[name] = tuple(values[name])
    values.pop("occurred_at")
    values.pop("id")
    return AuditEvent(**values)


def time_now() -> Any:
    from pii_guard.store.base import utcnow

    return utcnow()


def _writer_process(settings: Settings, count: int, writers: int, seed: int,
                    results: Any) -> None:
    configure_logging(settings)
    services = Services.start(settings)
    factory = EventFactory(seed=seed)
    per_writer = count // writers

    async def writer() -> None:
        for _ in range(per_writer):
            await services.audit.record_durable(_event(factory))

    async def run() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        return time.perf_counter() - started

    began = time.time()
    elapsed = asyncio.run(run())
    services.audit.close()
    results.put((per_writer * writers, elapsed, began))
    services.close()


def _plain_peer(url: str, count: int, threads: int) -> float:
    """The naive peer: one INSERT and one COMMIT per event into a plain table."""
    engine = make_engine(url, pool_size=threads)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_plain_audit"))
        connection.execute(text("CREATE TABLE bench_plain_audit (id text PRIMARY KEY, "
                                "occurred_at timestamptz NOT NULL, event json NOT NULL)"))
    factory = EventFactory(seed=99)
    payloads = [factory.event(time_now()) for _ in range(count)]

    def insert(values: dict[str, Any]) -> None:
        import json

        with engine.begin() as connection:
            connection.execute(text("INSERT INTO bench_plain_audit VALUES (:id, :at, :event)"),
                               {"id": values["id"], "at": values["occurred_at"],
                                "event": json.dumps(values, default=str)})

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(insert, payloads))
    elapsed = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_plain_audit"))
    engine.dispose()
    return count / elapsed


def append_phase(url: str, settings: Settings, count: int, writers: int,
                 processes: int = 2) -> dict[str, float]:
    services = Services.start(settings)  # this process's sequencer leads
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    started = time.perf_counter()
    children = [context.Process(target=_writer_process,
                                args=(settings, count // processes, writers, 100 + i, results))
                for i in range(processes)]
    for child in children:
        child.start()
    outcomes = [results.get() for _ in children]
    durable_wall = time.perf_counter() - started
    for child in children:
        child.join()
    written = sum(n for n, _, _ in outcomes)
    durable_rate = sum(n / elapsed for n, elapsed, _ in outcomes)
    first_write = min(began for _, _, began in outcomes)
    while True:
        services.audit_sequencer.catch_up()
        with services.session_factory() as session:
            if not session.scalar(select(func.count()).select_from(AuditInboxRow)):
                break
        time.sleep(0.05)
    sequenced_wall = time.perf_counter() - started
    sequenced_rate = written / (time.time() - first_write)
    services.close()
    peer_count = max(count // 10, 2000)
    peer_rate = _plain_peer(url, peer_count, 32)
    print(f"append: {written:,} events by {processes} processes x {writers} concurrent writers")
    print(f"  durable (record_durable returned) : {durable_rate:>10,.0f} events/s "
          f"(sum of per-process rates; wall {written / durable_wall:,.0f}/s incl. start-up)")
    print(f"  sequenced into the Merkle log     : {sequenced_rate:>10,.0f} events/s "
          f"(first write until the inbox was empty; {written / sequenced_wall:,.0f}/s "
          "incl. process start-up)")
    print(f"  peer: plain INSERT+COMMIT per event: {peer_rate:>9,.0f} events/s "
          f"(32 threads, {peer_count:,} events) -> ratio {durable_rate / peer_rate:.1f}x")
    print("  goal >= 10,000 events/s")
    return {"durable_rate": durable_rate, "sequenced_rate": sequenced_rate,
            "peer_rate": peer_rate}


def query_phase(settings: Settings, count: int) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from pii_guard.api.app import create_app
    from pii_guard.identity.bootstrap import seed_demo

    services = Services.start(settings)
    with transaction(services.session_factory) as session:
        key = seed_demo(session, services.hasher)["auditor"]
    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random(5)
    factory = EventFactory(seed=5)
    kinds: dict[str, Any] = {
        "subject report": lambda: ("/v1/audit/subjects/" + factory.subject() + "/report", {}),
        "page: principal": lambda: ("/v1/audit/events", {"principal_id": factory.principal()}),
        "page: principal+action": lambda: ("/v1/audit/events", {
            "principal_id": factory.principal(), "action": "detokenise"}),
        "page: subject": lambda: ("/v1/audit/events", {"subject_ref": factory.subject()}),
        "page: denied, last 30 days": lambda: ("/v1/audit/events", {
            "decision": "denied", "since": _days_ago(30)}),
        "page: tier C3 + purpose": lambda: ("/v1/audit/events", {
            "tier": "C3", "purpose": rng.choice(["marketing", "aml_review"])}),
    }
    out: dict[str, float] = {}
    print(f"queries: {count} of each through the HTTP API (limit 100, each call audited)")
    with TestClient(create_app(settings, services)) as client:
        for name, make in kinds.items():
            timings = []
            for _ in range(count):
                path, params = make()
                started = time.perf_counter()
                response = client.get(path, params={**params, "limit": 100}, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
            p50, p95 = statistics.median(timings), percentile(timings, 0.95)
            out[name] = p95
            print(f"  {name:<28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (goal p95 <= 50 ms)")
    services.close()
    return out


def _days_ago(days: int) -> str:
    import datetime as dt

    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat()


def verify_phase(settings: Settings) -> dict[str, float]:
    services = Services.start(settings)
    signer = services.audit_sequencer.signer
    report = Verifier(services.engine, signer.public_key, signer.origin).verify()
    services.close()
    per_million = report.seconds / max(report.events_checked, 1) * 1_000_000
    print(f"verify: {report.events_checked:,} events, {report.checkpoints_checked} checkpoints "
          f"in {report.seconds:,.1f} s = {per_million:.1f} s per million (goal <= 30 s); "
          f"ok={report.ok}")
    return {"verify_seconds": report.seconds, "verify_per_million": per_million}

