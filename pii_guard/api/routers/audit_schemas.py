"""Response models of the auditor's API (kept beside its router)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from pii_guard.audit.checkpoints import Checkpoint, CheckpointSigner
from pii_guard.audit.proofs import ConsistencyProof, InclusionProof
from pii_guard.audit.queries import DaySummary, SubjectReport
from pii_guard.audit.verify import VerificationReport


class EventOut(BaseModel):
    seq: int
    id: str
    occurred_at: dt.datetime
    sequenced_at: dt.datetime
    principal_id: str | None
    principal_name: str | None = Field(description="The principal's current display name.")
    roles: list[str]
    unit_code: str | None
    action: str
    purpose: str | None
    subject_ref: str | None
    fields: list[str]
    entities: list[str]
    tiers: list[str]
    treatments: list[str]
    decision: str
    reason: str
    request_id: str | None
    client_addr: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, row: dict[str, Any]) -> EventOut:
        return cls.model_validate({name: row.get(name) for name in cls.model_fields})


class EventPageOut(BaseModel):
    events: list[EventOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at "
                                    "the end.")


class PrincipalAccesses(BaseModel):
    principal_id: str | None
    principal_name: str | None
    allowed: int
    denied: int


class SubjectReportOut(BaseModel):
    subject_ref: str
    total_events: int
    by_decision: dict[str, int]
    principals: list[PrincipalAccesses]
    accesses: list[EventOut]
    next_cursor: str | None

    @classmethod
    def of(cls, report: SubjectReport) -> SubjectReportOut:
        return cls(subject_ref=report.subject_ref, total_events=report.total,
                   by_decision=report.by_decision,
                   principals=[PrincipalAccesses(**p) for p in report.principals],
                   accesses=[EventOut.of(row) for row in report.accesses],
                   next_cursor=report.next_cursor)


class DaySummaryOut(BaseModel):
    day: dt.date
    total: int
    by_decision: dict[str, int]
    by_purpose: dict[str, int]
    by_tier: dict[str, int] = Field(description="Events by the highest tier they involved.")

    @classmethod
    def of(cls, day: DaySummary) -> DaySummaryOut:
        return cls(day=day.day, total=day.total, by_decision=day.by_decision,
                   by_purpose=day.by_purpose, by_tier=day.by_tier)


class InclusionOut(BaseModel):
    seq: int
    tree_size: int
    leaf_hash: str = Field(description="Hex SHA-256(0x00 || canonical event bytes).")
    root_hash: str
    audit_path: list[str] = Field(description="Hex hashes, bottom first (RFC 9162 2.1.3).")
    event: dict[str, Any] = Field(description="The event's canonical document (the leaf "
                                  "hash covers its compact, key-sorted JSON).")

    @classmethod
    def of(cls, proof: InclusionProof) -> InclusionOut:
        return cls(seq=proof.seq, tree_size=proof.tree_size, leaf_hash=proof.leaf_hash.hex(),
                   root_hash=proof.root_hash.hex(),
                   audit_path=[h.hex() for h in proof.audit_path], event=proof.event)


class ConsistencyOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="Hex hashes (RFC 9162 2.1.4).")

    @classmethod
    def of(cls, proof: ConsistencyProof) -> ConsistencyOut:
        return cls(first=proof.first, second=proof.second, first_root=proof.first_root.hex(),
                   second_root=proof.second_root.hex(), proof=[h.hex() for h in proof.proof])


class ProblemOut(BaseModel):
    code: str
    seq: int | None
    message: str


class VerificationOut(BaseModel):
    ok: bool
    tree_size: int
    retained_from: int = Field(description="First seq still stored (older ones were pruned).")
    events_checked: int
    checkpoints_checked: int
    first_bad_seq: int | None
    problems: list[ProblemOut]
    seconds: float

    @classmethod
    def of(cls, report: VerificationReport) -> VerificationOut:
        return cls(ok=report.ok, tree_size=report.tree_size,
                   retained_from=report.retained_from, events_checked=report.events_checked,
                   checkpoints_checked=report.checkpoints_checked,
                   first_bad_seq=report.first_bad_seq,
                   problems=[ProblemOut(code=p.code, seq=p.seq, message=p.message)
                             for p in report.problems],
                   seconds=round(report.seconds, 3))


class CheckpointOut(BaseModel):
    """One checkpoint; saved as a JSON file it is what `pii-guard audit verify --checkpoint`
    accepts."""

    id: int | None
    origin: str
    tree_size: int
    root_hash: str = Field(description="Hex.")
    created_at: str = Field(description="UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ (signed as is).")
    key_id: str
    algorithm: str
    signature: str = Field(description="Base64 Ed25519 signature of the note body.")
    note: str = Field(description="The checkpoint as a C2SP signed note.")

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointOut:
        return cls.model_validate(checkpoint.to_json())


class SigningKeyOut(BaseModel):
    origin: str
    algorithm: str
    key_id: str
    public_key: str = Field(description="Base64 of the raw 32-byte Ed25519 public key.")
    verifier_key: str = Field(description="C2SP note verifier key: name+keyhash+base64.")

    @classmethod
    def of(cls, signer: CheckpointSigner) -> SigningKeyOut:
        raw = base64.b64encode(signer.public_key).decode()
        verifier = base64.b64encode(b"\x01" + signer.public_key).decode()
        return cls(origin=signer.origin, algorithm="Ed25519", key_id=signer.key_id,
                   public_key=raw, verifier_key=f"{signer.origin}+{signer.key_id}+{verifier}")
