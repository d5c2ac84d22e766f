"""The treatments a decision can give a finding, ordered from most to least revealing.

The order is what "raise" (a grant) and "restrict" (ties between rules of equal priority)
mean, so it is defined once here:

    clear < mask < generalise < token < hash < redact < deny

``mask`` and ``generalise`` show part of a value; ``token`` and ``hash`` show nothing readable
but stay joinable; ``redact`` keeps a placeholder; ``deny`` releases nothing of the field.

C3 (authentication secrets: PINs, passwords, CVV) may only ever be redacted or denied: any
partial, reversible or joinable form of a short secret gives it away (a keyed hash of a
six-digit PIN is one million guesses away). The invariant is enforced by every decision, by
validation of every policy rule and grant, and by the default policy.
"""

from __future__ import annotations

from enum import StrEnum


class Treatment(StrEnum):
    CLEAR = "clear"
    MASK = "mask"
    GENERALISE = "generalise"
    TOKEN = "token"  # noqa: S105 - a treatment name, not a secret
    HASH = "hash"
    REDACT = "redact"
    DENY = "deny"

    @property
    def rank(self) -> int:
        """0 for ``clear`` up to 6 for ``deny``: higher is more restrictive."""
        return _RANK[self]

    def reveals_more_than(self, other: Treatment) -> bool:
        return self.rank < other.rank


_RANK = {treatment: rank for rank, treatment in enumerate(Treatment)}

C3_TIER = "C3"
C3_ALLOWED = frozenset({Treatment.REDACT, Treatment.DENY})
"""The only treatments C3 data may receive, from any rule or grant, for anyone."""

C3_FALLBACK = Treatment.REDACT
