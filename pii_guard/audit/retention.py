"""Retention of the audit log itself: remove whole months older than the retention period.

Only a prefix of the log can go (``sequenced_at`` grows with ``seq``, so old months are a
prefix), and only once a signed checkpoint covers it: the prune makes one if needed and
returns it for anchoring outside the database. The tree hashes of the removed prefix stay
(upper tiles and the boundary tile), so the remaining events still verify against every
checkpoint, and the head records where the retained log starts. The prune is itself an event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit import ledger, partitions
from pii_guard.audit.checkpoints import Checkpoint, CheckpointSigner
from pii_guard.audit.events import AuditEvent
from pii_guard.audit.log import AuditLog
from pii_guard.audit.tiles import HEIGHT
from pii_guard.store.models.audit import AuditEventRow, AuditTile


@dataclass(frozen=True)
class PruneResult:
    cutoff: dt.datetime
    pruned_before: int
    removed_events: int
    dropped_partitions: list[str]
    checkpoint: Checkpoint | None


def cutoff_for(now: dt.datetime, years: int) -> dt.datetime:
    """Start of the oldest month that must be kept."""
    return partitions.add_months(partitions.month_start(now), -12 * years)


def prune(engine: Engine, factory: sessionmaker[Session], signer: CheckpointSigner,
          audit: AuditLog, *, years: int, now: dt.datetime, dry_run: bool = False) -> PruneResult:
    cutoff = cutoff_for(now, years)
    e = AuditEventRow
    with factory() as session:
        last_old = session.scalar(select(func.max(e.seq)).where(e.sequenced_at < cutoff))
        start = ledger.read_head(session).pruned_before
    if last_old is None or last_old + 1 <= start:
        return PruneResult(cutoff, start, 0, [], None)
    boundary = last_old + 1
    with engine.connect() as connection:
        doomed = [p for p in partitions.list_partitions(connection) if p.end <= cutoff]
    if dry_run:
        return PruneResult(cutoff, boundary, boundary - start, [p.name for p in doomed], None)
    with factory() as session, session.begin():
        checkpoint = ledger.latest_checkpoint(session)
        if checkpoint is None or checkpoint.tree_size < boundary:
            checkpoint = ledger.make_checkpoint(session, signer, now)
    with factory() as session, session.begin():
        head = ledger.lock_head(session)
        head.pruned_before = boundary
        session.execute(delete(AuditTile).where(AuditTile.level == 0,
                                                AuditTile.idx < boundary >> HEIGHT))
        if doomed:
            connection = session.connection()
            for partition in doomed:
                partitions.drop_partition(connection, partition)
        session.execute(delete(AuditEventRow).where(AuditEventRow.seq < boundary))
        audit.record(session, AuditEvent(
            action="audit.prune", decision="allowed", reason="retention_expired",
            details={"pruned_before": boundary, "cutoff": cutoff.isoformat(),
                     "checkpoint_id": checkpoint.id, "retention_years": years}))
    return PruneResult(cutoff, boundary, boundary - start, [p.name for p in doomed], checkpoint)
