"""Full verification: recompute every leaf and root from the stored events and compare.

One pass in sequence order, in one snapshot (REPEATABLE READ on PostgreSQL):

- every event's leaf hash is recomputed from its canonical bytes and compared with the stored
  tree (an edited, renumbered or reordered row differs here, at its own seq);
- sequence numbers must run contiguously from the retained start to the head's tree size
  (a deleted row is a gap; an inserted row is a duplicate or lies beyond the head);
- the stored upper tiles must equal the recomputed subtree hashes;
- every stored checkpoint must carry our signature and the root recomputed at its size, and
  none may be larger than the log (a log cut back below a checkpoint);
- optionally an exported checkpoint kept outside the database, checked the same way.

Rewriting events *and* every stored hash consistently is caught by the signed checkpoints;
the first bad seq is then reported as the start of the first checkpoint interval that does not
match (the earliest event that can have been altered). A pruned prefix (retention) is
represented by its stored subtree hashes, which later checkpoints cover.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from pii_guard.audit.canonical import (
    EVENT_KEYS,
    assemble,
    event_leaf_hash,
    postgres_text_columns,
)
from pii_guard.audit.checkpoints import Checkpoint, verify_signature
from pii_guard.audit.errors import AuditError
from pii_guard.audit.ledger import HEAD_ID, checkpoint_of
from pii_guard.audit.merkle import CompactRange, hash_leaf, perfect_subtrees
from pii_guard.audit.tiles import HASH_BYTES, HEIGHT, WIDTH, TreeReader
from pii_guard.store.models.audit import (
    AuditCheckpointRow,
    AuditEventRow,
    AuditLogHead,
    AuditTile,
)

STREAM_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    seq: int | None
    message: str


@dataclass
class VerificationReport:
    tree_size: int = 0
    retained_from: int = 0
    events_checked: int = 0
    checkpoints_checked: int = 0
    exported_checked: bool = False
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_seq(self) -> int | None:
        seqs = [problem.seq for problem in self.problems if problem.seq is not None]
        return min(seqs) if seqs else None


class _Walk:
    """State of one verification pass."""

    def __init__(self, report: VerificationReport, public_key: bytes, origin: str) -> None:
        self.report = report
        self.public_key = public_key
        self.origin = origin
        self.last_good_size = report.retained_from

    def fail(self, code: str, seq: int | None, message: str) -> None:
        self.report.problems.append(Problem(code, seq, message))

    def check_checkpoint(self, checkpoint: Checkpoint, root: bytes | None, label: str) -> bool:
        if not verify_signature(self.public_key, self.origin, checkpoint):
            self.fail("checkpoint_signature", None,
                      f"{label} (tree size {checkpoint.tree_size}) is not signed by this log's key")
            return False
        if root is not None and root != checkpoint.root_hash:
            self.fail("checkpoint_mismatch", self.last_good_size,
                      f"{label} (tree size {checkpoint.tree_size}) does not match the events "
                      f"from seq {self.last_good_size} to {checkpoint.tree_size - 1}")
            return False
        if root is not None:
            self.last_good_size = max(self.last_good_size, checkpoint.tree_size)
        return True


class Verifier:
    """Verifies the log in ``engine`` against this log's checkpoint public key."""

    def __init__(self, engine: Engine, public_key: bytes, origin: str) -> None:
        self._engine = engine
        self._public_key = public_key
        self._origin = origin

    def verify(self, exported: Checkpoint | None = None) -> VerificationReport:
        started = time.perf_counter()
        report = VerificationReport()
        connection = self._engine.connect()
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        try:
            with connection.begin(), ExitStack() as streams:
                if connection.dialect.name == "sqlite":
                    # pysqlite opens no transaction before a read, so each query would see the
                    # latest commit: events a concurrent pass appends after the head was read
                    # looked "beyond the head". One snapshot for the whole walk.
                    connection.exec_driver_sql("BEGIN")
                self._walk(connection, streams, report, exported)
        finally:
            connection.close()
        report.seconds = time.perf_counter() - started
        return report

    def _walk(self, connection: Connection, streams: ExitStack, report: VerificationReport,
              exported: Checkpoint | None) -> None:
        session = Session(bind=connection)
        head = session.get(AuditLogHead, HEAD_ID)
        if head is None:
            raise AuditError("audit_head_missing", "the audit log head row is missing")
        report.tree_size = head.tree_size
        start = report.retained_from = head.pruned_before
        walk = _Walk(report, self._public_key, self._origin)
        reader = TreeReader(session)
        try:
            frontier = CompactRange(start, [reader.subtree(node)
                                            for node in perfect_subtrees(0, start)])
        except AuditError:
            walk.fail("tree_missing", start, "the stored hashes of the pruned prefix are missing")
            return
        upper = _upper_tiles(connection)
        pending = [*_checkpoints(connection), *([] if exported is None else [exported])]
        pending.sort(key=lambda c: c.tree_size)
        exported_done = False
        at = 0
        # Checkpoints at or below the retained start cannot be recomputed from events.
        while at < len(pending) and pending[at].tree_size <= start:
            checkpoint = pending[at]
            root = _root_or_none(reader, checkpoint.tree_size)
            walk.check_checkpoint(checkpoint, root, _label(checkpoint, exported))
            exported_done |= checkpoint is exported
            at += 1
        expected = start
        leaves = _leaf_stream(connection, streams, start)
        for seq, leaf in _event_leaves(connection, streams):
            if seq < expected:
                walk.fail("duplicate", seq, f"more than one event has seq {seq}"
                          if seq == expected - 1 else f"event seq {seq} is out of order")
                return
            if seq > expected:
                walk.fail("missing", expected, f"event seq {expected} is missing")
                return
            if seq >= head.tree_size:
                walk.fail("beyond_head", seq, f"event seq {seq} is not in the tree "
                          f"(tree size {head.tree_size})")
                return
            stored = next(leaves, None)
            if stored is None:
                walk.fail("tree_missing", seq, f"no stored leaf for seq {seq}")
                return
            if leaf != stored:
                walk.fail("modified", seq, f"event seq {seq} was modified, moved or reordered")
                return
            for level, index, value in frontier.append(leaf):
                if level % HEIGHT == 0 and _stored_node(upper, level, index) != value:
                    walk.fail("tree_mismatch", index << level,
                              f"stored subtree hash at level {level}, index {index} is wrong")
                    return
            expected += 1
            report.events_checked += 1
            while at < len(pending) and pending[at].tree_size == expected:
                checkpoint = pending[at]
                if not walk.check_checkpoint(checkpoint, frontier.root(),
                                             _label(checkpoint, exported)):
                    return
                exported_done |= checkpoint is exported
                report.checkpoints_checked += 1
                at += 1
        if expected < head.tree_size:
            walk.fail("missing", expected, f"events from seq {expected} are missing "
                      f"(tree size {head.tree_size})")
            return
        if frontier.root() != bytes(head.root_hash):
            walk.fail("head_mismatch", walk.last_good_size,
                      "the head's root hash does not match the events")
            return
        if at < len(pending):
            checkpoint = pending[at]
            walk.fail("truncated", expected,
                      f"{_label(checkpoint, exported)} has tree size {checkpoint.tree_size} but "
                      f"the log ends at {expected}: it was cut back")
            return
        report.exported_checked = exported is not None and exported_done


def _label(checkpoint: Checkpoint, exported: Checkpoint | None) -> str:
    return "the exported checkpoint" if checkpoint is exported else f"checkpoint #{checkpoint.id}"


def _root_or_none(reader: TreeReader, size: int) -> bytes | None:
    try:
        return reader.root(size)
    except AuditError:
        return None


def _stored_node(upper: dict[tuple[int, int], bytes], level: int, index: int) -> bytes | None:
    data = upper.get((level // HEIGHT, index >> HEIGHT))
    if data is None:
        return None
    offset = (index & (WIDTH - 1)) * HASH_BYTES
    chunk = data[offset:offset + HASH_BYTES]
    return chunk if len(chunk) == HASH_BYTES else None


def _upper_tiles(connection: Connection) -> dict[tuple[int, int], bytes]:
    rows = connection.execute(select(AuditTile.level, AuditTile.idx, AuditTile.hashes)
                              .where(AuditTile.level > 0))
    return {(level, idx): bytes(data) for level, idx, data in rows}


def _checkpoints(connection: Connection) -> list[Checkpoint]:
    rows = connection.execute(select(AuditCheckpointRow).order_by(AuditCheckpointRow.tree_size,
                                                                    AuditCheckpointRow.id))
    return [checkpoint_of(AuditCheckpointRow(**row._mapping)) for row in rows]


def _event_leaves(connection: Connection, streams: ExitStack) -> Iterator[tuple[int, bytes]]:
    """(seq, recomputed leaf hash) of every stored event in sequence order."""
    if connection.dialect.name == "postgresql":
        yield from _event_leaves_postgresql(connection, streams)
        return
    table = AuditEventRow.__table__
    rows = streams.enter_context(connection.execution_options(yield_per=STREAM_CHUNK).execute(
        select(table).order_by(table.c.seq)))
    for row in rows:
        yield row.seq, event_leaf_hash(dict(row._mapping))


def _event_leaves_postgresql(connection: Connection,
                             streams: ExitStack) -> Iterator[tuple[int, bytes]]:
    """The fast path: the server formats times and hands JSON columns over as stored text
    (written canonically by the sequencer), so each leaf is one concatenation and one hash.
    A JSON column rewritten in any other spelling no longer matches: that is a modification."""
    columns = postgres_text_columns(EVENT_KEYS)
    driver = cast(Any, connection.connection.driver_connection)
    cursor = streams.enter_context(driver.cursor(name="pii_guard_audit_verify"))
    cursor.itersize = STREAM_CHUNK
    query = f"SELECT {', '.join(columns)} FROM audit_events ORDER BY seq"  # noqa: S608 - constants
    cursor.execute(query)
    for values in cursor:
        yield values[0], hash_leaf(assemble(values))


def _leaf_stream(connection: Connection, streams: ExitStack, start: int) -> Iterator[bytes]:
    rows = streams.enter_context(connection.execution_options(yield_per=64).execute(
        select(AuditTile.idx, AuditTile.hashes)
        .where(AuditTile.level == 0, AuditTile.idx >= start >> HEIGHT).order_by(AuditTile.idx)))
    skip = start & (WIDTH - 1)
    expected_idx = start >> HEIGHT
    for idx, data in rows:
        if idx != expected_idx:
            return
        data = bytes(data)
        for offset in range(skip * HASH_BYTES, len(data), HASH_BYTES):
            yield data[offset:offset + HASH_BYTES]
        skip = 0
        expected_idx += 1
