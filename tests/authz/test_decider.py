"""Decisions: the default policy gives the acceptance scenario's answers, precedence has one
answer, units inherit downwards, C3 is never revealed, and the fast path agrees with
PyCasbin's plain Enforcer on the same model and rules."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pii_guard.authz.casbin_model import StaticAdapter, plain_enforcer, principal_subject
from pii_guard.authz.decider import Decider
from pii_guard.authz.decision import Reason
from pii_guard.authz.grant_index import ActiveGrant
from pii_guard.authz.rules import Rule, parse_lines
from pii_guard.authz.store import default_policy_path
from pii_guard.authz.treatments import Treatment
from pii_guard.authz.vocabulary import load_taxonomy
from pii_guard.identity.caller import Caller

TAXONOMY = load_taxonomy()
TIERS = TAXONOMY.category_tiers
PURPOSES = frozenset({"customer_service", "claims_handling", "marketing", "aml_review"})
DEFAULT_RULES = [rule for _, rule in parse_lines(default_policy_path().read_text(), "access")]
HO, SH = ("head-office",), ("head-office", "shanghai-branch")


def caller(principal: str, *roles: str, unit_path: tuple[str, ...] = SH) -> Caller:
    return Caller(principal_id=principal, display_name=principal, roles=frozenset(roles),
                  unit_code=unit_path[-1] if unit_path else "*", unit_path=unit_path)


def decider(rules: list[Rule], grants: list[ActiveGrant] | None = None,
            now: float = 1_000.0) -> Decider:
    made = Decider(TIERS, lambda _v: (1, rules), lambda: grants or [], lambda: PURPOSES,
                   clock=lambda: now)
    made.reload()
    return made


CRM = caller("crm-service", "customer_service")
CLAIMS = caller("claims-service", "claims_adjuster")
MARKETING = caller("marketing-service", "marketing", unit_path=HO)
ADMIN = caller("admin", "admin", unit_path=HO)
STEWARD = caller("steward-a", "data_steward", unit_path=HO)
AUDITOR = caller("auditor", "auditor", unit_path=HO)

# The acceptance scenario (issue 10) field by field: record C0001.
SCENARIO = [
    (CRM, "customer_service", {"personal_name": "mask", "identity_document": "mask",
                               "contact": "mask", "financial_account": "mask",
                               "address": "mask", "authentication_secret": "redact"}),
    (CLAIMS, "claims_handling", {"personal_name": "clear", "identity_document": "clear",
                                 "contact": "clear", "financial_account": "clear",
                                 "address": "clear", "authentication_secret": "redact"}),
    (MARKETING, "marketing", {"personal_name": "redact", "identity_document": "redact",
                              "contact": "clear", "financial_account": "redact",
                              "address": "redact", "authentication_secret": "redact"}),
    (ADMIN, "customer_service", {"personal_name": "redact", "identity_document": "redact",
                                 "contact": "redact", "authentication_secret": "redact"}),
]


@pytest.mark.parametrize(("who", "purpose", "expected"), SCENARIO,
                         ids=lambda v: v.principal_id if isinstance(v, Caller) else None)
def test_default_policy_gives_the_scenarios_treatments(who: Caller, purpose: str,
                                                       expected: dict[str, str]) -> None:
    decide = decider(DEFAULT_RULES)
    assert decide.purpose_allowed(who, purpose)
    got = {category: decide.decide(who, purpose, tier=TIERS[category], category=category,
                                   subject_id="C0001").treatment.value
           for category in expected}
    assert got == expected


@pytest.mark.parametrize(("who", "purpose", "allowed"), [
    (CRM, "customer_service", True),
    (CRM, "claims_handling", False),
    (CLAIMS, "claims_handling", True),
    (CLAIMS, "marketing", False),
    (CLAIMS, "customer_service", False),
    (MARKETING, "marketing", True),
    (MARKETING, "customer_service", False),
    (STEWARD, "customer_service", False),
    (AUDITOR, "aml_review", False),
    (ADMIN, "aml_review", True),
    (ADMIN, "not_a_registered_purpose", False),
])
def test_purposes_a_role_has_no_rules_for_are_refused(who: Caller, purpose: str,
                                                      allowed: bool) -> None:
    assert decider(DEFAULT_RULES).purpose_allowed(who, purpose) is allowed


@pytest.mark.parametrize("who", [CRM, CLAIMS, MARKETING, ADMIN, STEWARD, AUDITOR])
@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_nobody_sees_c3_in_any_revealing_form(who: Caller, purpose: str) -> None:
    decision = decider(DEFAULT_RULES).decide(who, purpose, tier="C3",
                                             category="authentication_secret", subject_id=None)
    assert decision.treatment in (Treatment.REDACT, Treatment.DENY)


def rule(role: str, scope: str, treatment: str, priority: int = 200, unit: str = "*",
         purpose: str = "customer_service") -> Rule:
    return Rule(role, unit, scope, purpose, Treatment(treatment), priority)


@pytest.mark.parametrize(("rules", "expected"), [
    ([rule("r", "C2", "mask"), rule("r", "contact", "clear", 100)], "clear"),
    ([rule("r", "C2", "mask", 100), rule("r", "contact", "clear", 200)], "mask"),
    ([rule("r", "C2", "mask"), rule("r", "contact", "clear")], "mask"),
    ([rule("r", "C2", "clear"), rule("r", "C2", "redact", purpose="*")], "redact"),
    ([rule("r", "C2", "clear", 100), rule("r", "C2", "redact", 200, purpose="*")], "clear"),
    ([rule("r", "C2", "mask"), rule("s", "C2", "clear")], "mask"),
    ([rule("r", "C2", "mask", 300), rule("s", "C2", "clear", 250)], "clear"),
    ([rule("r", "C2", "mask", unit="head-office"),
      rule("r", "C2", "clear", 100, unit="shanghai-branch")], "clear"),
    ([rule("r", "C2", "clear", unit="beijing-branch")], "deny"),
    ([], "deny"),
], ids=["category-beats-tier-by-priority", "lower-priority-number-wins",
        "tie-goes-to-more-restrictive", "tie-wildcard-purpose-restrictive",
        "priority-beats-restrictiveness", "roles-tie-restrictive", "roles-priority",
        "branch-rule-overrides-head-office", "other-branch-does-not-apply", "no-rule-denies"])
def test_precedence_has_one_answer(rules: list[Rule], expected: str) -> None:
    who = caller("p", "r", "s")
    decision = decider(rules).decide(who, "customer_service", tier="C2", category="contact",
                                     subject_id=None)
    assert decision.treatment.value == expected


def test_a_rule_for_a_unit_applies_below_it_but_not_above() -> None:
    rules = [rule("r", "C2", "clear", unit="shanghai-branch")]
    below = caller("p", "r", unit_path=(*SH, "pudong-sub-branch"))
    above = caller("q", "r", unit_path=HO)
    decide = decider(rules)
    assert decide.decide(below, "customer_service", tier="C2", category="contact",
                         subject_id=None).treatment is Treatment.CLEAR
    assert decide.decide(above, "customer_service", tier="C2", category="contact",
                         subject_id=None).treatment is Treatment.DENY


def test_a_decision_names_its_rule_and_reason() -> None:
    decision = decider(DEFAULT_RULES).decide(CRM, "customer_service", tier="C2",
                                             category="contact", subject_id=None)
    assert decision.reason is Reason.POLICY
    assert decision.rule == "p, customer_service, *, C2, customer_service, mask, 200"


def test_c3_is_clamped_in_code_even_if_a_stored_rule_says_clear() -> None:
    decision = decider([rule("r", "C3", "clear")]).decide(
        caller("p", "r"), "customer_service", tier="C3", category="authentication_secret",
        subject_id=None)
    assert (decision.treatment, decision.reason) == (Treatment.REDACT, Reason.C3_NEVER_CLEAR)


def grant(treatment: str = "clear", scope: str = "C2", expires_at: float = 2_000.0,
          purpose: str = "customer_service") -> ActiveGrant:
    return ActiveGrant("g1", "crm-service", frozenset({"C0001"}), purpose, scope,
                       Treatment(treatment), expires_at)


@pytest.mark.parametrize(("live", "subject", "now", "expected", "reason"), [
    (grant(), "C0001", 1_000.0, "clear", Reason.GRANT),
    (grant(), "C0002", 1_000.0, "mask", Reason.POLICY),
    (grant(), "C0001", 2_000.0, "mask", Reason.POLICY),
    (grant(purpose="marketing"), "C0001", 1_000.0, "mask", Reason.POLICY),
    (grant(scope="contact"), "C0001", 1_000.0, "clear", Reason.GRANT),
    (grant(scope="identity_document"), "C0001", 1_000.0, "mask", Reason.POLICY),
    (grant("hash"), "C0001", 1_000.0, "mask", Reason.POLICY),
], ids=["raises", "other-subject", "expired", "other-purpose", "category-grant",
        "other-category", "never-lowers"])
def test_a_live_grant_raises_only_its_subject_purpose_and_scope(
        live: ActiveGrant, subject: str, now: float, expected: str, reason: Reason) -> None:
    decision = decider(DEFAULT_RULES, [live], now).decide(
        CRM, "customer_service", tier="C2", category="contact", subject_id=subject)
    assert (decision.treatment.value, decision.reason) == (expected, reason)


def test_a_grant_cannot_reveal_c3() -> None:
    decision = decider(DEFAULT_RULES, [grant(scope="C3")]).decide(
        CRM, "customer_service", tier="C3", category="authentication_secret",
        subject_id="C0001")
    assert decision.treatment is Treatment.REDACT


def test_no_policy_loaded_fails_closed() -> None:
    empty = Decider(TIERS, lambda _v: None, list, lambda: PURPOSES)
    with pytest.raises(Exception, match="policy_unavailable"):
        empty.decide(CRM, "customer_service", tier="C2", category="contact", subject_id=None)


# -- agreement with PyCasbin's plain Enforcer ------------------------------------------------

ROLES = ["r0", "r1", "r2"]
UNITS = {"ho": None, "b1": "ho", "b2": "ho", "s1": "b1"}
PATHS = {"ho": ("ho",), "b1": ("ho", "b1"), "b2": ("ho", "b2"), "s1": ("ho", "b1", "s1")}
SCOPES = ["C1", "C2", "contact", "identity_document", "device_identifier"]
PURPOSE_CODES = ["customer_service", "marketing", "*"]

rules_strategy = st.lists(st.builds(
    Rule, st.sampled_from(ROLES), st.sampled_from([*UNITS, "*"]), st.sampled_from(SCOPES),
    st.sampled_from(PURPOSE_CODES), st.sampled_from(list(Treatment)),
    st.sampled_from([100, 200, 300])), max_size=40, unique_by=lambda r: r.key)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rules_strategy, roles=st.sets(st.sampled_from(ROLES), min_size=1),
       unit=st.sampled_from(list(UNITS)))
def test_fast_path_agrees_with_the_plain_enforcer(rules: list[Rule], roles: set[str],
                                                  unit: str) -> None:
    who = caller("p", *roles, unit_path=PATHS[unit])
    reference = plain_enforcer(StaticAdapter(rules, {"p": roles}, UNITS))
    decide = decider(rules)
    for category, tier in [("contact", "C2"), ("identity_document", "C2"),
                           ("device_identifier", "C1")]:
        for purpose in ("customer_service", "marketing"):
            matched, explain = reference.enforce_ex(principal_subject("p"), unit, tier,
                                                    category, purpose)
            expected = Treatment(explain[4]) if matched else Treatment.DENY
            got = decide.decide(who, purpose, tier=tier, category=category, subject_id=None)
            assert got.treatment is expected
            assert got.rule == (", ".join(["p", *explain]) if matched else None)


def test_a_reload_swaps_the_whole_policy_at_once_under_concurrent_decisions() -> None:
    import threading
    import time

    from pii_guard.authz.rules import canonical

    clear_all = [rule(f"role_{i}", "C2", "clear") for i in range(300)]
    mask_all = [rule(f"role_{i}", "C2", "mask") for i in range(300)]
    versions = iter(range(2, 100))
    current = {"rules": clear_all}
    made = Decider(TIERS, lambda _v: (next(versions), canonical(current["rules"])), list,
                   lambda: PURPOSES)
    made.reload()
    who = caller("p", *(f"role_{i}" for i in range(0, 300, 60)))
    seen: set[tuple[int | None, str]] = set()
    stop = threading.Event()

    def decide_continuously() -> None:
        while not stop.is_set():
            snapshot = made.snapshot
            answer = snapshot.decide(who.roles, who.unit_path, "C2", "contact",
                                     "customer_service")
            seen.add((snapshot.version, answer.treatment.value))
            time.sleep(0)  # let the reloading thread run

    reader = threading.Thread(target=decide_continuously)
    reader.start()
    for flip in range(6):
        current["rules"] = mask_all if flip % 2 == 0 else clear_all
        made.reload_policy()
    stop.set()
    reader.join()
    for version, treatment in seen:
        assert version is not None
        assert treatment == ("mask" if version % 2 == 1 else "clear")
