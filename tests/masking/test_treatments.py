"""Treatments and the key ring on real storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from pii_guard.authz.treatments import Treatment
from pii_guard.classification.pack import load_rule_pack
from pii_guard.detection.findings import Finding
from pii_guard.detection.validators import payment_card
from pii_guard.masking import TokenError, Treatments
from pii_guard.masking.errors import KeyUnavailable
from pii_guard.masking.kek import decode_kek
from pii_guard.masking.keyring import KeyRing
from pii_guard.masking.rules import load_rules
from pii_guard.services import Services
from pii_guard.store.engine import transaction
from pii_guard.store.models import AuditEventRow
from pii_guard.store.models.keys import DataKey, SubjectKey
from tests.conftest import TEST_KEK

CARD = "6222021234567890128"
MOBILE = "13812345678"


def second_process(services: Services, kek: str = TEST_KEK) -> Treatments:
    """Another worker on the same database: its own key ring and caches."""
    return Treatments(load_rules(), load_rule_pack().taxonomy,
                      KeyRing(services.session_factory, decode_kek(kek, "test"),
                              services.audit))


def actions(services: Services) -> list[str]:
    services.audit.flush()
    with transaction(services.session_factory) as session:
        return [r.action for r in session.scalars(select(AuditEventRow))
                if r.action.startswith("keys.")]


@pytest.mark.parametrize(("entity", "value", "expected"), [
    ("PERSON", "张三", "张*"),
    ("CN_MOBILE", MOBILE, "138****5678"),
    ("BANK_CARD", CARD, "622202*********0128"),
    ("CN_RESIDENT_ID", "110105198806151238", "110***********1238"),
    ("EMAIL_ADDRESS", "zhang.san@example.com", "z***@example.com"),
])
def test_mask_gives_the_display_form(services: Services, entity: str, value: str,
                                     expected: str) -> None:
    assert services.treatments.apply(value, entity=entity, treatment=Treatment.MASK) == expected


@pytest.mark.parametrize("treatment", [Treatment.CLEAR, Treatment.MASK, Treatment.TOKEN,
                                       Treatment.HASH, Treatment.GENERALISE])
def test_c3_is_redacted_whatever_is_asked(services: Services, treatment: Treatment) -> None:
    assert services.treatments.apply("123456", entity="AUTH_SECRET",
                                     treatment=treatment) == "<AUTH_SECRET>"


def test_redact_gives_a_typed_placeholder_and_deny_is_refused(services: Services) -> None:
    assert services.treatments.apply(MOBILE, entity="CN_MOBILE",
                                     treatment=Treatment.REDACT) == "<CN_MOBILE>"
    with pytest.raises(ValueError):
        services.treatments.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.DENY)


def test_apply_to_text_keeps_the_rest_and_reports_new_offsets(services: Services) -> None:
    text = "客户张三，手机13812345678，住址上海市浦东新区世纪大道100号1幢1201室。"
    name = Finding("PERSON", 2, 4, 0.9, attributes={"surname_end": "1"})
    mobile = Finding("CN_MOBILE", 7, 18, 0.99)
    start = text.index("上海")
    address = Finding("ADDRESS", start, len(text) - 1, 0.9,
                      attributes={"precision": "full", "coarse_end": "7"})
    treated = services.treatments.apply_to_text(
        text, [(mobile, Treatment.MASK), (address, Treatment.MASK), (name, Treatment.REDACT)])
    assert treated.text == "客户<PERSON>，手机138****5678，住址上海市浦东新区****。"
    assert [treated.text[a:b] for a, b in treated.offsets] == [
        "138****5678", "上海市浦东新区****", "<PERSON>"]


def test_overlapping_spans_are_refused(services: Services) -> None:
    spans = [(Finding("CN_MOBILE", 0, 11, 1.0), Treatment.MASK),
             (Finding("BANK_ACCOUNT", 5, 15, 1.0), Treatment.MASK)]
    with pytest.raises(ValueError):
        services.treatments.apply_to_text("1" * 20, spans)


def test_tokens_and_hashes_are_the_same_in_another_process(services: Services) -> None:
    other = second_process(services)
    for treatment in (Treatment.TOKEN, Treatment.HASH):
        ours = services.treatments.apply(CARD, entity="BANK_CARD", treatment=treatment)
        assert other.apply(CARD, entity="BANK_CARD", treatment=treatment) == ours
    token = services.treatments.apply(CARD, entity="BANK_CARD", treatment=Treatment.TOKEN,
                                      subject_id="C0001")
    assert other.apply(CARD, entity="BANK_CARD", treatment=Treatment.TOKEN,
                       subject_id="C0001") == token
    assert other.detokenize(token, entity="BANK_CARD", subject_id="C0001") == CARD


def test_a_card_token_fits_the_column_and_is_no_card(services: Services) -> None:
    token = services.treatments.apply(CARD, entity="BANK_CARD", treatment=Treatment.TOKEN)
    assert len(token) == len(CARD)
    assert token.isdigit()
    assert token != CARD
    assert payment_card(token) is None
    assert services.treatments.detokenize(token, entity="BANK_CARD") == CARD


def test_hash_is_keyed_hex_and_ignores_separators(services: Services) -> None:
    plain = services.treatments.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.HASH)
    spaced = services.treatments.apply("138 1234 5678", entity="CN_MOBILE",
                                       treatment=Treatment.HASH)
    assert plain == spaced
    assert len(plain) == 64
    assert MOBILE not in plain


def test_rotation_keeps_old_tokens_and_changes_new_ones(services: Services) -> None:
    old = services.treatments.apply(CARD, entity="BANK_CARD", treatment=Treatment.TOKEN,
                                    subject_id="C0001")
    old_hash = services.treatments.apply(CARD, entity="BANK_CARD", treatment=Treatment.HASH)
    result = services.treatments.keys.rotate(reason="test")
    assert result.version == 2
    assert result.rewrapped == 1
    new = services.treatments.apply(CARD, entity="BANK_CARD", treatment=Treatment.TOKEN,
                                    subject_id="C0001")
    assert new != old
    for token in (old, new):
        assert services.treatments.detokenize(token, entity="BANK_CARD",
                                              subject_id="C0001") == CARD
    assert services.treatments.apply(CARD, entity="BANK_CARD",
                                     treatment=Treatment.HASH) == old_hash
    assert "keys.rotate" in actions(services)


def test_another_process_detokenises_a_token_of_a_version_it_has_not_seen(
        services: Services) -> None:
    other = second_process(services)
    other.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.TOKEN)
    services.treatments.keys.rotate()
    token = services.treatments.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.TOKEN)
    assert other.detokenize(token, entity="CN_MOBILE") == MOBILE


def test_shredding_a_subject_makes_its_tokens_unrecoverable(services: Services) -> None:
    treatments = services.treatments
    token = treatments.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.TOKEN,
                             subject_id="C0002")
    name = treatments.apply("张三", entity="PERSON", treatment=Treatment.TOKEN,
                            subject_id="C0002")
    other = second_process(services)
    assert other.detokenize(token, entity="CN_MOBILE", subject_id="C0002") == MOBILE
    assert treatments.keys.shred_subject("C0002", reason="erasure_request") is True
    for process in (treatments, other):
        for value, entity in ((token, "CN_MOBILE"), (name, "PERSON")):
            with pytest.raises(TokenError) as caught:
                process.detokenize(value, entity=entity, subject_id="C0002")
            assert caught.value.code == "subject_key_shredded"
    with transaction(services.session_factory) as session:
        row = session.get(SubjectKey, ("default", "C0002"))
        assert row is not None
        assert row.wrapped is None
        assert row.shredded_at is not None
    assert treatments.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.TOKEN,
                            subject_id="C0002") == "<CN_MOBILE>"
    assert "keys.shred_subject" in actions(services)


def test_a_subject_token_does_not_open_without_the_subject(services: Services) -> None:
    token = services.treatments.apply("张三", entity="PERSON", treatment=Treatment.TOKEN,
                                      subject_id="C0003")
    with pytest.raises(TokenError):
        services.treatments.detokenize(token, entity="PERSON")


def test_a_token_of_an_unknown_version_is_refused(services: Services) -> None:
    services.treatments.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.TOKEN)
    with pytest.raises(TokenError) as caught:
        services.treatments.detokenize("tok7_abcdefgh", entity="PERSON")
    assert caught.value.code == "unknown_key_version"


def test_a_real_value_is_not_a_token(services: Services) -> None:
    with pytest.raises(TokenError) as caught:
        services.treatments.detokenize(CARD, entity="BANK_CARD")
    assert caught.value.code == "not_a_token"


def test_a_wrong_kek_fails_closed(services: Services) -> None:
    services.treatments.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.TOKEN)
    wrong = base64.b64encode(b"w" * 32).decode()
    other = second_process(services, kek=wrong)
    for treatment in (Treatment.TOKEN, Treatment.HASH):
        with pytest.raises(KeyUnavailable):
            other.apply(MOBILE, entity="CN_MOBILE", treatment=treatment)
    assert other.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.MASK) == "138****5678"


def test_data_keys_are_stored_wrapped(services: Services) -> None:
    services.treatments.apply(MOBILE, entity="CN_MOBILE", treatment=Treatment.HASH)
    with transaction(services.session_factory) as session:
        rows = session.scalars(select(DataKey)).all()
        assert sorted((r.purpose, r.version) for r in rows) == [("hash", 1), ("token", 1)]
        assert all(len(r.wrapped) == 12 + 32 + 16 for r in rows)
    assert "keys.create" in actions(services)
