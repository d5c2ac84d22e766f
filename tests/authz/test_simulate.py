"""Simulation field by field for the scenario's record, and the request models' validation."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pii_guard.api.routers.grants import GrantCreate
from pii_guard.api.routers.policies import RuleModel
from pii_guard.api.routers.simulate import SimulateRequest
from pii_guard.authz.errors import PolicyInvalid
from pii_guard.authz.simulate import ClassifiedField, simulate
from pii_guard.authz.vocabulary import load_taxonomy
from tests.authz.test_decider import ADMIN, CLAIMS, CRM, DEFAULT_RULES, MARKETING, caller, decider

TAXONOMY = load_taxonomy()
RECORD = [ClassifiedField("$.name", entity="PERSON"),
          ClassifiedField("$.id_no", entity="CN_RESIDENT_ID"),
          ClassifiedField("$.mobile", entity="CN_MOBILE"),
          ClassifiedField("$.bank_card", entity="BANK_CARD"),
          ClassifiedField("$.address", category="address"),
          ClassifiedField("$.card_pin", entity="AUTH_SECRET")]


@pytest.mark.parametrize(("who", "purpose", "allowed", "expected"), [
    (CRM, "customer_service", True, ["mask"] * 5 + ["redact"]),
    (CLAIMS, "claims_handling", True, ["clear"] * 5 + ["redact"]),
    (CLAIMS, "marketing", False, ["deny"] * 6),
    (MARKETING, "marketing", True, ["redact", "redact", "clear", "redact", "redact", "redact"]),
    (ADMIN, "customer_service", True, ["redact"] * 6),
    (caller("role:marketing", "marketing", unit_path=()), "marketing", True,
     ["redact", "redact", "clear", "redact", "redact", "redact"]),
])
def test_simulation_of_the_scenario_record(who: Any, purpose: str, allowed: bool,
                                           expected: list[str]) -> None:
    got_allowed, outcomes = simulate(decider(DEFAULT_RULES), TAXONOMY, who, purpose, RECORD,
                                     "C0001")
    assert got_allowed is allowed
    assert [o.decision.treatment.value for o in outcomes] == expected


def test_unknown_entities_and_categories_are_named() -> None:
    fields = [ClassifiedField("$.a", entity="MOON_PHASE"), ClassifiedField("$.b", category="x")]
    with pytest.raises(PolicyInvalid, match=r"\$\.a: unknown entity .*\$\.b: unknown category"):
        simulate(decider(DEFAULT_RULES), TAXONOMY, CRM, "customer_service", fields, None)


@pytest.mark.parametrize("body", [
    {"purpose": "marketing", "fields": [{"field": "$.a", "category": "contact"}]},
    {"role": "r", "principal_id": "p", "purpose": "marketing",
     "fields": [{"field": "$.a", "category": "contact"}]},
    {"role": "r", "purpose": "marketing"},
    {"role": "r", "purpose": "marketing", "fields": [{"field": "$.a"}]},
])
def test_malformed_simulations_are_rejected(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SimulateRequest.model_validate(body)


GRANT = {"subject_ids": ["C0001"], "purpose": "customer_service", "tier": "C2",
         "treatment": "clear", "duration_minutes": 60, "justification": "call"}


@pytest.mark.parametrize("body", [
    {**GRANT, "treatment": "peek"},
    {**GRANT, "category": "contact"},
    {k: v for k, v in GRANT.items() if k != "tier"},
    {**GRANT, "subject_ids": []},
    {**GRANT, "duration_minutes": 0},
    {**GRANT, "justification": ""},
])
def test_malformed_grant_requests_are_rejected(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        GrantCreate.model_validate(body)


RULE = {"role": "customer_service", "scope": "contact", "treatment": "clear", "priority": 100}


@pytest.mark.parametrize("body", [{**RULE, "treatment": "peek"}, {**RULE, "priority": -1},
                                  {**RULE, "role": ""}, {k: v for k, v in RULE.items()
                                                         if k != "scope"}])
def test_malformed_rules_are_rejected(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RuleModel.model_validate(body)


def test_a_rule_defaults_to_every_unit_and_purpose() -> None:
    rule = RuleModel.model_validate(RULE).rule()
    assert (rule.unit, rule.purpose) == ("*", "*")
