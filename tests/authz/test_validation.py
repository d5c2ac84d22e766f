"""What a rule, a policy file and a grant request may say: the vocabulary and the invariants
(no C3 in any revealing form, custodians see no customer data), checked without storage."""

from __future__ import annotations

from typing import Any

import pytest

from pii_guard.authz import grants
from pii_guard.authz.errors import PolicyInvalid
from pii_guard.authz.rules import Rule, RuleSyntaxError, parse_lines, to_csv
from pii_guard.authz.store import default_policy_path, parse_text
from pii_guard.authz.treatments import Treatment
from pii_guard.authz.vocabulary import Vocabulary, load_taxonomy

VOCABULARY = Vocabulary(
    roles=frozenset({"customer_service", "claims_adjuster", "marketing", "data_steward",
                     "auditor", "admin"}),
    units=frozenset({"head-office", "shanghai-branch"}),
    category_tiers=load_taxonomy().category_tiers,
    purposes=frozenset({"customer_service", "claims_handling", "marketing"}))
GOOD = Rule("customer_service", "*", "contact", "customer_service", Treatment.CLEAR, 100)


def with_(**changes: Any) -> Rule:
    values = {**GOOD.as_dict(), **changes}
    return Rule(str(values["role"]), str(values["unit"]), str(values["scope"]),
                str(values["purpose"]), Treatment(values["treatment"]), int(values["priority"]))


@pytest.mark.parametrize("rule", [
    GOOD, with_(unit="shanghai-branch"), with_(scope="C1"), with_(purpose="*"),
    with_(scope="C3", treatment="redact"), with_(scope="authentication_secret",
                                                 treatment="deny"),
    with_(role="data_steward", treatment="deny"), with_(role="auditor", treatment="redact"),
    with_(role="admin", scope="C2", treatment="mask"),
])
def test_valid_rules_pass(rule: Rule) -> None:
    assert VOCABULARY.problems(rule) == []


@pytest.mark.parametrize(("rule", "fragment"), [
    (with_(role="janitor"), "unknown role"),
    (with_(unit="atlantis-branch"), "unknown organisation unit"),
    (with_(scope="C4"), "unknown tier or category"),
    (with_(scope="horoscope"), "unknown tier or category"),
    (with_(purpose="astrology"), "unknown purpose"),
    (with_(priority=100_001), "priority"),
    (with_(scope="C3", treatment="clear"), "C3"),
    (with_(scope="C3", treatment="token"), "C3"),
    (with_(scope="C3", treatment="hash"), "C3"),
    (with_(scope="C3", treatment="mask"), "C3"),
    (with_(scope="authentication_secret", treatment="generalise"), "C3"),
    (with_(role="data_steward", treatment="mask"), "no customer data"),
    (with_(role="auditor", treatment="clear"), "no customer data"),
])
def test_invalid_rules_are_named_with_their_problem(rule: Rule, fragment: str) -> None:
    problems = VOCABULARY.problems(rule)
    assert len(problems) == 1
    assert fragment in problems[0]


def test_two_rules_for_the_same_key_are_rejected() -> None:
    with pytest.raises(PolicyInvalid, match="same role, unit, scope and purpose"):
        VOCABULARY.check([GOOD, with_(treatment="mask")])


def test_the_default_policy_is_valid_and_round_trips_through_csv() -> None:
    rules = parse_text(default_policy_path().read_text(), "access.csv", VOCABULARY)
    again = [rule for _, rule in parse_lines(to_csv(rules), "export")]
    assert sorted(again, key=Rule.sort_key) == sorted(rules, key=Rule.sort_key)


@pytest.mark.parametrize(("content", "fragment"), [
    ("p, customer_service, *, C2\n", "expected 6 values"),
    ("g, crm-service, customer_service\n", "only 'p' lines"),
    ("p, customer_service, *, C2, customer_service, mask, high\n", "priority"),
    ("p, customer_service, *, C2, customer_service, peek, 1\n", "unknown treatment"),
])
def test_broken_lines_name_the_file_and_line(content: str, fragment: str) -> None:
    with pytest.raises(RuleSyntaxError, match=fragment) as caught:
        list(parse_lines("# header\n" + content, "edited.csv"))
    assert "edited.csv:2" in str(caught.value)


def test_invalid_rules_in_a_file_name_the_file() -> None:
    with pytest.raises(PolicyInvalid, match=r"edited.csv: p, customer_service, \*, C3"):
        parse_text("p, customer_service, *, C3, customer_service, clear, 1\n", "edited.csv",
                   VOCABULARY)


REQUEST = grants.GrantRequest(subject_ids=["C0001"], purpose="customer_service", scope="C2",
                              treatment=Treatment.CLEAR, duration_minutes=60,
                              justification="call")


def grant_problems(allowed: bool = True, **changes: Any) -> list[str]:
    wanted = grants.GrantRequest(**{**REQUEST.__dict__, **changes})
    return grants.problems(VOCABULARY, wanted, max_minutes=1440, purpose_allowed=allowed)


@pytest.mark.parametrize(("changes", "allowed", "fragment"), [
    ({"scope": "C3"}, True, "C3"),
    ({"scope": "authentication_secret"}, True, "C3"),
    ({"scope": "C9"}, True, "unknown tier"),
    ({"purpose": "astrology"}, True, "unknown purpose"),
    ({}, False, "may not process"),
    ({"treatment": Treatment.REDACT}, True, "raises access"),
    ({"treatment": Treatment.DENY}, True, "raises access"),
    ({"duration_minutes": 1441}, True, "duration"),
    ({"duration_minutes": 0}, True, "duration"),
    ({"subject_ids": ["C 0001"]}, True, "subject ids"),
    ({"subject_ids": []}, True, "subjects"),
])
def test_ungrantable_requests_say_why(changes: dict[str, Any], allowed: bool,
                                      fragment: str) -> None:
    found = grant_problems(allowed, **changes)
    assert len(found) == 1
    assert fragment in found[0]


@pytest.mark.parametrize("changes", [{}, {"scope": "contact"}, {"treatment": Treatment.MASK},
                                     {"subject_ids": ["C0001", "C0002"]},
                                     {"duration_minutes": 1440}])
def test_grantable_requests_pass(changes: dict[str, Any]) -> None:
    assert grant_problems(**changes) == []
