"""Benchmark of the audit log on PostgreSQL (issue 9), one command:

    .venv/bin/python benchmarks/audit_log.py --events 10000000

1. generate: fills a fresh database with N events through the sequencer's bulk path
   (``ledger.append``: canonical bytes, leaf hashes, tiles, head), spread over twelve monthly
   partitions, with a signed checkpoint every million events;
2. append: W concurrent writers call the real ``AuditLog.record_durable`` (group commit into
   the inbox, the background sequencer moving rows into the log) for M events; prints the
   durable append rate and the rate until everything was sequenced, side by side with the
   naive peer: one INSERT and COMMIT per event into a plain table (what a best-effort audit
   table does; no ordering, no tamper evidence);
3. queries: p50/p95 through the HTTP API (in-process ASGI client, auditor key, each call itself
   audited) of a subject report and of filtered event pages;
4. verify: full verification of the whole log; seconds per million events.

Goals from the issue: append >= 10,000 events/s, p95 <= 50 ms, verification <= 30 s per million.
``--keep`` leaves the database for a later ``--reuse NAME`` run of the later phases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._audit_data import EventFactory
from pii_guard.audit import ledger, partitions
from pii_guard.audit.checkpoints import CheckpointSigner
from pii_guard.config import Settings
from pii_guard.logs import configure_logging
from pii_guard.masking.kek import decode_kek
from pii_guard.store import migrate
from pii_guard.store.engine import make_engine, make_session_factory

BENCH_KEK = "YmVuY2htYXJrLWtlay1mb3ItcGlpLWd1YXJkLWF1ZGk="  # 32 bytes, benchmark only
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
GENERATE_BATCH = 20_000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def create_database(name: str) -> str:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def generate(url: str, count: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        signer = CheckpointSigner.from_kek(decode_kek(BENCH_KEK, "bench"),
                                           ledger.read_head(session).log_id)
    events = EventFactory()
    end = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    start = end - dt.timedelta(days=365)
    step = (end - start) / max(count, 1)
    started = time.perf_counter()
    partitions_until = start
    done = 0
    while done < count:
        size = min(GENERATE_BATCH, count - done)
        at = start + step * done
        if at >= partitions_until - dt.timedelta(days=1):
            with engine.begin() as connection:
                partitions_until = partitions.ensure_partitions(connection, at, 1)
        rows = [events.event(at - dt.timedelta(milliseconds=i % 50)) for i in range(size)]
        with factory() as session, session.begin():
            ledger.append(session, ledger.lock_head(session), rows, at)
            if (done + size) % 1_000_000 == 0 or done + size == count:
                ledger.make_checkpoint(session, signer, at)
        done += size
        if done % 500_000 == 0 or done == count:
            rate = done / (time.perf_counter() - started)
            print(f"  generated {done:>10,} events  ({rate:,.0f}/s)", flush=True)
    engine.dispose()
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    elapsed = time.perf_counter() - started
    print(f"generate: {count:,} events in {elapsed:,.0f} s = {count / elapsed:,.0f} events/s "
          "(sequencer bulk path)")


def machine_note() -> str:
    """How busy this machine is: numbers from a shared, loaded machine are not comparable."""
    import hashlib
    import os

    started = time.perf_counter()
    for _ in range(200_000):
        hashlib.sha256(b"x" * 100).digest()
    per_million = (time.perf_counter() - started) * 5
    load = os.getloadavg()[0]
    return (f"machine: {os.cpu_count()} cores, load average {load:.1f}, 1M SHA-256 of 100 B in "
            f"{per_million:.2f} s")


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, key_encryption_key=BENCH_KEK, log_format="console",
                    log_level="WARNING")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--append-events", type=int, default=200_000)
    parser.add_argument("--writers", type=int, default=256,
                        help="concurrent record_durable callers per process")
    parser.add_argument("--processes", type=int, default=2, help="writer processes")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--reuse", help="an existing benchmark database: skip generation")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--name", help="name of the database to create")
    parser.add_argument("--phases", default="generate,append,queries,verify")
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    configure_logging(settings_for(ADMIN_URL))
    name = args.reuse or args.name or f"piig_bench_audit_{uuid.uuid4().hex[:8]}"
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}" if args.reuse else create_database(name)
    print(f"database: {name}")
    print(machine_note())
    if "generate" in phases and not args.reuse:
        generate(url, args.events)
    results: dict[str, Any] = {}
    if "append" in phases:
        from benchmarks._audit_phases import append_phase
        results.update(append_phase(url, settings_for(url), args.append_events, args.writers,
                                    args.processes))
    if "queries" in phases:
        from benchmarks._audit_phases import query_phase
        results.update(query_phase(settings_for(url), args.queries))
    if "verify" in phases:
        from benchmarks._audit_phases import verify_phase
        results.update(verify_phase(settings_for(url)))
    if not args.keep and not args.reuse:
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
