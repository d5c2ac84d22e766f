"""Inclusion and consistency proofs served to auditors and outside verifiers (RFC 9162)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pii_guard.audit.canonical import canonical_bytes, event_document
from pii_guard.audit.errors import AuditPruned, TreeCorrupt
from pii_guard.audit.ledger import latest_checkpoint, read_head
from pii_guard.audit.merkle import hash_leaf
from pii_guard.audit.tiles import TreeReader
from pii_guard.errors import InvalidRequest, NotFound
from pii_guard.store.models.audit import AuditEventRow

EVENT_COLUMNS = list(AuditEventRow.__table__.columns)


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    audit_path: list[bytes]
    event: dict[str, Any]


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    proof: list[bytes]


def _event(session: Session, seq: int | None, event_id: str | None) -> dict[str, Any]:
    statement = select(*EVENT_COLUMNS)
    if seq is not None:
        statement = statement.where(AuditEventRow.seq == seq)
    if event_id is not None:
        statement = statement.where(AuditEventRow.id == event_id)
    rows = session.execute(statement.limit(2)).all()
    if not rows:
        if seq is not None and seq < read_head(session).pruned_before:
            raise AuditPruned(message=f"event seq {seq} was removed by retention")
        raise NotFound("event_not_sequenced",
                       "no sequenced event with that seq or id (events are sequenced shortly "
                       "after they are recorded)")
    if len(rows) > 1:
        raise TreeCorrupt("duplicate_event", "more than one stored event matches; run verify")
    return dict(rows[0]._mapping)


def inclusion(session: Session, *, seq: int | None = None, event_id: str | None = None,
              tree_size: int | None = None) -> InclusionProof:
    """Proof that an event is leaf ``seq`` of the tree of ``tree_size`` (default: the latest
    checkpoint that contains it, else the current tree)."""
    if (seq is None) == (event_id is None):
        raise InvalidRequest("invalid_request", "give exactly one of seq and event_id")
    row = _event(session, seq, event_id)
    index = row["seq"]
    head = read_head(session)
    if tree_size is None:
        checkpoint = latest_checkpoint(session)
        fits = checkpoint is not None and checkpoint.tree_size > index
        tree_size = checkpoint.tree_size if checkpoint and fits else head.tree_size
    if not index < tree_size <= head.tree_size:
        raise InvalidRequest("invalid_tree_size",
                             f"tree_size must be above {index} and at most {head.tree_size}")
    reader = TreeReader(session)
    leaf = hash_leaf(canonical_bytes(row))
    return InclusionProof(index, tree_size, leaf, reader.root(tree_size),
                          reader.inclusion(index, tree_size), event_document(row))


def consistency(session: Session, first: int, second: int) -> ConsistencyProof:
    """Proof that the tree of ``second`` leaves extends the tree of ``first`` leaves."""
    size = read_head(session).tree_size
    if not 0 < first <= second <= size:
        raise InvalidRequest("invalid_tree_size",
                             f"need 0 < first <= second <= {size} (the current tree size)")
    reader = TreeReader(session)
    return ConsistencyProof(first, second, reader.root(first), reader.root(second),
                            reader.consistency(first, second))
