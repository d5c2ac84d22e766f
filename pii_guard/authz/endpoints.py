"""The guard of pii-guard's own endpoints, decided by Casbin from ``policies/endpoints.csv``.

The same engine as customer-data decisions: PyCasbin with a principal acting through its
roles (``g``), rules validated against the role registry at start-up. Deny overrides allow,
which is how separation of duties is written down (auditors approve nothing, stewards read
no audit contents) so that no later allow line can undo it.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import casbin

from pii_guard.errors import ConfigurationError, PermissionDenied
from pii_guard.identity.bootstrap import load_roles
from pii_guard.identity.caller import Caller
from pii_guard.resources import policies_dir

ACTION = re.compile(r"^[a-z][a-z0-9_.-]*:[a-z0-9_.*-]+$")
EFFECTS = ("allow", "deny")


def read_endpoint_rules(path: Path, roles: set[str]) -> list[list[str]]:
    """``[role, action, effect]`` per line; a bad line stops start-up naming file and line."""
    rules: list[list[str]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigurationError("invalid_endpoint_policy", f"{path}: {exc}") from None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        values = [v.strip() for v in line.split(",")]
        problem = None
        if values[0] != "p" or len(values) not in (3, 4):
            problem = "expected: p, role, action[, allow|deny]"
        elif values[1] not in roles:
            problem = f"unknown role {values[1]!r}"
        elif not ACTION.match(values[2]):
            problem = f"action {values[2]!r} is not family:verb"
        elif len(values) == 4 and values[3] not in EFFECTS:
            problem = f"effect must be allow or deny, got {values[3]!r}"
        if problem:
            raise ConfigurationError("invalid_endpoint_policy", f"{path}:{number}: {problem}")
        rules.append([values[1], values[2], values[3] if len(values) == 4 else "allow"])
    return rules


class EndpointGuard:
    """Answers whether a caller, through its roles, may perform a service action."""

    def __init__(self, model_path: Path | None = None, policy_path: Path | None = None,
                 roles: set[str] | None = None) -> None:
        base = policies_dir()
        model = model_path or base / "endpoint_model.conf"
        policy = policy_path or base / "endpoints.csv"
        rules = read_endpoint_rules(policy, roles if roles is not None else set(load_roles()))
        try:
            self._enforcer = casbin.Enforcer(str(model))
            self._enforcer.add_policies(rules)
        except Exception as exc:  # casbin raises bare exceptions on malformed files
            raise ConfigurationError(
                "invalid_endpoint_policy", f"{model}: cannot load endpoint model: {exc}"
            ) from exc
        self._memo: dict[tuple[frozenset[str], str], bool] = {}
        self._lock = threading.Lock()

    def allows(self, caller: Caller, action: str) -> bool:
        return self.roles_allow(caller.roles, action)

    def roles_allow(self, roles: frozenset[str], action: str) -> bool:
        key = (roles, action)
        allowed = self._memo.get(key)
        if allowed is None:
            subject = "roles:" + ",".join(sorted(roles))
            with self._lock:
                for role in roles:
                    if not self._enforcer.has_grouping_policy(subject, role):
                        self._enforcer.add_grouping_policy(subject, role)
                allowed = bool(self._enforcer.enforce(subject, action))
            self._memo[key] = allowed
        return allowed

    def check(self, caller: Caller, action: str) -> None:
        if not self.allows(caller, action):
            raise PermissionDenied("forbidden", f"this principal may not perform {action}")
