"""The long-lived parts of one pii-guard process, built from settings by ``Services.start``.

The API's lifespan and the CLI both build one ``Services``; routes and commands receive it
rather than reaching for globals. Each concern adds its part here, built from the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.checkpoints import CheckpointSigner
from pii_guard.audit.ledger import ensure_head
from pii_guard.audit.log import AuditLog
from pii_guard.audit.sequencer import Sequencer
from pii_guard.authz.decider import Decider
from pii_guard.authz.endpoints import EndpointGuard
from pii_guard.authz.service import Authz
from pii_guard.authz.simulate import ClassifiedField
from pii_guard.authz.vocabulary import from_rule_pack
from pii_guard.classification.pack import load_rule_pack
from pii_guard.classification.service import classify_record
from pii_guard.classification.taxonomy import Taxonomy
from pii_guard.config import Settings
from pii_guard.consent import ConsentService
from pii_guard.detection.engine import Detector
from pii_guard.discovery.jobs import ScanJobs
from pii_guard.discovery.service import DiscoveryService, scanner_for
from pii_guard.identity.apikeys import ApiKeyAuthenticator, ApiKeyHasher
from pii_guard.identity.bootstrap import ensure_roles
from pii_guard.masking.kek import KeyEncryptionKey, load_kek
from pii_guard.masking.keyring import KeyRing
from pii_guard.masking.rules import load_rules
from pii_guard.masking.service import Treatments
from pii_guard.protection import Protector
from pii_guard.store import migrate
from pii_guard.store.engine import (
    make_engine,
    make_session_factory,
    ping,
    sqlite_path,
    transaction,
)

log = structlog.get_logger(__name__)

ReadinessCheck = Callable[[], None]


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    kek: KeyEncryptionKey
    hasher: ApiKeyHasher
    authenticator: ApiKeyAuthenticator
    audit: AuditLog
    audit_sequencer: Sequencer
    endpoint_guard: EndpointGuard
    authz: Authz
    detector: Detector
    taxonomy: Taxonomy
    discovery: DiscoveryService
    scan_jobs: ScanJobs
    treatments: Treatments
    consent: ConsentService
    compute: ThreadPoolExecutor
    readiness_checks: dict[str, ReadinessCheck] = field(default_factory=dict)

    @classmethod
    def start(cls, settings: Settings, *, migrate_schema: bool = True) -> Services:
        """Open storage, apply migrations, load keys and policies; any failure stops start-up."""
        engine = make_engine(settings.database_url)
        if migrate_schema:
            migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            ensure_roles(session)
        db_file = sqlite_path(engine.url)
        kek = load_kek(settings, generated_dir=db_file.parent if db_file else None)
        hasher = ApiKeyHasher(kek)
        sequencer = _audit_sequencer(settings, engine, factory, kek)
        pack = load_rule_pack(extra=settings.rule_packs)
        detector = Detector.from_pack(pack)
        log.info("rule_pack_loaded", files=len(pack.sources), rules=len(pack.rules),
                 entities=len(detector.entities), skipped=list(detector.skipped))
        audit = AuditLog(factory, sequencer=sequencer,
                         write_timeout=settings.audit_write_timeout_seconds)
        discovery = DiscoveryService(factory, audit, kek, settings.spark_master,
                                     scanner_factory=lambda: scanner_for(pack, detector))
        consent = _consent_service(engine, factory, audit, pack.taxonomy)
        services = cls(
            settings=settings,
            engine=engine,
            session_factory=factory,
            kek=kek,
            hasher=hasher,
            authenticator=ApiKeyAuthenticator(factory, hasher, settings.auth_cache_seconds),
            audit=audit,
            audit_sequencer=sequencer,
            endpoint_guard=EndpointGuard(),
            authz=Authz.start(settings, engine, factory, audit,
                              taxonomy=from_rule_pack(pack.taxonomy)),
            detector=detector,
            taxonomy=pack.taxonomy,
            discovery=discovery,
            scan_jobs=ScanJobs(discovery, factory, settings.scan_workers),
            treatments=Treatments(load_rules(), pack.taxonomy, KeyRing(factory, kek, audit)),
            consent=consent,
            compute=ThreadPoolExecutor(settings.compute_threads, thread_name_prefix="compute"),
        )
        services.readiness_checks["database"] = lambda: ping(services.engine)
        services.readiness_checks["schema"] = services._check_schema
        services.readiness_checks["audit"] = services._check_audit
        services.readiness_checks["rule_pack"] = services._check_rule_pack
        services.readiness_checks["policy"] = services.authz.check_ready
        services.readiness_checks["keys"] = services.treatments.keys.check
        services.authz.field_classifier = services._classified_fields
        sequencer.start()
        return services

    def _classified_fields(self, record: Mapping[str, Any]) -> list[ClassifiedField]:
        """A sample record's fields as detection finds them, for policy simulation."""
        return [ClassifiedField(f.field or "$", category=f.category)
                for f in classify_record(self.detector, self.taxonomy, record)]

    @cached_property
    def protector(self) -> Protector:
        """The main path (``POST /v1/protect``): detection, decisions, consent, treatments."""
        return Protector(self.detector, self.taxonomy, self.decider, self.consent,
                         self.treatments)

    @property
    def decider(self) -> Decider:
        """What the classify-and-mask path asks: ``decide`` and ``purpose_allowed``."""
        return self.authz.decider

    def _check_audit(self) -> None:
        if not self.audit.healthy:
            raise RuntimeError("audit writer stopped")
        if self.audit_sequencer.last_error is not None:
            raise RuntimeError("audit sequencer failing")

    def _check_rule_pack(self) -> None:
        if not self.detector.entities or not self.taxonomy.entities:
            raise RuntimeError("no rule pack is loaded")

    def _check_schema(self) -> None:
        if not migrate.is_current(self.engine):
            raise RuntimeError("database schema is not at the current migration")

    def readiness(self) -> dict[str, str]:
        """Each check's state: ``ok`` or the name of the failure (never details with data)."""
        states: dict[str, str] = {}
        for name, check in self.readiness_checks.items():
            try:
                check()
            except Exception as exc:  # a failing check of any kind means not ready
                states[name] = f"failed: {type(exc).__name__}"
            else:
                states[name] = "ok"
        return states

    @property
    def database_file(self) -> Path | None:
        return sqlite_path(self.engine.url)

    def close(self) -> None:
        self.compute.shutdown(wait=True)
        self.authz.close()
        self.scan_jobs.close()
        self.audit.close()
        self.audit_sequencer.stop()
        self.consent.close()
        self.engine.dispose()


def _audit_sequencer(settings: Settings, engine: Engine, factory: sessionmaker[Session],
                     kek: KeyEncryptionKey) -> Sequencer:
    log_id = ensure_head(factory).log_id
    return Sequencer(engine, factory, CheckpointSigner.from_kek(kek, log_id),
                     interval=settings.audit_sequencer_interval_seconds,
                     checkpoint_interval=settings.audit_checkpoint_interval_seconds,
                     partitions_ahead=settings.audit_partitions_ahead)


def _consent_service(engine: Engine, factory: sessionmaker[Session], audit: AuditLog,
                     taxonomy: Taxonomy) -> ConsentService:
    """The consent service, with the purpose registry brought up to policies/purposes.yaml
    (two workers starting at once: the loser of the insert race retries and finds it done)."""
    from sqlalchemy.exc import IntegrityError

    consent = ConsentService(engine, factory, audit,
                             categories=[c.name for c in taxonomy.categories],
                             sensitive=[c.name for c in taxonomy.categories if c.sensitive])
    for attempt in range(3):
        try:
            with transaction(factory) as session:
                changes = consent.sync_purposes(session)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        if changes:
            log.info("purposes_synced", changes=[f"{code}:{verb}" for code, verb in changes])
        break
    return consent
