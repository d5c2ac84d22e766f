"""The consent check on every access, with 10 million consent records in PostgreSQL.

Creates a dedicated database (``piig_bench_consent_*``) on the local server, migrates it,
fills ``consent_events`` with 10,000,000 records for 5,000,000 subjects (a grant each, then a
re-grant, a narrowed grant or a withdrawal) with ``INSERT ... SELECT generate_series`` and the
derived ``consent_states`` the same way, then times per call, on random subjects:

- ``ConsentService.check_for`` on its own pooled connection (the default);
- ``check_for(..., session=s)`` inside an open request session (how the protect path calls it);
- ``ConsentCheck.permits`` on the result (pure Python);
- ``SELECT 1`` on the same connection pool: the network round trip, the floor of any read;
- the naive peer: plain SQLAlchemy ORM, ``session.get(PurposeRow)`` plus the subject's latest
  ``ConsentEvent`` for the purpose (the history, ordered, first row), as code would do without
  the derived state.

Every call reads the database (there is no cache), so a withdrawal is never served stale; the
benchmark checks that by withdrawing through a second engine and checking again. It prints
median and p99 in microseconds and the ratios, and drops the database afterwards.

Run: .venv/bin/python -m benchmarks.consent_check [--records 10000000] [--calls 5000]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from pii_guard.classification.pack import load_rule_pack
from pii_guard.consent.check import CHECK_STATEMENT, ConsentService
from pii_guard.consent.notices import NoticeSpec, register
from pii_guard.consent.purposes import load_purposes
from pii_guard.consent.records import WithdrawSpec, withdraw
from pii_guard.consent.registry import purpose_of, sync_from_file
from pii_guard.store import migrate
from pii_guard.store.engine import make_engine, make_session_factory, transaction
from pii_guard.store.models.consent import ConsentEvent, PurposeRow

ADMIN_URL = os.environ.get("PII_GUARD_BENCH_PG_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CATEGORIES = ["contact", "personal_name"]

# Event i (1..N): subject (i-1) % S. The first S events are grants; the second round, per
# subject: 10% withdraw, 20% narrowed to personal_name, the rest a plain re-grant.
FILL_EVENTS = """
INSERT INTO consent_events (id, subject_id, purpose, kind, categories, separate, granted_at,
    expires_at, withdrawn_at, channel, notice_version, notice_hash, evidence_ref, recorded_by,
    recorded_at, source)
SELECT i, 'C' || lpad(((i - 1) % :subjects)::text, 9, '0'), 'marketing',
       CASE WHEN i > :subjects AND (i % 10) = 0 THEN 'withdraw' ELSE 'grant' END,
       CASE WHEN i > :subjects AND (i % 10) IN (1, 2) THEN '["personal_name"]'::json
            ELSE '[]'::json END,
       false,
       CASE WHEN i > :subjects AND (i % 10) = 0 THEN NULL
            ELSE now() - ((:records - i) || ' seconds')::interval END,
       NULL,
       CASE WHEN i > :subjects AND (i % 10) = 0
            THEN now() - ((:records - i) || ' seconds')::interval ELSE NULL END,
       'app', CASE WHEN i > :subjects AND (i % 10) = 0 THEN NULL ELSE 'bench-1' END,
       CASE WHEN i > :subjects AND (i % 10) = 0 THEN NULL ELSE :hash END,
       NULL, 'bench', now(), 'import'
FROM generate_series(1, :records) AS i
"""
# The state of subject s is its last event: i = s + 1 + S when a second round exists.
FILL_STATES = """
INSERT INTO consent_states (subject_id, purpose, status, categories, separate, granted_at,
    expires_at, withdrawn_at, effective_at, last_event_id, updated_at)
SELECT 'C' || lpad(s::text, 9, '0'), 'marketing',
       CASE WHEN last_i > :subjects AND (last_i % 10) = 0 THEN 'withdrawn' ELSE 'granted' END,
       CASE WHEN last_i > :subjects AND (last_i % 10) IN (1, 2) THEN '["personal_name"]'::json
            ELSE '[]'::json END,
       false, now() - ((:records - last_i) || ' seconds')::interval, NULL,
       CASE WHEN last_i > :subjects AND (last_i % 10) = 0
            THEN now() - ((:records - last_i) || ' seconds')::interval END,
       now() - ((:records - last_i) || ' seconds')::interval, last_i, now()
FROM (SELECT s, CASE WHEN s + 1 + :subjects <= :records THEN s + 1 + :subjects ELSE s + 1 END
             AS last_i FROM generate_series(0, :subjects - 1) AS s) AS t
"""


def timed(fn: Callable[[str], Any], subjects: list[str]) -> list[float]:
    samples = []
    for subject in subjects:
        start = time.perf_counter_ns()
        fn(subject)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def naive_state(session: Session, subject: str) -> tuple[str, str | None]:
    """What code without the derived state does: the purpose, then the subject's newest event."""
    purpose = session.get(PurposeRow, "marketing")
    assert purpose is not None
    latest = session.scalars(select(ConsentEvent)
                             .where(ConsentEvent.subject_id == subject,
                                    ConsentEvent.purpose == "marketing")
                             .order_by(ConsentEvent.id.desc()).limit(1)).first()
    session.expunge_all()  # as a fresh request would see it: no identity-map hits
    return purpose_of(purpose).legal_basis.value, None if latest is None else latest.kind


def fill(url: str, records: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    pack = load_rule_pack()
    with transaction(factory) as session:
        sync_from_file(session, load_purposes(), [c.name for c in pack.taxonomy.categories])
        notice, _ = register(session, NoticeSpec(version="bench-1", text="基准测试隐私政策"), None)
        digest = notice.sha256
    subjects = records // 2
    started = time.monotonic()
    with engine.begin() as connection:
        connection.execute(text("SET session_replication_role = replica"))  # skip FK checks
        connection.execute(text("ALTER TABLE consent_events SET UNLOGGED"))
        connection.execute(text("ALTER TABLE consent_states SET UNLOGGED"))
        connection.execute(text("DROP INDEX ix_consent_events_subject_id_purpose"))
        connection.execute(text("ALTER TABLE consent_states DROP CONSTRAINT pk_consent_states"))
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        connection.execute(text(FILL_EVENTS), {"subjects": subjects, "records": records,
                                               "hash": digest})
        connection.execute(text(FILL_STATES), {"subjects": subjects, "records": records})
        connection.execute(text("CREATE INDEX ix_consent_events_subject_id_purpose "
                                "ON consent_events (subject_id, purpose)"))
        connection.execute(text("ALTER TABLE consent_states ADD CONSTRAINT pk_consent_states "
                                "PRIMARY KEY (subject_id, purpose)"))
        connection.execute(text("SELECT setval(pg_get_serial_sequence('consent_events', 'id'), "
                                ":n)"), {"n": records})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE consent_events"))
        connection.execute(text("VACUUM ANALYZE consent_states"))
    print(f"filled {records:,} consent events and {subjects:,} states in "
          f"{time.monotonic() - started:.0f} s")
    engine.dispose()


def measure(url: str, records: int, calls: int) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    pack = load_rule_pack()
    categories = [c.name for c in pack.taxonomy.categories]
    sensitive = [c.name for c in pack.taxonomy.categories if c.sensitive]
    # The check path records nothing, so no audit log is needed here.
    service = ConsentService(engine, factory, None, categories, sensitive)  # type: ignore[arg-type]
    rng = random.Random(7)
    subjects = [f"C{rng.randrange(records // 2):09d}" for _ in range(calls)]
    sql = str(CHECK_STATEMENT.compile(dialect=engine.dialect))
    with engine.connect() as connection:
        plan = connection.exec_driver_sql("EXPLAIN " + sql, {"subject_id": subjects[0],
                                                             "purpose": "marketing"}).all()
    print("check_for plan:", " | ".join(row[0].strip() for row in plan if "Scan" in row[0]))

    for subject in subjects[:300]:  # warm the pool, statement caches and the buffer cache
        service.check_for(subject, "marketing")

    rows: list[tuple[str, list[float]]] = []
    with service.reader.connect() as connection:
        rows.append(("round trip floor (SELECT 1)",
                     timed(lambda s: connection.exec_driver_sql("SELECT 1").first(), subjects)))
    rows.append(("check_for (own connection)",
                 timed(lambda s: service.check_for(s, "marketing"), subjects)))
    with factory() as session, session.begin():
        rows.append(("check_for (request session)",
                     timed(lambda s: service.check_for(s, "marketing", session=session),
                           subjects)))
        checks = [service.check_for(s, "marketing", session=session) for s in subjects[:1000]]
        naive = timed(lambda s: naive_state(session, s), subjects)
        # Same answer from both: withdrawn exactly when the newest event is a withdrawal.
        for subject, check in zip(subjects[:1000], checks, strict=True):
            reason = check.permits("contact", sensitive=False).reason
            kind = naive_state(session, subject)[1]
            assert (reason == "consent_withdrawn") == (kind == "withdraw"), subject
    cycle = iter(range(10**9))
    permits = timed(lambda s: checks[next(cycle) % len(checks)].permits(
        "personal_name", sensitive=False), subjects)
    rows.append(("permits (per category)", permits))
    rows.append(("naive ORM (purpose + latest event)", naive))

    print(f"\n{calls:,} calls on random subjects of {records:,} consent records "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"{'':40} {'median µs':>10} {'p99 µs':>10}")
    medians = {}
    for name, samples in rows:
        median, p99 = summary(samples)
        medians[name] = median
        print(f"{name:40} {median:10.1f} {p99:10.1f}")
    naive_median = medians["naive ORM (purpose + latest event)"]
    for name in ("check_for (own connection)", "check_for (request session)"):
        print(f"naive ORM / {name}: {naive_median / medians[name]:.2f}x")

    # Freshness: a withdrawal through another engine (another worker) is obeyed next call.
    subject = next(s for s in subjects
                   if service.check_for(s, "marketing").permits("personal_name",
                                                                 sensitive=False).allowed)
    other = make_engine(url)
    with transaction(make_session_factory(other)) as session:
        withdraw(session, WithdrawSpec(subject, "marketing"), recorded_by="bench")
    other.dispose()
    after = service.check_for(subject, "marketing").permits("personal_name", sensitive=False)
    print(f"withdrawal by another engine, next check: {after.reason}")
    assert after.reason == "consent_withdrawn"
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"piig_bench_consent_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        fill(url, args.records)
        measure(url, args.records, args.calls)
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
