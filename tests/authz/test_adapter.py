"""Casbin's own view of our tables (the read-only ``DatabaseAdapter``: rules from
``casbin_rule``, principals' roles as ``g``, the unit tree as ``g2``) gives the decider's
answers for the demo organisation."""

from __future__ import annotations

import pytest

from pii_guard.authz.casbin_model import DatabaseAdapter, plain_enforcer, principal_subject
from pii_guard.authz.treatments import Treatment
from pii_guard.identity.units import load_caller
from pii_guard.services import Services
from pii_guard.store.engine import transaction

PRINCIPALS = ["crm-service", "claims-service", "marketing-service", "steward-a", "admin"]


def test_the_plain_enforcer_over_our_tables_agrees_with_the_decider(
        services: Services, demo_keys: dict[str, str]) -> None:
    enforcer = plain_enforcer(DatabaseAdapter(services.session_factory))
    tiers = services.authz.taxonomy.category_tiers
    compared = 0
    for principal in PRINCIPALS:
        with transaction(services.session_factory) as session:
            caller = load_caller(session, principal)
        for purpose in ("customer_service", "claims_handling", "marketing"):
            for category, tier in tiers.items():
                matched, explain = enforcer.enforce_ex(principal_subject(principal),
                                                       caller.unit_code, tier, category,
                                                       purpose)
                expected = Treatment(explain[4]) if matched else Treatment.DENY
                got = services.decider.decide(caller, purpose, tier=tier, category=category,
                                              subject_id=None)
                assert got.treatment is expected, (principal, purpose, category)
                compared += 1
    assert compared == len(PRINCIPALS) * 3 * len(tiers)


def test_the_adapter_never_writes() -> None:
    with pytest.raises(NotImplementedError, match="maker-checker"):
        DatabaseAdapter.save_policy(DatabaseAdapter.__new__(DatabaseAdapter), None)
