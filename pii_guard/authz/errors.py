"""Errors of graded authorisation, each a subclass of the shared tree (``pii_guard.errors``).

    PolicyInvalid        422  a rule, a change or an imported file breaks the vocabulary or an
                              invariant (unknown role, tier, purpose, treatment; C3 in clear)
    GrantInvalid         422  a grant request that cannot be granted (C3, duration, purpose)
    NotApprover          403  the caller may not decide this (own change or grant, wrong unit)
    NotPending           409  the change or grant was already decided
    ChangeConflict       409  the policy moved on: a rule to remove is gone or one to add exists
    PolicyUnavailable    503  no policy is loaded in this process; decisions fail closed
"""

from __future__ import annotations

from collections.abc import Sequence

from pii_guard.errors import Conflict, InvalidRequest, PermissionDenied, ServiceUnavailable


class PolicyInvalid(InvalidRequest):
    default_code = "invalid_policy"

    def __init__(self, problems: Sequence[str], code: str | None = None) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:10])
        more = f"; ... and {len(self.problems) - 10} more" if len(self.problems) > 10 else ""
        super().__init__(code, shown + more)


class GrantInvalid(InvalidRequest):
    default_code = "invalid_grant"


class NotApprover(PermissionDenied):
    default_code = "not_approver"


class NotPending(Conflict):
    default_code = "not_pending"


class ChangeConflict(Conflict):
    default_code = "change_conflict"


class PolicyUnavailable(ServiceUnavailable):
    default_code = "policy_unavailable"
