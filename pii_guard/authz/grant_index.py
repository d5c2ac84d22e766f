"""Approved, unexpired grants indexed by (principal, subject), so a decision about a subject
without grants costs one dictionary miss, however many grants exist.

Expiry needs no job: every lookup compares the grant's end with the clock, so a grant stops
applying the instant it expires (the status in the database follows later, see
``grants.expire_due``). Revocation and approval rebuild the index and swap it in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pii_guard.authz.treatments import Treatment


@dataclass(frozen=True, slots=True)
class ActiveGrant:
    id: str
    principal_id: str
    subject_ids: frozenset[str]
    purpose: str
    scope: str  # a tier or a category
    treatment: Treatment
    expires_at: float  # POSIX seconds


class GrantIndex:
    def __init__(self, grants: Iterable[ActiveGrant] = ()) -> None:
        by_key: dict[tuple[str, str], list[ActiveGrant]] = {}
        count = 0
        for grant in grants:
            count += 1
            for subject in grant.subject_ids:
                by_key.setdefault((grant.principal_id, subject), []).append(grant)
        self._by_key = {key: tuple(sorted(found, key=lambda g: (g.treatment.rank, g.id)))
                        for key, found in by_key.items()}
        self.count = count

    def __len__(self) -> int:
        return self.count

    def best(self, principal_id: str, subject_id: str, purpose: str, tier: str, category: str,
             now: float) -> ActiveGrant | None:
        """The most revealing live grant for this request, or None."""
        found = self._by_key.get((principal_id, subject_id))
        if found is None:
            return None
        for grant in found:  # most revealing first
            if (grant.expires_at > now and grant.purpose == purpose
                    and (grant.scope == tier or grant.scope == category)):
                return grant
        return None
