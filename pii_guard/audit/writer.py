"""Group commit: one thread per process writes the events of many concurrent calls in one
transaction, so durable auditing costs one commit per batch rather than one per call.

Each call waits on a future that resolves when its batch has committed. A batch that fails to
commit fails every call in it (``AuditUnavailable``): those calls release no data. A batch
rejected by the database for one bad row is retried row by row so only that call fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any, cast

import structlog
from sqlalchemy import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.bulk import insert_rows
from pii_guard.audit.errors import AuditUnavailable
from pii_guard.store.engine import is_database_fault
from pii_guard.store.models.audit import AuditInboxRow

log = structlog.get_logger(__name__)

Row = Mapping[str, Any]
Waiter = Future[None] | asyncio.Future[None]


def _failure(code: str, cause: Exception) -> AuditUnavailable:
    error = AuditUnavailable(code, "the audit event could not be stored; nothing was released")
    error.__cause__ = cause if isinstance(cause, SQLAlchemyError) else None
    return error


def _settle(futures: list[asyncio.Future[None]], code: str | None, cause: Exception | None
            ) -> None:
    for future in futures:
        if future.done():
            continue  # the caller gave up waiting (timeout, cancellation)
        if code is None or cause is None:
            future.set_result(None)
        else:
            future.set_exception(_failure(code, cause))


class GroupCommitWriter:
    """Batches inbox inserts from any thread; ``submit`` returns a future per row."""

    def __init__(self, factory: sessionmaker[Session], *, max_batch: int = 5000,
                 max_pending: int = 200_000,
                 on_commit: Callable[[], None] | None = None) -> None:
        self._factory = factory
        self._max_batch = max_batch
        self._max_pending = max_pending
        self._on_commit = on_commit
        self._queue: deque[tuple[Row, Waiter]] = deque()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._idle = True

    def submit(self, row: Row) -> Future[None]:
        """Queue ``row``; the future resolves once it is committed (from any thread)."""
        future: Future[None] = Future()
        self._enqueue(row, future)
        return future

    def submit_async(self, row: Row) -> asyncio.Future[None]:
        """Queue ``row`` from a coroutine; the writer settles the futures of one batch with
        one call into the event loop, not one per event."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._enqueue(row, future)
        return future

    def _enqueue(self, row: Row, future: Waiter) -> None:
        with self._condition:
            if self._closed:
                raise AuditUnavailable("audit_closed", "the audit writer is shut down")
            if len(self._queue) >= self._max_pending:
                raise AuditUnavailable("audit_backlog", "too many events waiting to be stored")
            self._queue.append((row, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audit-writer",
                                                daemon=True)
                self._thread.start()
            self._condition.notify()

    @property
    def alive(self) -> bool:
        return self._thread is None or self._thread.is_alive()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until everything submitted so far has been written (or failed)."""
        with self._condition:
            return self._condition.wait_for(lambda: not self._queue and self._idle, timeout)

    def close(self, timeout: float = 30.0) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._condition:
                self._idle = True
                self._condition.notify_all()
                self._condition.wait_for(lambda: self._queue or self._closed)
                if not self._queue:
                    return
                self._idle = False
                count = min(len(self._queue), self._max_batch)
                batch = [self._queue.popleft() for _ in range(count)]
            self._write(batch)

    def _write(self, batch: list[tuple[Row, Waiter]]) -> None:
        try:
            self._insert([row for row, _ in batch])
        except Exception as exc:
            if is_database_fault(exc) or len(batch) == 1:
                self._fail(batch, exc)
                return
            for item in batch:  # isolate the row the database refused
                self._write([item])
            return
        self._resolve(batch, None, None)
        if self._on_commit is not None:
            self._on_commit()

    @staticmethod
    def _resolve(batch: list[tuple[Row, Waiter]], code: str | None,
                 cause: Exception | None) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for _, future in batch:
            if isinstance(future, asyncio.Future):
                by_loop.setdefault(future.get_loop(), []).append(future)
            elif code is None or cause is None:
                future.set_result(None)
            else:
                future.set_exception(_failure(code, cause))
        for loop, futures in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_settle, futures, code, cause)

    def _insert(self, rows: list[Row]) -> None:
        with self._factory() as session, session.begin():
            insert_rows(session, cast(Table, AuditInboxRow.__table__), rows)

    @classmethod
    def _fail(cls, batch: list[tuple[Row, Waiter]], exc: Exception) -> None:
        log.error("audit_write_failed", error=type(exc).__name__, events=len(batch))
        code = "audit_unavailable" if is_database_fault(exc) else "audit_write_failed"
        cls._resolve(batch, code, exc)
