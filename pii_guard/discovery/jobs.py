"""Background scans for the API: a small thread pool, progress written to the run's row.

``POST /v1/scans`` opens a run (state ``queued``) and hands it here; a worker thread scans,
writes progress after every table (so any API worker can answer ``GET /v1/scans/{id}``), then
stores the columns and the ``scan`` audit event in one transaction. Failures end the run as
``failed`` with a redacted one-line reason; shutting the service down cancels running scans,
which end as ``interrupted`` with what they had done.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import structlog
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.discovery.inventory import record_progress
from pii_guard.discovery.model import ColumnResult, TableInfo
from pii_guard.discovery.redact import Redactor
from pii_guard.discovery.scanner import ScanOptions
from pii_guard.discovery.service import DiscoveryService, ScanTarget
from pii_guard.errors import PiiGuardError
from pii_guard.identity.caller import Caller

log = structlog.get_logger(__name__)


class _RowProgress:
    """Writes tables done/total to the run row as a scan goes."""

    def __init__(self, factory: sessionmaker[Session], run_id: str) -> None:
        self._factory = factory
        self._run_id = run_id
        self.total = 0
        self.done = 0
        self.columns = 0

    def started(self, tables_total: int) -> None:
        self.total = tables_total
        record_progress(self._factory, self._run_id, tables_total=tables_total, tables_done=0,
                        columns_done=0)

    def table_done(self, table: TableInfo, results: Sequence[ColumnResult],
                   error: str | None) -> None:
        self.done += 1
        self.columns += len(results)
        record_progress(self._factory, self._run_id, tables_total=self.total,
                        tables_done=self.done, columns_done=self.columns)


class ScanJobs:
    def __init__(self, discovery: DiscoveryService, factory: sessionmaker[Session],
                 workers: int) -> None:
        self._discovery = discovery
        self._factory = factory
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pii-scan")
        self._cancel = threading.Event()
        self._futures: dict[str, Future[None]] = {}

    def submit(self, run_id: str, target: ScanTarget, options: ScanOptions,
               caller: Caller | None, request_id: str | None) -> None:
        self._futures[run_id] = self._pool.submit(self._run, run_id, target, options, caller,
                                                  request_id)

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Block until the scan ``run_id`` of this process has ended (tests, the CLI)."""
        future = self._futures.get(run_id)
        if future is not None:
            future.result(timeout)

    def _run(self, run_id: str, target: ScanTarget, options: ScanOptions,
             caller: Caller | None, request_id: str | None) -> None:
        redactor = Redactor.for_url(target.url)
        try:
            progress = _RowProgress(self._factory, run_id)
            record_progress(self._factory, run_id, tables_total=0, tables_done=0,
                            columns_done=0, state="running")
            result = self._discovery.run(target, options, progress, self._cancel)
            state = "completed" if result.complete else "interrupted"
            self._discovery.finish(run_id, result, state=state, caller=caller,
                                   request_id=request_id)
        except PiiGuardError as exc:
            self._fail(run_id, f"{exc.code}: {redactor.redact(exc.message)}", caller, request_id)
        except Exception as exc:  # any fault ends the run as failed, with a redacted reason
            log.error("scan_failed", run_id=run_id, error=type(exc).__name__)
            self._fail(run_id, redactor.describe(exc), caller, request_id)

    def _fail(self, run_id: str, reason: str, caller: Caller | None,
              request_id: str | None) -> None:
        try:
            self._discovery.finish(run_id, None, state="failed", errors=[reason], caller=caller,
                                   request_id=request_id)
        except Exception as exc:  # storage down as well: nothing more to do than log it
            log.error("scan_failure_not_recorded", run_id=run_id, error=type(exc).__name__)

    def close(self) -> None:
        """Stop: running scans end as interrupted with what they did; queued ones as failed."""
        self._cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for run_id, future in self._futures.items():
            if future.cancelled():
                self._fail(run_id, "service_stopped: the service stopped before the scan "
                           "started", None, None)
