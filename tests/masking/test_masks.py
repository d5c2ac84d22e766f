"""Masks and generalisations per entity rule, without keys (tables of real-looking values)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pii_guard.masking import masks
from pii_guard.masking.rules import GeneraliseRule, MaskRule, load_rules

RULES = load_rules()


@pytest.mark.parametrize(("entity", "value", "attributes", "masked"), [
    ("PERSON", "张三", {}, "张*"),
    ("PERSON", "欧阳娜娜", {"surname_end": "2"}, "欧阳**"),
    ("PERSON", "欧阳娜娜", {}, "欧阳**"),
    ("PERSON", "王小明", {"surname_end": "1"}, "王**"),
    ("PERSON", "John Smith", {}, "J*** S****"),
    ("CN_MOBILE", "13812345678", {}, "138****5678"),
    ("CN_MOBILE", "138-1234-5678", {}, "138-****-5678"),
    ("BANK_CARD", "6222021234567890128", {}, "622202*********0128"),
    ("BANK_CARD", "6222 0212 3456 7890", {}, "6222 02** **** 7890"),
    ("CN_RESIDENT_ID", "110105198806151238", {}, "110***********1238"),
    ("ADDRESS", "上海市浦东新区世纪大道100号1幢1201室",
     {"precision": "full", "coarse_end": "7"}, "上海市浦东新区****"),
    ("ADDRESS", "上海市浦东新区世纪大道100号1幢1201室", {}, "上海市浦东新区****"),
    ("ADDRESS", "广东省深圳市南山区科技园南路88号", {}, "广东省深圳市南山区****"),
    ("EMAIL_ADDRESS", "zhang.san@example.com", {}, "z***@example.com"),
    ("UNLISTED_ENTITY", "ABC12345", {}, "A******5"),
    ("UNLISTED_ENTITY", "AB12", {}, "****"),
])
def test_mask_follows_the_entity_rule(entity: str, value: str, attributes: dict[str, str],
                                      masked: str) -> None:
    assert masks.mask(value, RULES.for_entity(entity).mask, attributes) == masked


def test_a_value_shorter_than_the_kept_part_is_masked_entirely() -> None:
    assert masks.mask("12345", RULES.for_entity("CN_MOBILE").mask, {}) == "*****"


@pytest.mark.parametrize(("entity", "value", "general"), [
    ("DATE_OF_BIRTH", "1988-06-15", "1988"),
    ("DATE_OF_BIRTH", "1988年6月15日", "1988"),
    ("ADDRESS", "上海市浦东新区世纪大道100号", "上海市浦东新区"),
    ("IP_ADDRESS", "192.168.31.77", "192.168.31.0/24"),
])
def test_generalise_gives_the_coarser_true_value(entity: str, value: str, general: str) -> None:
    rule = RULES.for_entity(entity).generalise
    assert rule is not None
    assert masks.generalise(value, rule, {}) == general


def test_age_band_counts_whole_years() -> None:
    rule = GeneraliseRule(to="age_band")
    assert masks.generalise("1988-06-15", rule, {}, today=dt.date(2024, 6, 14)) == "30-39"
    assert masks.generalise("1994-06-15", rule, {}, today=dt.date(2024, 6, 15)) == "30-39"


@given(value=st.text(alphabet="0123456789- abcXYZ", min_size=0, max_size=40),
       first=st.integers(0, 8), last=st.integers(0, 8), minimum=st.integers(0, 10))
def test_a_mask_never_reveals_more_than_its_rule_allows(value: str, first: int, last: int,
                                                        minimum: int) -> None:
    rule = MaskRule(keep_first=first, keep_last=last, min_length=minimum)
    masked = masks.mask_keep(value, rule)
    assert len(masked) == len(value)
    revealed = sum(1 for a, b in zip(value, masked, strict=True) if a == b and a.isalnum())
    assert revealed <= first + last
    assert all(a == b for a, b in zip(value, masked, strict=True) if not a.isalnum())


@given(name=st.text(alphabet="张王李欧阳娜明华", min_size=2, max_size=5))
def test_a_name_mask_shows_at_most_the_surname(name: str) -> None:
    masked = masks.mask_name(name, RULES.for_entity("PERSON").mask, {})
    assert len(masked) == len(name)
    assert masked.count("*") >= len(name) - 2
