"""Policy and grant changes reach every worker: PostgreSQL LISTEN/NOTIFY.

The transaction that applies a change also sends ``pg_notify`` on ``CHANNEL``; PostgreSQL
delivers it to every listener when, and only when, that transaction commits. Each worker
listens on its own psycopg connection in a background thread and reloads there, off the
event loop; the reload builds a whole new snapshot and swaps it in (``Decider``). After a
(re)connection the watcher reloads everything, since notifications sent while it was away
are lost. SQLite has one process, which reloads after its own commits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import psycopg
import structlog
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

log = structlog.get_logger(__name__)

CHANNEL = "pii_guard_authz"
POLICY, GRANTS = "policy", "grants"


def notify(session: Session, topic: str) -> None:
    """Tell every worker, at commit, that ``topic`` changed (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :topic)"),
                        {"channel": CHANNEL, "topic": topic})


def conninfo(url: URL) -> str:
    """A libpq URI for psycopg from the SQLAlchemy URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PgWatcher:
    """Listens for changes and calls ``handle(topic)``; ``resync()`` after each connect."""

    def __init__(self, dsn: str, handle: Callable[[str], None], resync: Callable[[], None],
                 *, poll_seconds: float = 0.25) -> None:
        self._dsn = dsn
        self._handle = handle
        self._resync = resync
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pii-guard-policy-watcher",
                                        daemon=True)

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    def start(self, wait_seconds: float = 5.0) -> None:
        self._thread.start()
        self._listening.wait(wait_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._poll * 4 + 5)

    def check_ready(self) -> None:
        if not self.listening:
            raise RuntimeError("the policy watcher is not listening")

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    self._safely(self._resync)
                    backoff = 0.5
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self._poll):
                            self._safely(partial(self._handle, note.payload))
            except psycopg.Error as exc:
                log.warning("policy_watcher_disconnected", error=type(exc).__name__)
            finally:
                self._listening.clear()
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)

    @staticmethod
    def _safely(action: Callable[[], None]) -> None:
        """A failed reload keeps the last good snapshot; the next notification retries."""
        try:
            action()
        except Exception as exc:  # any reload failure must not kill the listener
            log.error("policy_reload_failed", error=type(exc).__name__)
