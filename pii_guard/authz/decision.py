"""What the decider answers for one finding: a treatment, why, and which rule or grant."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pii_guard.authz.treatments import Treatment


class Reason(StrEnum):
    """Stable codes for the audit event and the response's findings."""

    POLICY = "policy"  # a policy rule decided; ``rule`` is its line
    GRANT = "grant"  # a live grant raised the policy's answer; ``rule`` is "grant:<id>"
    DEFAULT_DENY = "default_deny"  # no rule matched
    C3_NEVER_CLEAR = "c3_never_clear"  # the C3 invariant overrode a rule or grant


@dataclass(frozen=True, slots=True)
class Decision:
    treatment: Treatment
    reason: Reason
    rule: str | None = None


DEFAULT_DENY = Decision(Treatment.DENY, Reason.DEFAULT_DENY, None)
