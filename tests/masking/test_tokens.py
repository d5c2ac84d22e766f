"""FF3-1 tokens without storage: published vectors, round trips, and tokens that never pass
for real values (checked with the project's own validators)."""

from __future__ import annotations

import os

import pytest
from ff3 import FF3Cipher
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric

from pii_guard.detection.phones import cn_mobile
from pii_guard.detection.validators import cn_resident_id, payment_card
from pii_guard.masking import tokens
from pii_guard.masking.errors import TokenError

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))

# NIST ACVP FF3-1 vectors (56-bit tweaks), as published with the ff3 package.
ACVP_FF3_1 = [
    ("0123456789", "2DE79D232DF5585D68CE47882AE256D6", "CBD09280979564",
     "3992520240", "8901801106"),
    ("0123456789", "01C63017111438F7FC8E24EB16C71AB5", "C4E822DCD09F27",
     "60761757463116869318437658042297305934914824457484538562",
     "35637144092473838892796702739628394376915177448290847293"),
    ("abcdefghijklmnopqrstuvwxyz", "718385E6542534604419E83CE387A437", "B6F35084FA90E1",
     "wfmwlrorcd", "ywowehycyd"),
    ("abcdefghijklmnopqrstuvwxyz", "DB602DFF22ED7E84C8D8C865A941A238", "EBEFD63BCC2083",
     "kkuomenbzqvggfbteqdyanwpmhzdmoicekiihkrm", "belcfahcwwytwrckieymthabgjjfkxtxauipmjja"),
    ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/",
     "AEE87D0D485B3AFD12BD1E0B9D03D50D", "5F9140601D224B", "ixvuuIHr0e", "GR90R1q838"),
]


@pytest.mark.parametrize(("alphabet", "key", "tweak", "plain", "cipher"), ACVP_FF3_1)
def test_published_ff3_1_vectors_pass(alphabet: str, key: str, tweak: str, plain: str,
                                      cipher: str) -> None:
    ff3 = FF3Cipher.withCustomAlphabet(key, tweak, alphabet)
    assert ff3.encrypt(plain) == cipher
    assert ff3.decrypt(cipher) == plain


def card(prefix: str, body: str) -> str:
    number = (prefix + body)[:18]
    return number + luhn.calc_check_digit(number)


def resident_id(body: str) -> str:
    number = "110105" + body
    return number + ric.calc_check_digit(number + "0")


cards = st.builds(card, st.sampled_from(["62", "4", "622202", "35"]),
                  st.text(alphabet="0123456789", min_size=16, max_size=16))
resident_ids = st.builds(lambda y, m, d, s: resident_id(f"{y}{m:02d}{d:02d}{s:03d}"),
                         st.integers(1930, 2005), st.integers(1, 12), st.integers(1, 28),
                         st.integers(0, 999))
versions = st.integers(1, 9)


@settings(max_examples=200)
@given(value=cards, version=versions)
def test_card_tokens_round_trip_keep_length_and_fail_luhn(value: str, version: int) -> None:
    token = tokens.tokenise(value, "BANK_CARD", "luhn", KEY, version)
    assert token != value
    assert len(token) == len(value)
    assert token.isdigit()
    assert payment_card(token) is None
    assert tokens.fpe_slot(token, "BANK_CARD", "luhn") == version
    assert tokens.detokenise(token, "BANK_CARD", "luhn", KEY) == value


@settings(max_examples=200)
@given(value=resident_ids, version=versions)
def test_resident_id_tokens_round_trip_and_fail_the_check_digit(value: str,
                                                                version: int) -> None:
    token = tokens.tokenise(value, "CN_RESIDENT_ID", "cn_ric", KEY, version)
    assert token != value
    assert len(token) == 18
    assert cn_resident_id(token) is None
    assert payment_card(token) is None
    assert tokens.fpe_slot(token, "CN_RESIDENT_ID", "cn_ric") == version
    assert tokens.detokenise(token, "CN_RESIDENT_ID", "cn_ric", KEY) == value


@settings(max_examples=200)
@given(value=st.builds(lambda p, r: p + r, st.sampled_from(["138", "159", "186", "199"]),
                       st.text(alphabet="0123456789", min_size=8, max_size=8)),
       version=versions)
def test_mobile_tokens_are_digits_round_trip_and_are_no_mobile(value: str, version: int) -> None:
    token = tokens.tokenise(value, "CN_MOBILE", "digits", KEY, version)
    assert token.isdigit()
    assert token != value
    assert cn_mobile(token) is None
    assert payment_card(token) is None
    assert tokens.detokenise(token, "CN_MOBILE", "digits", KEY) == value


@settings(max_examples=100)
@given(value=st.text(min_size=1, max_size=30), entity=st.sampled_from(["PERSON", "ADDRESS"]))
def test_opaque_tokens_round_trip_any_text(value: str, entity: str) -> None:
    token = tokens.tokenise(value, entity, "opaque", KEY, 3)
    assert token != value
    assert tokens.opaque_version(token) == 3
    assert tokens.detokenise(token, entity, "opaque", KEY) == value


@pytest.mark.parametrize(("entity", "scheme", "value"), [
    ("CN_PASSPORT", "alnum", "E12345678"),
    ("EMAIL_ADDRESS", "email", "zhang.san@example.com"),
    ("BANK_CARD", "luhn", "6222 0212 3456 7890 128"),
    ("CN_RESIDENT_ID", "cn_ric", "110105880615123"),
    ("CN_MOBILE", "digits", "+86 138-1234-5678"),
    ("EMAIL_ADDRESS", "email", "a@b.cn"),
])
def test_tokens_keep_separators_and_round_trip(entity: str, scheme: tokens.TokenScheme,
                                               value: str) -> None:
    token = tokens.tokenise(value, entity, scheme, KEY, 2)
    assert token != value
    assert tokens.detokenise(token, entity, scheme, KEY) == value


def test_the_same_value_gives_the_same_token_under_one_key() -> None:
    first = tokens.tokenise("13812345678", "CN_MOBILE", "digits", KEY, 1)
    assert tokens.tokenise("13812345678", "CN_MOBILE", "digits", KEY, 1) == first
    assert tokens.tokenise("13812345678", "CN_MOBILE", "digits", OTHER_KEY, 1) != first


def test_the_same_digits_give_different_tokens_for_different_entities() -> None:
    assert (tokens.tokenise("6222021234567890", "BANK_ACCOUNT", "digits", KEY, 1)
            != tokens.tokenise("6222021234567890", "IMEI", "digits", KEY, 1))


@pytest.mark.parametrize("real", ["6222021234567890128", "4111111111111111"])
def test_a_real_card_number_is_not_a_token(real: str) -> None:
    with pytest.raises(TokenError) as caught:
        tokens.fpe_slot(real, "BANK_CARD", "luhn")
    assert caught.value.code == "not_a_token"


def test_an_opaque_token_under_another_key_does_not_open() -> None:
    token = tokens.tokenise("张三", "PERSON", "opaque", KEY, 1)
    with pytest.raises(TokenError):
        tokens.detokenise(token, "PERSON", "opaque", OTHER_KEY)


def test_random_keys_give_tokens_that_differ_from_the_value() -> None:
    key = os.urandom(32)
    assert tokens.tokenise("110105198806151238", "CN_RESIDENT_ID", "cn_ric", key, 1) \
        != "110105198806151238"
