"""The sequenced log in storage: its head, appending a batch, and checkpoints.

``_append`` is the only code that writes ``audit_events``; the sequencer reaches it through
``sequence_inbox``, the benchmark and tests with generated rows through ``append``. It runs
inside one transaction that holds the head row, so sequence numbers are contiguous and unique
even if two sequencers ever ran at once: the second waits for the first and continues after it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Result, Table, delete, insert, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.bulk import copy_rows
from pii_guard.audit.canonical import (
    EVENT_KEYS,
    INBOX_KEYS,
    assemble,
    format_time,
    parse_time,
    postgres_text_columns,
    text_values,
)
from pii_guard.audit.checkpoints import Checkpoint, CheckpointSigner
from pii_guard.audit.merkle import EMPTY_ROOT, hash_leaf
from pii_guard.audit.tiles import TileAppender, save_tiles
from pii_guard.errors import ConfigurationError
from pii_guard.store.base import utcnow
from pii_guard.store.models.audit import (
    AuditCheckpointRow,
    AuditEventRow,
    AuditHourlyCount,
    AuditInboxRow,
    AuditLogHead,
    AuditTile,
)

HEAD_ID = 1


def ensure_head(factory: sessionmaker[Session]) -> AuditLogHead:
    """The head row, created for an empty log (the migration makes it; a database emptied
    by other means gets a new log id). A missing head beside stored events is tampering and
    stops start-up."""
    with factory() as session:
        head = session.get(AuditLogHead, HEAD_ID)
        if head is not None:
            return head
        if session.scalar(select(AuditEventRow.seq).limit(1)) is not None or \
                session.scalar(select(AuditTile.level).limit(1)) is not None:
            raise ConfigurationError(
                "audit_head_missing", "the audit log head row is missing but events are "
                "stored: the log was tampered with; run `pii-guard audit verify`")
    try:
        with factory() as session, session.begin():
            session.add(AuditLogHead(id=HEAD_ID, log_id=uuid.uuid4().hex, tree_size=0,
                                     root_hash=EMPTY_ROOT, pruned_before=0,
                                     last_sequenced_at=None, updated_at=utcnow()))
    except IntegrityError:
        pass  # another worker made it first
    with factory() as session:
        return read_head(session)


def read_head(session: Session) -> AuditLogHead:
    head = session.get(AuditLogHead, HEAD_ID)
    if head is None:
        raise RuntimeError("audit_log_head row is missing: the 0005_audit migration did not run")
    return head


def lock_head(session: Session) -> AuditLogHead:
    """The head row, locked until the transaction ends (SQLite: the database write lock)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(AuditLogHead).where(AuditLogHead.id == HEAD_ID)
                        .values(id=HEAD_ID))
    head = session.scalars(select(AuditLogHead).where(AuditLogHead.id == HEAD_ID)
                           .with_for_update()).one_or_none()
    if head is None:
        raise RuntimeError("audit_log_head row is missing: the 0005_audit migration did not run")
    return head


TextRow = Sequence[Any]  # an inbox event in ``INBOX_KEYS`` order, times and JSON as text
_OCCURRED = INBOX_KEYS.index("occurred_at")
_ID = INBOX_KEYS.index("id")
_PURPOSE = INBOX_KEYS.index("purpose")
_DECISION = INBOX_KEYS.index("decision")
_TIERS = INBOX_KEYS.index("tiers")


def sequence_inbox(session: Session, head: AuditLogHead, limit: int,
                   sequenced_at: dt.datetime) -> int:
    """Move up to ``limit`` committed inbox rows into the log; returns how many.

    On PostgreSQL the rows never become Python objects: the server hands times and JSON over
    as the text the leaf hash is computed from, and the same text goes back by COPY.
    """
    inbox = cast(Table, AuditInboxRow.__table__)
    oldest = select(inbox.c.id).order_by(inbox.c.occurred_at, inbox.c.id).limit(limit)
    taking = delete(inbox).where(inbox.c.id.in_(oldest.scalar_subquery()))
    if session.get_bind().dialect.name == "postgresql":
        returned: Result[Any] = session.execute(taking.returning(
            *(literal_column(column) for column in postgres_text_columns(INBOX_KEYS))))
        texts: list[TextRow] = [tuple(row) for row in returned]
        texts.sort(key=lambda row: (row[_OCCURRED], row[_ID]))
        return _append(session, head, texts, sequenced_at, None)
    rows = [dict(row._mapping) for row in session.execute(taking.returning(*inbox.c))]
    return append(session, head, rows, sequenced_at)


def append(session: Session, head: AuditLogHead, rows: Sequence[Mapping[str, Any]],
           sequenced_at: dt.datetime) -> int:
    """Give ``rows`` (Python values) the next sequence numbers in (occurred_at, id) order,
    store them and their leaves; returns the count."""
    ordered = sorted(rows, key=lambda row: (row["occurred_at"], row["id"]))
    texts = [text_values(row, INBOX_KEYS) for row in ordered]
    return _append(session, head, texts, sequenced_at, ordered)


def _append(session: Session, head: AuditLogHead, texts: Sequence[TextRow],
            sequenced_at: dt.datetime, rows: Sequence[Mapping[str, Any]] | None) -> int:
    """The one place that numbers events and grows the tree. ``rows`` (the same events as
    Python values) is needed only where COPY is not available."""
    if not texts:
        return 0
    # sequenced_at never decreases with seq (months of the log are prefixes) and is never
    # before an event's occurred_at (so a time filter on occurred_at can prune partitions).
    sequenced_at = max(sequenced_at, parse_time(max(row[_OCCURRED] for row in texts)))
    if head.last_sequenced_at is not None and sequenced_at < head.last_sequenced_at:
        sequenced_at = head.last_sequenced_at
    stamp = format_time(sequenced_at)
    tree = TileAppender.load(session, head.tree_size)
    first = tree.size
    events = [(first + i, stamp, *row) for i, row in enumerate(texts)]
    for event in events:
        tree.append(hash_leaf(assemble(event)))
    table = cast(Table, AuditEventRow.__table__)
    if session.get_bind().dialect.name == "postgresql":
        copy_rows(session, table, EVENT_KEYS, events)
    else:
        if rows is None:
            rows = [dict(zip(INBOX_KEYS, row, strict=True)) for row in texts]
        session.execute(insert(table), [dict(row, seq=first + i, sequenced_at=sequenced_at)
                                        for i, row in enumerate(rows)])
    save_tiles(session, tree.touched)
    _count(session, texts)
    head.tree_size = tree.size
    head.root_hash = tree.root()
    head.last_sequenced_at = sequenced_at
    head.updated_at = utcnow()
    return len(events)


def highest_tier(tiers: Sequence[str]) -> str:
    """The most sensitive tier: JR/T 0171 tiers are named C1 < C2 < C3, so the greatest name."""
    return max(tiers) if tiers else ""


def _count(session: Session, texts: Sequence[TextRow]) -> None:
    """Add the events to the hourly counts the daily summaries read."""
    counts: Counter[tuple[str, str, str, str]] = Counter(
        (row[_OCCURRED][:13], row[_PURPOSE] or "", row[_TIERS], row[_DECISION])
        for row in texts)
    tops: dict[str, str] = {}
    totals: Counter[tuple[dt.datetime, str, str, str]] = Counter()
    for (hour, purpose, tiers, decision), n in counts.items():
        if tiers not in tops:
            tops[tiers] = highest_tier(json.loads(tiers))
        start = dt.datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=dt.UTC)
        totals[(start, purpose, tops[tiers], decision)] += n
    values = [{"hour": hour, "purpose": purpose, "tier": tier, "decision": decision,
               "events": n} for (hour, purpose, tier, decision), n in sorted(totals.items())]
    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_(AuditHourlyCount).values(values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["hour", "purpose", "tier", "decision"],
        set_={"events": AuditHourlyCount.events + statement.excluded.events}))


def checkpoint_of(row: AuditCheckpointRow) -> Checkpoint:
    return Checkpoint(origin=row.origin, tree_size=row.tree_size, root_hash=bytes(row.root_hash),
                      created_at=row.created_at, key_id=row.key_id,
                      signature=bytes(row.signature), id=row.id)


def make_checkpoint(session: Session, signer: CheckpointSigner,
                    now: dt.datetime | None = None) -> Checkpoint:
    """Sign the current head and store the checkpoint."""
    head = read_head(session)
    checkpoint = signer.sign(head.tree_size, bytes(head.root_hash), now or utcnow())
    row = AuditCheckpointRow(tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash,
                             created_at=checkpoint.created_at, origin=checkpoint.origin,
                             key_id=checkpoint.key_id, signature=checkpoint.signature)
    session.add(row)
    session.flush()
    return replace(checkpoint, id=row.id)


def latest_checkpoint(session: Session) -> Checkpoint | None:
    row = session.scalars(select(AuditCheckpointRow)
                          .order_by(AuditCheckpointRow.id.desc()).limit(1)).first()
    return checkpoint_of(row) if row is not None else None


def list_checkpoints(session: Session, after: int = 0, limit: int = 1000) -> list[Checkpoint]:
    rows = session.scalars(select(AuditCheckpointRow).where(AuditCheckpointRow.id > after)
                           .order_by(AuditCheckpointRow.id).limit(limit))
    return [checkpoint_of(row) for row in rows]
