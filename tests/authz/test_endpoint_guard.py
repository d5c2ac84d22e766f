"""The service's own endpoints, guarded by Casbin from policies/endpoints.csv: who may do what,
and the separation of duties that deny lines keep whatever else is added."""

from __future__ import annotations

from pathlib import Path

import pytest

from pii_guard.authz.endpoints import EndpointGuard
from pii_guard.errors import ConfigurationError
from pii_guard.identity.bootstrap import load_roles

GUARD = EndpointGuard()


@pytest.mark.parametrize(("roles", "action", "allowed"), [
    ({"data_steward"}, "policies:propose", True),
    ({"data_steward"}, "policies:approve", True),
    ({"data_steward"}, "grants:approve", True),
    ({"data_steward"}, "grants:request", False),
    ({"data_steward"}, "audit:read", False),
    ({"auditor"}, "policies:read", True),
    ({"auditor"}, "policies:simulate", True),
    ({"auditor"}, "grants:read_all", True),
    ({"auditor"}, "policies:propose", False),
    ({"auditor"}, "policies:approve", False),
    ({"auditor"}, "grants:approve", False),
    ({"customer_service"}, "grants:request", True),
    ({"customer_service"}, "grants:approve", False),
    ({"customer_service"}, "policies:read", False),
    ({"customer_service"}, "policies:simulate", False),
    ({"admin"}, "policies:propose", False),
    ({"admin"}, "api_keys:manage", True),
    (set(), "principals:read", False),
    # deny overrides allow across a principal's roles
    ({"auditor", "data_steward"}, "policies:approve", False),
    ({"data_steward", "customer_service"}, "grants:request", False),
    ({"admin", "data_steward"}, "api_keys:manage", True),
])
def test_who_may_call_what(roles: set[str], action: str, allowed: bool) -> None:
    assert GUARD.roles_allow(frozenset(roles), action) is allowed


def test_a_later_allow_line_cannot_undo_separation_of_duties(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "policies" / "endpoints.csv"
    edited = tmp_path / "endpoints.csv"
    edited.write_text(source.read_text() + "p, auditor, policies:approve\n"
                      "p, data_steward, audit:*\n")
    guard = EndpointGuard(policy_path=edited)
    assert not guard.roles_allow(frozenset({"auditor"}), "policies:approve")
    assert not guard.roles_allow(frozenset({"data_steward"}), "audit:read")


@pytest.mark.parametrize(("line", "fragment"), [
    ("p, janitor, policies:read", "unknown role"),
    ("p, auditor, read everything", "not family:verb"),
    ("p, auditor, policies:read, maybe", "allow or deny"),
    ("g, auditor, admin", "expected"),
])
def test_a_broken_endpoint_policy_stops_start_up(tmp_path: Path, line: str,
                                                 fragment: str) -> None:
    broken = tmp_path / "endpoints.csv"
    broken.write_text(f"# comment\n{line}\n")
    with pytest.raises(ConfigurationError, match=fragment) as caught:
        EndpointGuard(policy_path=broken, roles=set(load_roles()))
    assert f"{broken}:2" in caught.value.message
