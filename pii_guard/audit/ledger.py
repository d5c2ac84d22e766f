"""The sequenced log in storage: its head, appending a batch, and checkpoints.

``append`` is the only code that writes ``audit_events``; the sequencer calls it with rows it
took from the inbox, the benchmark with generated rows (the bulk path). It runs inside one
transaction that holds the head row, so sequence numbers are contiguous and unique even if two
sequencers ever ran at once: the second waits for the first and continues after it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.bulk import insert_rows
from pii_guard.audit.canonical import EVENT_KEYS, JSON_KEYS, assemble, text_values
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


def take_inbox(session: Session, limit: int) -> list[dict[str, Any]]:
    """Remove up to ``limit`` committed inbox rows and return them in sequencing order."""
    inbox = cast(Table, AuditInboxRow.__table__)
    oldest = select(inbox.c.id).order_by(inbox.c.occurred_at, inbox.c.id).limit(limit)
    rows = session.execute(delete(inbox).where(inbox.c.id.in_(oldest.scalar_subquery()))
                           .returning(*inbox.c))
    taken = [dict(row._mapping) for row in rows]
    taken.sort(key=lambda row: (row["occurred_at"], row["id"]))
    return taken


def append(session: Session, head: AuditLogHead, rows: Sequence[Mapping[str, Any]],
           sequenced_at: dt.datetime) -> int:
    """Give ``rows`` the next sequence numbers, store them and their leaves; returns count."""
    if not rows:
        return 0
    # sequenced_at never decreases with seq (months of the log are prefixes) and is never
    # before an event's occurred_at (so a time filter on occurred_at can prune partitions).
    sequenced_at = max(sequenced_at, *(row["occurred_at"] for row in rows))
    if head.last_sequenced_at is not None and sequenced_at < head.last_sequenced_at:
        sequenced_at = head.last_sequenced_at
    tree = TileAppender.load(session, head.tree_size)
    events, texts = [], []
    for row in rows:
        event = dict(row, seq=tree.size, sequenced_at=sequenced_at)
        values = text_values(event)
        tree.append(hash_leaf(assemble(values)))
        events.append(event)
        texts.append({key: value for key, value in zip(EVENT_KEYS, values, strict=True)
                      if key in JSON_KEYS})
    insert_rows(session, cast(Table, AuditEventRow.__table__), events, texts)
    save_tiles(session, tree.touched)
    _count(session, events)
    head.tree_size = tree.size
    head.root_hash = tree.root()
    head.last_sequenced_at = sequenced_at
    head.updated_at = utcnow()
    return len(events)


def highest_tier(tiers: Sequence[str]) -> str:
    """The most sensitive tier: JR/T 0171 tiers are named C1 < C2 < C3, so the greatest name."""
    return max(tiers) if tiers else ""


def _count(session: Session, events: Sequence[Mapping[str, Any]]) -> None:
    counts: Counter[tuple[dt.datetime, str, str, str]] = Counter()
    for event in events:
        hour = event["occurred_at"].astimezone(dt.UTC).replace(minute=0, second=0,
                                                                microsecond=0)
        counts[(hour, event["purpose"] or "", highest_tier(event["tiers"]),
                event["decision"])] += 1
    values = [{"hour": hour, "purpose": purpose, "tier": tier, "decision": decision,
               "events": n} for (hour, purpose, tier, decision), n in sorted(counts.items())]
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
