"""The decider: the one object the classify-and-mask path asks what a caller may see.

It holds the current ``PolicySnapshot`` and ``GrantIndex`` and swaps in new ones when the
policy or the grants change (after a commit in this process, or on a notification from
another worker). Readers take the current reference once per call and never lock: a reload
builds the new snapshot completely before the single assignment that publishes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping

import structlog

from pii_guard.authz.decision import Decision, Reason
from pii_guard.authz.errors import PolicyUnavailable
from pii_guard.authz.grant_index import ActiveGrant, GrantIndex
from pii_guard.authz.index import PolicySnapshot
from pii_guard.authz.rules import Rule
from pii_guard.identity.caller import Caller

log = structlog.get_logger(__name__)

PolicyLoader = Callable[[int | None], tuple[int, list[Rule]] | None]
GrantLoader = Callable[[], list[ActiveGrant]]
PurposeRegistry = Callable[[], Collection[str]]


class Decider:
    """``decide`` and ``purpose_allowed`` for every finding of every call.

    Fails closed: until a policy is loaded every decision raises ``PolicyUnavailable``.
    """

    def __init__(self, category_tiers: Mapping[str, str], load_policy: PolicyLoader,
                 load_grants: GrantLoader, purposes: PurposeRegistry,
                 clock: Callable[[], float] = time.time) -> None:
        self.category_tiers = dict(category_tiers)
        self._load_policy = load_policy
        self.grants_loader = load_grants
        self.purposes = purposes
        self._clock = clock
        self._snapshot: PolicySnapshot | None = None
        self._grants = GrantIndex()
        self._reload_lock = threading.Lock()

    # -- answers -------------------------------------------------------------------------

    @property
    def snapshot(self) -> PolicySnapshot:
        snapshot = self._snapshot
        if snapshot is None:
            raise PolicyUnavailable(message="no access policy is loaded")
        return snapshot

    @property
    def version(self) -> int | None:
        snapshot = self._snapshot
        return None if snapshot is None else snapshot.version

    def decide(self, caller: Caller, purpose: str, *, tier: str, category: str,
               subject_id: str | None) -> Decision:
        """The treatment of one finding of ``tier``/``category`` about ``subject_id``."""
        snapshot = self.snapshot
        decision = snapshot.decide(caller.roles, caller.unit_path, tier, category, purpose)
        if subject_id is None or not len(self._grants):
            return decision
        grant = self._grants.best(caller.principal_id, subject_id, purpose, tier, category,
                                  self._clock())
        if grant is None or not grant.treatment.reveals_more_than(decision.treatment):
            return decision
        raised = Decision(grant.treatment, Reason.GRANT, f"grant:{grant.id}")
        return snapshot.enforce_c3(raised, tier, category)

    def purpose_allowed(self, caller: Caller, purpose: str) -> bool:
        """False when the caller may not process data for ``purpose`` at all (refuse: 403)."""
        if purpose not in self.purposes():
            return False
        return self.snapshot.purpose_allowed(caller.roles, caller.unit_path, purpose)

    # -- reloading -----------------------------------------------------------------------

    def reload_policy(self) -> bool:
        """Load the stored policy and swap it in if it is newer; True when swapped."""
        with self._reload_lock:
            loaded = self._load_policy(self.version)
            if loaded is None:
                return False
            version, rules = loaded
            self._snapshot = PolicySnapshot(rules, version, self.category_tiers)
        log.info("policy_loaded", version=version, rules=len(rules))
        return True

    def reload_grants(self) -> None:
        with self._reload_lock:
            self._grants = GrantIndex(self.grants_loader())

    def reload(self) -> None:
        self.reload_policy()
        self.reload_grants()

    def check_ready(self) -> None:
        """Readiness: a policy is loaded."""
        _ = self.snapshot
