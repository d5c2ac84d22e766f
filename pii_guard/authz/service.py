"""Graded authorisation as one long-lived part of a process (``Services.authz``).

Builds the decider from the stored policy (seeding it from ``policies/access.csv`` on first
start), keeps it current (LISTEN/NOTIFY on PostgreSQL, reload after commit everywhere), and
expires grants in the background. Routes call ``changed(session, ...)`` inside the transaction
that changed the policy or grants.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection

import structlog
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.events import AuditEvent
from pii_guard.audit.log import AuditLog
from pii_guard.authz import grants, store
from pii_guard.authz.casbin_model import check_casbin, load_model
from pii_guard.authz.decider import Decider
from pii_guard.authz.grant_index import ActiveGrant
from pii_guard.authz.rules import Rule
from pii_guard.authz.simulate import FieldClassifier
from pii_guard.authz.vocabulary import Taxonomy, VocabularySource, load_taxonomy
from pii_guard.authz.watcher import GRANTS, POLICY, PgWatcher, conninfo, notify
from pii_guard.config import Settings
from pii_guard.consent.purposes import load_purposes
from pii_guard.store.engine import transaction

log = structlog.get_logger(__name__)


class Authz:
    def __init__(self, factory: sessionmaker[Session], taxonomy: Taxonomy,
                 vocabulary: VocabularySource, decider: Decider, audit: AuditLog, *,
                 grant_max_minutes: int, sweep_seconds: float) -> None:
        self.factory = factory
        self.taxonomy = taxonomy
        self.vocabulary = vocabulary
        self.field_classifier: FieldClassifier | None = None  # set when detection is wired
        self.decider = decider
        self.audit = audit
        self.grant_max_minutes = grant_max_minutes
        self.watcher: PgWatcher | None = None
        self._sweep_seconds = sweep_seconds
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    @classmethod
    def start(cls, settings: Settings, engine: Engine, factory: sessionmaker[Session],
              audit: AuditLog, purposes: Callable[[], Collection[str]] | None = None,
              taxonomy: Taxonomy | None = None) -> Authz:
        """Check PyCasbin, load and validate the model, seed and load the policy.

        ``purposes``: the purpose registry (a callable giving the current codes; default
        policies/purposes.yaml). ``taxonomy``: categories and tiers (default
        classifiers/taxonomy.yaml)."""
        check_casbin()
        load_model()
        if purposes is None:
            codes = frozenset(load_purposes())
            purposes = lambda: codes  # noqa: E731 - a registry that never changes
        taxonomy = taxonomy or load_taxonomy()
        vocabulary = VocabularySource(taxonomy.category_tiers, purposes)
        with transaction(factory) as session:
            store.seed_if_empty(session, vocabulary.current(session))
        decider = Decider(vocabulary.category_tiers, _policy_loader(factory),
                          _grant_loader(factory), purposes)
        authz = cls(factory, taxonomy, vocabulary, decider, audit,
                    grant_max_minutes=settings.grant_max_minutes,
                    sweep_seconds=settings.grant_sweep_seconds)
        decider.reload()
        if engine.dialect.name == "postgresql":
            authz.watcher = PgWatcher(conninfo(engine.url), authz._on_notice, decider.reload)
            authz.watcher.start()
        authz._start_sweeper()
        return authz

    def changed(self, session: Session, *, policy: bool = False, grants: bool = False) -> None:
        """Inside the changing transaction: notify other workers at commit, reload here after
        it (so the next request in this process already sees the change)."""
        topics = [t for t, flag in ((POLICY, policy), (GRANTS, grants)) if flag]
        for topic in topics:
            notify(session, topic)

        def reload(_session: Session) -> None:
            for topic in topics:
                self._on_notice(topic)

        event.listen(session, "after_commit", reload, once=True)

    def _on_notice(self, topic: str) -> None:
        if topic == POLICY:
            self.decider.reload_policy()
        elif topic == GRANTS:
            self.decider.reload_grants()

    def sweep(self) -> int:
        """Expire grants past their end, one audit event each; returns how many."""
        with transaction(self.factory) as session:
            expired = grants.expire_due(session)
            for grant in expired:
                self.audit.record(session, AuditEvent(
                    action="grant.expire", decision="allowed", reason="expired",
                    principal_id=grant.requester_id, purpose=grant.purpose,
                    subject_ref=grant.subject_ids[0] if len(grant.subject_ids) == 1 else None,
                    details=grant.summary()))
            if expired:
                self.changed(session, grants=True)
        return len(expired)

    def _start_sweeper(self) -> None:
        def run() -> None:
            while not self._stop.wait(self._sweep_seconds):
                try:
                    self.sweep()
                except Exception as exc:  # the next round retries
                    log.warning("grant_sweep_failed", error=type(exc).__name__)

        self._sweeper = threading.Thread(target=run, name="pii-guard-grant-sweeper",
                                         daemon=True)
        self._sweeper.start()

    def check_ready(self) -> None:
        self.decider.check_ready()
        if self.watcher is not None:
            self.watcher.check_ready()

    def close(self) -> None:
        self._stop.set()
        if self.watcher is not None:
            self.watcher.stop()
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)


def _policy_loader(factory: sessionmaker[Session]) -> Callable[[int | None],
                                                               tuple[int, list[Rule]] | None]:
    def load(newer_than: int | None) -> tuple[int, list[Rule]] | None:
        with factory() as session:
            return store.load_current(session, newer_than)
    return load


def _grant_loader(factory: sessionmaker[Session]) -> Callable[[], list[ActiveGrant]]:
    def load() -> list[ActiveGrant]:
        with factory() as session:
            return grants.active(session)
    return load
