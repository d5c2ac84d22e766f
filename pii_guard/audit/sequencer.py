"""The sequencer: one per cluster, it turns committed inbox rows into the ordered log.

Leadership is a PostgreSQL session advisory lock held on a dedicated connection: when the
leader's process dies its connection closes, the server releases the lock and another worker
takes over within one follower interval. Nothing is lost or doubled on a crash: a pass moves
rows from the inbox to the log in one transaction, so it happens entirely or not at all. On
SQLite the process is always the leader (SQLite serialises writers itself).

Each process runs a ``Sequencer`` thread; only the leader sequences, makes the monthly
partitions ahead and signs periodic checkpoints.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import structlog
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit import ledger, partitions
from pii_guard.audit.checkpoints import Checkpoint, CheckpointSigner
from pii_guard.store import locks
from pii_guard.store.base import utcnow
from pii_guard.store.models.audit import AuditInboxRow

log = structlog.get_logger(__name__)

FOLLOWER_INTERVAL = 1.0  # seconds between a follower's attempts to take the lead
MIN_GAP = 0.1  # seconds from the end of one background pass to the start of the next
Clock = Callable[[], dt.datetime]


class Sequencer:
    def __init__(self, engine: Engine, factory: sessionmaker[Session], signer: CheckpointSigner,
                 *, batch_size: int = 5000, interval: float = 0.2,
                 checkpoint_interval: float = 300.0, partitions_ahead: int = 2,
                 clock: Clock = utcnow, min_gap: float = MIN_GAP) -> None:
        self._engine = engine
        self._factory = factory
        self.signer = signer
        self._batch_size = batch_size
        self._interval = interval
        self._min_gap = min_gap
        self._last_pass = 0.0
        self._checkpoint_interval = checkpoint_interval
        self._partitions_ahead = partitions_ahead
        self._clock = clock
        self._mutex = threading.RLock()
        self._wakeup = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_connection: Connection | None = None
        self._lock_checked = 0.0
        self._partitions_until: dt.datetime | None = None
        self._next_checkpoint = 0.0
        self._next_attempt = 0.0
        self.last_error: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self._engine.dialect.name == "sqlite"

    @property
    def is_leader(self) -> bool:
        return self.is_sqlite or self._lock_connection is not None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="audit-sequencer",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread; a leader first sequences what is committed (best effort)."""
        self._stop.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None
        with self._mutex:
            try:
                if self.is_leader:
                    while self.run_pass() >= self._batch_size:
                        pass
            except Exception as exc:  # the next leader sequences these rows
                log.warning("audit_sequencer_final_pass_failed", error=type(exc).__name__)
            self._release()

    def wake(self) -> None:
        self._wakeup.set()

    def lead(self) -> bool:
        """Become the leader if nobody is; True while this process leads."""
        with self._mutex:
            if self.is_sqlite:
                return True
            if self._lock_connection is not None:
                # A lost lock needs no check before every pass: two leaders for a moment stay
                # correct (each pass holds the head row), so a probe per interval is enough.
                if time.monotonic() < self._lock_checked + FOLLOWER_INTERVAL:
                    return True
                try:
                    self._lock_connection.execute(text("SELECT 1"))
                    self._lock_connection.commit()
                    self._lock_checked = time.monotonic()
                    return True
                except Exception:
                    log.warning("audit_sequencer_lost_lock")
                    self._release()
            connection = self._engine.connect()
            try:
                got = connection.execute(text("SELECT pg_try_advisory_lock(:id)"),
                                         {"id": locks.AUDIT_SEQUENCER}).scalar()
                connection.commit()
            except Exception:
                connection.close()
                raise
            if not got:
                connection.close()
                return False
            self._lock_connection = connection
            self._lock_checked = time.monotonic()
            self._partitions_until = None
            self._next_checkpoint = time.monotonic() + self._checkpoint_interval
            log.info("audit_sequencer_leading")
            return True

    def _release(self) -> None:
        if self._lock_connection is None:
            return
        try:
            self._lock_connection.execute(text("SELECT pg_advisory_unlock(:id)"),
                                          {"id": locks.AUDIT_SEQUENCER})
            self._lock_connection.commit()
        except Exception:
            log.debug("audit_sequencer_unlock_failed")  # the closing connection releases it
            # Close the broken connection now rather than return it to a pool that may have
            # been disposed meanwhile (it would then stay open until garbage collection).
            self._lock_connection.invalidate()
        finally:
            self._lock_connection.close()
            self._lock_connection = None

    def ensure_partitions(self) -> None:
        now = self._clock()
        if self._partitions_until is not None and now < self._partitions_until - \
                dt.timedelta(days=7):
            return
        with self._engine.begin() as connection:
            self._partitions_until = partitions.ensure_partitions(
                connection, now, self._partitions_ahead)

    def run_pass(self) -> int:
        """Sequence one batch of inbox rows (leader only); returns how many."""
        with self._mutex:
            if not self.lead():
                return 0
            self.ensure_partitions()
            with self._factory() as session, session.begin():
                head = ledger.lock_head(session)
                return ledger.sequence_inbox(session, head, self._batch_size, self._clock())

    def catch_up(self) -> None:
        """Sequence everything committed so far if this process leads; otherwise do nothing
        (the leader elsewhere is at most one interval behind)."""
        with self._mutex:
            if self.lead():
                while self.run_pass() >= self._batch_size:
                    pass

    def drain(self, timeout: float = 30.0) -> None:
        """Sequence everything committed so far (when this process leads), or wait until the
        leader has."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.lead():
                if self.run_pass() < self._batch_size:
                    return
                continue
            with self._factory() as session:
                if not session.scalar(select(func.count()).select_from(AuditInboxRow)):
                    return
            time.sleep(0.05)
        raise TimeoutError("the audit inbox was not drained in time")

    def checkpoint_if_due(self) -> Checkpoint | None:
        """Sign a checkpoint when the interval has passed and the tree grew since the last."""
        with self._mutex:
            if time.monotonic() < self._next_checkpoint or not self.lead():
                return None
            self._next_checkpoint = time.monotonic() + self._checkpoint_interval
            with self._factory() as session, session.begin():
                latest = ledger.latest_checkpoint(session)
                size = ledger.read_head(session).tree_size
                if size == 0 or (latest is not None and latest.tree_size >= size):
                    return None
                return ledger.make_checkpoint(session, self.signer, self._clock())

    def _run(self) -> None:
        backoff = self._interval
        while not self._stop.is_set():
            try:
                if not self.is_leader and time.monotonic() < self._next_attempt:
                    pause = self._next_attempt - time.monotonic()  # wake-ups do not hurry it
                elif self.lead():
                    while not self._stop.is_set() and self.run_pass() >= self._batch_size:
                        pass
                    self._last_pass = time.monotonic()
                    self.checkpoint_if_due()
                    pause = self._interval
                else:
                    pause = FOLLOWER_INTERVAL
                    self._next_attempt = time.monotonic() + pause
                self.last_error = None
                backoff = self._interval
            except Exception as exc:  # keep the thread alive; the next pass retries
                self.last_error = type(exc).__name__
                log.error("audit_sequencer_failed", error=type(exc).__name__)
                backoff = min(backoff * 2, 10.0)
                pause = backoff
            self._wakeup.wait(pause)
            self._wakeup.clear()
            # Every commit wakes the sequencer. A short breather after a pass lets the next one
            # take all that arrived meanwhile, so its fixed cost (head lock, tile reads) is
            # shared instead of paid per event; events are durable in the inbox already.
            breather = self._last_pass + self._min_gap - time.monotonic()
            if breather > 0:
                self._stop.wait(breather)
