"""Discovery as the service runs it: one scanner per process, scans that land in the inventory
and in the audit log, whoever started them (the CLI or ``POST /v1/scans``).

The detection engine and the column knowledge are built once, on first use (start-up of the
API does not pay for them until someone scans). A scan's URL comes either with the request
(used, never stored: the run keeps the URL without its password) or from a stored connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import structlog
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.events import AuditEvent
from pii_guard.audit.log import AuditLog
from pii_guard.classification.pack import RulePack, load_rule_pack
from pii_guard.detection.engine import Detector
from pii_guard.discovery.columns.judge import KnowledgeJudge
from pii_guard.discovery.columns.knowledge import load_column_knowledge
from pii_guard.discovery.connections import ConnectionStore, CredentialVault, check_url
from pii_guard.discovery.diff import InventoryDiff, diff_run
from pii_guard.discovery.errors import InvalidScanTarget
from pii_guard.discovery.inventory import finish_run
from pii_guard.discovery.model import ScanResult
from pii_guard.discovery.profile import ValueProfiler
from pii_guard.discovery.redact import display_url, parse_url
from pii_guard.discovery.scanner import Scanner, ScanOptions, ScanProgress
from pii_guard.identity.caller import Caller
from pii_guard.masking.kek import KeyEncryptionKey

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ScanTarget:
    """Where a scan reads: the URL (secret, in memory only), what may be shown, the system."""

    url: str
    source: str
    system: str
    connection_name: str | None = None

    def __repr__(self) -> str:
        return f"ScanTarget(source={self.source!r}, system={self.system!r})"


def default_system(url: str) -> str:
    """A system name from a URL: backend, host and database, never user or password."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"sqlite:{(parsed.database or 'memory').rsplit('/', 1)[-1]}"
    host = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{backend}://{host}{port}/{parsed.database or ''}"


class ScanEngine:
    """Runs scans (sample or Spark) without storing anything; the scanner is built on first
    use."""

    def __init__(self, spark_master: str = "local[*]",
                 scanner_factory: Callable[[], Scanner] | None = None) -> None:
        self.spark_master = spark_master
        self._lock = threading.Lock()
        self._factory = scanner_factory or build_scanner
        self._scanner: Scanner | None = None

    @property
    def scanner(self) -> Scanner:
        with self._lock:
            if self._scanner is None:
                self._scanner = self._factory()
            return self._scanner

    def run(self, target: ScanTarget, options: ScanOptions, progress: ScanProgress | None = None,
            cancel: threading.Event | None = None) -> ScanResult:
        if options.engine == "spark":
            from pii_guard.discovery.spark.runner import SparkScanner

            spark = SparkScanner(self.scanner, self.spark_master)
            try:
                return spark.scan(target.url, options, progress, cancel)
            finally:
                spark.close()
        return self.scanner.scan(target.url, options, progress, cancel)


class DiscoveryService:
    """Scans that land in the inventory and the audit log, and the stored connections."""

    def __init__(self, factory: sessionmaker[Session], audit: AuditLog, kek: KeyEncryptionKey,
                 spark_master: str = "local[*]",
                 scanner_factory: Callable[[], Scanner] | None = None) -> None:
        self._factory = factory
        self._audit = audit
        self.connections = ConnectionStore(CredentialVault(kek))
        self.engine = ScanEngine(spark_master, scanner_factory)

    def target(self, session: Session, *, url: str | None = None,
               connection: str | None = None, system: str | None = None) -> ScanTarget:
        """The scan target for a URL given now or a stored connection named now (one of them)."""
        if (url is None) == (connection is None):
            raise InvalidScanTarget("invalid_scan_target",
                                    "give either a database URL or a stored connection name")
        if connection is not None:
            info = self.connections.info(session, connection)
            secret_url = self.connections.url(session, connection)
            return ScanTarget(secret_url, f"connection:{info.name}", system or info.name,
                              info.name)
        assert url is not None
        check_url(url)
        return ScanTarget(url, display_url(url), system or default_system(url))

    def run(self, target: ScanTarget, options: ScanOptions, progress: ScanProgress | None = None,
            cancel: threading.Event | None = None) -> ScanResult:
        return self.engine.run(target, options, progress, cancel)

    def finish(self, run_id: str, result: ScanResult | None, *, state: str,
               errors: Sequence[str] = (), caller: Caller | None = None,
               request_id: str | None = None) -> InventoryDiff | None:
        """Store the result, record the ``scan`` event (atomically), return the diff."""
        with self._factory() as session, session.begin():
            run = finish_run(session, run_id, result, state=state, errors=errors)
            details: dict[str, object] = {
                "run_id": run.id, "system": run.system, "engine": run.engine, "state": state,
                "schemas": list(run.schemas), "tables": run.tables_done,
                "tables_total": run.tables_total, "columns": run.columns_done,
                "columns_by_tier": result.tier_counts() if result else {},
            }
            entities = sorted({c.decision.entity for c in result.columns
                               if c.decision.entity}) if result else []
            event = AuditEvent.by(caller, "scan", "allowed", state, request_id=request_id,
                                  entities=tuple(entities),
                                  tiers=tuple(sorted(result.tier_counts() if result else {})),
                                  details=details)
            self._audit.record(session, event)
            return diff_run(session, run_id) if result is not None else None


def scanner_for(pack: RulePack, detector: Detector) -> Scanner:
    """A scanner over a loaded rule pack and its detection engine (the service's own)."""
    return Scanner(KnowledgeJudge(load_column_knowledge(pack)), ValueProfiler(detector))


@cache
def build_scanner() -> Scanner:
    """The scanner of the packaged rule pack, for processes without ``Services`` (``scan
    --no-store``, benchmarks). Built once per process (compiling the detection engine takes
    seconds; it is immutable and thread-safe), on first use rather than at import."""
    pack = load_rule_pack()
    return scanner_for(pack, Detector.from_pack(pack))
