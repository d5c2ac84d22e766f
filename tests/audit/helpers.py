"""Shared steps of the audit tests: a real log built through the real write path."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from pii_guard.audit import ledger
from pii_guard.audit.checkpoints import Checkpoint
from pii_guard.audit.events import AuditEvent
from pii_guard.audit.verify import VerificationReport, Verifier
from pii_guard.services import Services
from pii_guard.store.engine import transaction


def sample_event(i: int, **values: object) -> AuditEvent:
    fields: dict[str, object] = {
        "principal_id": "crm-service", "roles": ("customer_service",),
        "unit_code": "shanghai-branch", "purpose": "customer_service",
        "subject_ref": f"cust-{i % 3}", "fields": ("customer.mobile",),
        "entities": ("CN_MOBILE",), "tiers": ("C2",), "treatments": ("mask",),
        "request_id": f"req-{i}", "client_addr": "10.0.0.1"}
    fields.update(values)
    return AuditEvent(action="classify_and_mask", decision="allowed", reason="policy_allowed",
                      **fields)  # type: ignore[arg-type]


def record_events(services: Services, count: int, **values: object) -> None:
    async def write() -> None:
        await asyncio.gather(*(services.audit.record_durable(sample_event(i, **values))
                               for i in range(count)))

    asyncio.run(write())
    services.audit.flush()


def checkpoint_now(services: Services) -> Checkpoint:
    services.audit.flush()
    with transaction(services.session_factory) as session:
        return ledger.make_checkpoint(session, services.audit_sequencer.signer)


def verify(services: Services, exported: Checkpoint | None = None) -> VerificationReport:
    signer = services.audit_sequencer.signer
    return Verifier(services.engine, signer.public_key, signer.origin).verify(exported)


def sql(services: Services, statement: str, **params: object) -> None:
    """Tamper with the tables directly, as someone with database access could."""
    with services.engine.begin() as connection:
        connection.execute(text(statement), params)
