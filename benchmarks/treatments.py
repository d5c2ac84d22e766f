"""Treatments per second per entity type, and the time to rotate the data keys behind 1M tokens.

Part 1: for each entity (real-looking values) and each treatment (mask, token, token bound to a
subject, hash), ``Treatments.apply`` in a loop; the median of ``--repeats`` runs of process CPU
time, printed as calls per second of one core. Keys are unwrapped once and cached, as in the
service.

Part 2: rotation. Tokens themselves are never re-encrypted (old versions stay for
detokenisation); what rotation re-wraps is every subject key: the per-subject secret behind all
of that subject's tokens, AES-GCM under a key derived from the token key version. The worst case
for 1M tokens is 1M distinct subjects, so the benchmark stores ``--subjects`` subject keys and
times ``KeyRing.rotate`` (read in batches of 5,000, unwrap, wrap under the new version, bulk
update by primary key, one transaction, one audit event). Wall-clock seconds, median of
``--rotations`` rotations.

Run: .venv/bin/python -m benchmarks.treatments [--subjects 1000000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

import structlog
from sqlalchemy import insert

from pii_guard.authz.treatments import Treatment
from pii_guard.classification.pack import load_rule_pack
from pii_guard.masking import Treatments
from pii_guard.masking.kek import decode_kek
from pii_guard.masking.keyring import KeyRing, _aad, _seal
from pii_guard.masking.rules import load_rules
from pii_guard.store import migrate
from pii_guard.store.base import utcnow
from pii_guard.store.engine import make_engine, make_session_factory, transaction
from pii_guard.store.models.keys import SubjectKey

VALUES = {
    "BANK_CARD": "6222021234567890128",
    "CN_RESIDENT_ID": "110105198806151238",
    "CN_MOBILE": "13812345678",
    "EMAIL_ADDRESS": "zhang.san@example.com",
    "PERSON": "欧阳娜娜",
    "ADDRESS": "上海市浦东新区世纪大道100号1幢1201室",
    "CN_PASSPORT": "E12345678",
    "AUTH_SECRET": "123456",
}
MODES = [("mask", Treatment.MASK, None), ("token", Treatment.TOKEN, None),
         ("token+subject", Treatment.TOKEN, "C0001"), ("hash", Treatment.HASH, None)]


def per_second(treatments: Treatments, entity: str, treatment: Treatment,
               subject: str | None, calls: int, repeats: int) -> float:
    value = VALUES[entity]
    treatments.apply(value, entity=entity, treatment=treatment, subject_id=subject)
    rates = []
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(calls):
            treatments.apply(value, entity=entity, treatment=treatment, subject_id=subject)
        rates.append(calls / max(time.process_time() - started, 1e-9))
    return statistics.median(rates)


def fill_subjects(ring: KeyRing, count: int) -> None:
    ring.check()
    snap = ring._snap()
    wrap = ring._subject_wrap(snap, snap.current)
    factory = ring._factory
    batch = 20_000
    now = utcnow()
    for start in range(0, count, batch):
        rows = [{"tenant": ring.tenant, "subject_id": f"S{i:09d}", "wrap_version": snap.current,
                 "wrapped": _seal(wrap, os.urandom(32), _aad(ring.tenant, f"S{i:09d}",
                                                             snap.current)),
                 "created_at": now}
                for i in range(start, min(start + batch, count))]
        with transaction(factory) as session:
            session.execute(insert(SubjectKey), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--rotations", type=int, default=1)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        kek = decode_kek(base64.b64encode(os.urandom(32)).decode(), "benchmark")
        ring = KeyRing(factory, kek, tenant=f"bench-{os.getpid()}")
        treatments = Treatments(load_rules(), load_rule_pack().taxonomy, ring)

        print(f"treatments per second (one core, median of {args.repeats} x {args.calls} calls;"
              f" load average {os.getloadavg()[0]:.1f})")
        print(f"{'entity':<16}" + "".join(f"{name:>15}" for name, _, _ in MODES))
        for entity in VALUES:
            rates = [per_second(treatments, entity, treatment, subject, args.calls,
                                args.repeats) for _, treatment, subject in MODES]
            print(f"{entity:<16}" + "".join(f"{rate:>15,.0f}" for rate in rates))

        print(f"\nrotation with {args.subjects:,} subject keys on {engine.dialect.name}")
        started = time.perf_counter()
        fill_subjects(ring, args.subjects)
        print(f"  stored {args.subjects:,} subject keys in {time.perf_counter() - started:.1f} s")
        seconds = []
        for _ in range(args.rotations):
            result = ring.rotate(reason="benchmark")
            assert result.rewrapped >= args.subjects, result.rewrapped
            seconds.append(result.seconds)
        median = statistics.median(seconds)
        print(f"  rotate: median {median:.1f} s over {args.rotations} rotations "
              f"({args.subjects / median:,.0f} subject keys re-wrapped per second)")
        engine.dispose()


if __name__ == "__main__":
    main()
