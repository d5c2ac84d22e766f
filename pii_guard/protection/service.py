"""``Protector``: detect -> classify -> decide (policy, grants, consent) -> treat -> event.

The protector builds the answer and its audit event but does not record the event: the API
records it durably and only then releases the answer, so no data leaves unaudited. Refusals
raise ``PurposeRefused`` / ``ConsentRefused``; the caller records those as ``denied`` events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pii_guard.audit.events import AuditEvent
from pii_guard.authz.decider import Decider
from pii_guard.authz.treatments import Treatment
from pii_guard.classification.taxonomy import Classification, Taxonomy
from pii_guard.consent import ConsentCheck, ConsentService
from pii_guard.detection.engine import Detector
from pii_guard.detection.findings import Finding
from pii_guard.detection.records import scalar_text
from pii_guard.identity.caller import Caller
from pii_guard.masking import Treatments
from pii_guard.protection.detokenize import TokenRequest, detokenize
from pii_guard.protection.errors import ConsentRefused, PurposeRefused
from pii_guard.protection.records import copy_leaves, leaf_value

MAX_EVENT_FINDINGS = 60
"""Findings listed one by one in the event's details; the rest are counted (8 KB limit)."""


@dataclass(frozen=True, slots=True)
class ProtectedFinding:
    """One finding as the caller receives it: offsets are in the *returned* text or field
    value; a denied field (value withheld, null) has no offsets."""

    entity: str
    category: str
    tier: str
    treatment: str
    reason: str
    field: str | None
    start: int | None
    end: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "category": self.category, "tier": self.tier,
                "treatment": self.treatment, "reason": self.reason, "field": self.field,
                "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Protected:
    text: str | None
    record: dict[str, Any] | None
    findings: list[ProtectedFinding]
    event: AuditEvent


@dataclass(frozen=True, slots=True)
class _Ruled:
    finding: Finding
    grade: Classification
    treatment: Treatment
    reason: str


@dataclass(frozen=True, slots=True)
class CallContext:
    """Who asks, for what, about whom: the parts of a call that every finding shares."""

    caller: Caller
    purpose: str
    subject_id: str | None
    request_id: str | None = None
    client_addr: str | None = None


class Protector:
    def __init__(self, detector: Detector, taxonomy: Taxonomy, decider: Decider,
                 consent: ConsentService, treatments: Treatments) -> None:
        self.detector = detector
        self.taxonomy = taxonomy
        self.decider = decider
        self.consent = consent
        self.treatments = treatments

    # -- the two inputs ------------------------------------------------------------------

    def protect_text(self, call: CallContext, text: str) -> Protected:
        check = self.admit(call)
        ruled = self._rule(call, check, self.detector.scan_text(text))
        treated, findings = self._treat_value(text, ruled, call.subject_id, field=None)
        event = self._event(call, findings, {"input": "text", "chars": len(text)})
        return Protected(treated, None, findings, event)

    def protect_record(self, call: CallContext, record: Mapping[str, Any]) -> Protected:
        check = self.admit(call)
        ruled = self._rule(call, check, self.detector.scan_record(record))
        copy, leaves = copy_leaves(record)
        by_field: dict[str, list[_Ruled]] = {}
        for item in ruled:
            by_field.setdefault(item.finding.field or "$", []).append(item)
        findings: list[ProtectedFinding] = []
        for path, items in by_field.items():
            leaf = leaves[path]
            original = leaf_value(leaf)
            text = scalar_text(original) or ""
            if any(item.treatment is Treatment.DENY for item in items):
                leaf.container[leaf.key] = None
                findings.extend(_public(item, path, None, None) for item in items)
                continue
            treated, field_findings = self._treat_value(text, items, call.subject_id, path)
            findings.extend(field_findings)
            if treated != text:
                leaf.container[leaf.key] = treated
        event = self._event(call, findings, {"input": "record", "fields": len(leaves)})
        return Protected(None, copy, findings, event)

    def detokenize(self, call: CallContext,
                   tokens: Sequence[TokenRequest]) -> tuple[list[str], AuditEvent]:
        return detokenize(self, call, tokens)

    # -- steps ---------------------------------------------------------------------------

    def admit(self, call: CallContext) -> ConsentCheck:
        """Read the purpose and the subject's consent (one read; an unknown purpose is
        ``unknown_purpose``), then refuse a purpose the caller may not use at all."""
        check = self.consent.check_for(call.subject_id, call.purpose)
        if not self.decider.purpose_allowed(call.caller, call.purpose):
            raise PurposeRefused(message=f"not allowed to process personal data for "
                                         f"{call.purpose!r}")
        return check

    def _rule(self, call: CallContext, check: ConsentCheck,
              findings: Sequence[Finding]) -> list[_Ruled]:
        """Each finding's treatment: the policy (raised by a live grant), then lowered to
        ``redact`` where the purpose or the subject's consent does not cover the category."""
        ruled: list[_Ruled] = []
        cache: dict[str, tuple[Classification, Treatment, str]] = {}
        for finding in findings:
            known = cache.get(finding.entity)
            if known is None:
                known = self._ruling(call, check, finding.entity)
                cache[finding.entity] = known
            grade, treatment, reason = known
            ruled.append(_Ruled(finding, grade, treatment, reason))
        return ruled

    def _ruling(self, call: CallContext, check: ConsentCheck,
                entity: str) -> tuple[Classification, Treatment, str]:
        grade = self.taxonomy.classify(entity)
        decision = self.decider.decide(call.caller, call.purpose, tier=grade.tier,
                                       category=grade.category, subject_id=call.subject_id)
        treatment, reason = decision.treatment, decision.reason.value
        if treatment is Treatment.DENY or treatment is Treatment.REDACT:
            return grade, treatment, reason
        ruling = check.permits(grade.category, sensitive=grade.sensitive)
        if ruling.allowed:
            return grade, treatment, reason
        if ruling.refuse:
            raise ConsentRefused(message=f"purpose {call.purpose!r} needs the subject's "
                                         f"consent ({ruling.reason})")
        return grade, Treatment.REDACT, ruling.reason

    def _treat_value(self, text: str, ruled: Sequence[_Ruled], subject_id: str | None,
                     field: str | None) -> tuple[str, list[ProtectedFinding]]:
        spans = _disjoint(ruled)
        shown = [(item.finding, _shown_as(item.treatment)) for item in spans]
        result = self.treatments.apply_to_text(text, shown, subject_id=subject_id)
        findings = [_public(item, field, start, end)
                    for item, (start, end) in zip(spans, result.offsets, strict=True)]
        return result.text, findings

    def _event(self, call: CallContext, findings: Sequence[ProtectedFinding],
               size: Mapping[str, Any]) -> AuditEvent:
        listed = [_event_finding(f) for f in findings[:MAX_EVENT_FINDINGS]]
        details: dict[str, Any] = {**size, "findings": listed,
                                   "policy_version": self.decider.version}
        if len(findings) > MAX_EVENT_FINDINGS:
            details["findings_not_listed"] = len(findings) - MAX_EVENT_FINDINGS
        return AuditEvent.by(
            call.caller, "protect", "allowed", "protected", purpose=call.purpose,
            subject_ref=call.subject_id,
            fields=tuple(sorted({f.field for f in findings if f.field})),
            entities=tuple(sorted({f.entity for f in findings})),
            tiers=tuple(sorted({f.tier for f in findings})),
            treatments=tuple(sorted({f.treatment for f in findings})),
            request_id=call.request_id, client_addr=call.client_addr, details=details)


def _shown_as(treatment: Treatment) -> Treatment:
    """In a text nothing can be dropped without hiding where it was: ``deny`` shows as a
    typed placeholder, like ``redact``."""
    return Treatment.REDACT if treatment is Treatment.DENY else treatment


def _disjoint(ruled: Sequence[_Ruled]) -> list[_Ruled]:
    """Overlapping findings merged into one span that takes the most restrictive treatment,
    so an overlap can never reveal what one of its findings hides."""
    ordered = sorted(ruled, key=lambda r: (r.finding.start, -r.finding.end))
    merged: list[_Ruled] = []
    for item in ordered:
        if merged and item.finding.start < merged[-1].finding.end:
            last = merged[-1]
            end = max(last.finding.end, item.finding.end)
            keep = item if item.treatment.rank > last.treatment.rank else last
            merged[-1] = replace(keep, finding=replace(keep.finding, start=last.finding.start,
                                                       end=end))
        else:
            merged.append(item)
    return merged


def _public(item: _Ruled, field: str | None, start: int | None,
            end: int | None) -> ProtectedFinding:
    return ProtectedFinding(item.finding.entity, item.grade.category, item.grade.tier,
                            item.treatment.value, item.reason, field, start, end)


def _event_finding(finding: ProtectedFinding) -> dict[str, Any]:
    where: dict[str, Any] = ({"field": finding.field} if finding.field
                             else {"start": finding.start, "end": finding.end})
    return {**where, "entity": finding.entity, "tier": finding.tier,
            "treatment": finding.treatment, "reason": finding.reason}


__all__ = ["CallContext", "Protected", "ProtectedFinding", "Protector"]
