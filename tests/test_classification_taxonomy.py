"""The default taxonomy and the field-name evidence, as the other concerns rely on them."""

from __future__ import annotations

import pytest

from pii_guard.classification.pack import load_rule_pack
from pii_guard.classification.taxonomy import Classification, UnknownEntity

SHARED_CATEGORIES = {"authentication_secret", "identity_document", "financial_account",
                     "insurance_record", "contact", "personal_name", "address", "demographic",
                     "vehicle", "device_identifier", "organisation_identifier",
                     "foreign_identifier"}


@pytest.fixture(scope="module")
def pack():  # type: ignore[no-untyped-def]
    return load_rule_pack()


def test_the_shared_category_vocabulary_is_intact(pack) -> None:  # type: ignore[no-untyped-def]
    assert {c.name for c in pack.taxonomy.categories} == SHARED_CATEGORIES


@pytest.mark.parametrize(("entity", "expected"), [
    ("AUTH_SECRET", Classification("authentication_secret", "C3", 4, True)),
    ("CN_RESIDENT_ID", Classification("identity_document", "C2", 3, True)),
    ("CN_MOBILE", Classification("contact", "C2", 3, False)),
    ("BANK_CARD", Classification("financial_account", "C2", 3, True)),
    ("BANK_ACCOUNT", Classification("financial_account", "C2", 3, True)),
    ("POLICY_NUMBER", Classification("insurance_record", "C2", 3, False)),
    ("IP_ADDRESS", Classification("device_identifier", "C1", 2, False)),
    ("CN_USCC", Classification("organisation_identifier", "C1", 2, False)),
    ("PERSON", Classification("personal_name", "C2", 3, False)),
])
def test_entities_classify_to_category_tier_level_and_sensitivity(
        pack, entity: str, expected: Classification) -> None:  # type: ignore[no-untyped-def]
    assert pack.taxonomy.classify(entity) == expected


def test_every_entity_a_rule_reports_has_a_classification(pack) -> None:  # type: ignore[no-untyped-def]
    for sourced in pack.rules:
        assert pack.taxonomy.knows(sourced.rule.entity), sourced.rule.name


def test_an_unknown_entity_is_an_error(pack) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownEntity):
        pack.taxonomy.classify("NOT_AN_ENTITY")


def test_lookups_by_category_and_tier(pack) -> None:  # type: ignore[no-untyped-def]
    assert pack.taxonomy.entities_in("authentication_secret") == ("AUTH_SECRET",)
    assert [c.name for c in pack.taxonomy.categories_of_tier("C3")] == ["authentication_secret"]


FIELD_NAMES = [
    # (field or column name, entity it must favour)
    ("sfzh", "CN_RESIDENT_ID"), ("SFZHM", "CN_RESIDENT_ID"), ("cust_id_no", "CN_RESIDENT_ID"),
    ("身份证号码", "CN_RESIDENT_ID"), ("zjhm", "CN_PASSPORT"), ("sjhm", "CN_MOBILE"),
    ("mobilePhone", "CN_MOBILE"), ("cust_mobile_no", "CN_MOBILE"), ("联系电话", "CN_LANDLINE"),
    ("lxdh", "CN_LANDLINE"), ("yhkh", "BANK_CARD"), ("CardNo", "BANK_CARD"),
    ("bankcardno", "BANK_CARD"), ("zh", "BANK_ACCOUNT"), ("acct_nbr", "BANK_ACCOUNT"),
    ("khxm", "PERSON"), ("cust_nm", "PERSON"), ("xm", "PERSON"), ("dz", "ADDRESS"),
    ("home_addr", "ADDRESS"), ("csrq", "DATE_OF_BIRTH"), ("bdh", "POLICY_NUMBER"),
    ("login_pwd", "AUTH_SECRET"), ("cvv2", "AUTH_SECRET"), ("email_address", "EMAIL_ADDRESS"),
]


@pytest.mark.parametrize(("name", "entity"), FIELD_NAMES)
def test_field_names_give_positive_evidence(pack, name: str, entity: str) -> None:  # type: ignore[no-untyped-def]
    evidence = pack.field_names.score(name)
    assert evidence.get(entity, 0) > 0
    assert max(evidence, key=lambda e: evidence[e]) == entity or evidence[entity] >= 0.3


@pytest.mark.parametrize("name", ["order_no", "订单号", "txn_id", "amount", "created_at",
                                  "serial_no"])
def test_look_alike_field_names_give_negative_evidence(pack, name: str) -> None:  # type: ignore[no-untyped-def]
    assert pack.field_names.score(name) == {"ANY": -0.4}


@pytest.mark.parametrize("name", ["remark", "status", "automobile_type", "x"])
def test_unrelated_field_names_give_no_evidence(pack, name: str) -> None:  # type: ignore[no-untyped-def]
    assert pack.field_names.score(name) == {}
