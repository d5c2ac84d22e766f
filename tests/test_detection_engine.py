"""The engine's behaviour beyond single entities: offsets in the original text after
normalisation, context raising and lowering scores, overlap resolution, records."""

from __future__ import annotations

import itertools

import pytest

from pii_guard.classification.pack import load_rule_pack
from pii_guard.detection.engine import Detector
from pii_guard.detection.normalise import normalise
from pii_guard.detection.registry import RecognizerRegistry


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.from_pack(load_rule_pack(), RecognizerRegistry())


def found(detector: Detector, text: str) -> list[tuple[str, str]]:
    return [(f.entity, text[f.start:f.end]) for f in detector.scan_text(text)]


@pytest.mark.parametrize("text", [
    "１３８１２３４５６７８", "ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    "电话\u3000０２１－６２３４５６７８",
    "😀 13812345678 𠀋", "zero\u200bwidth",
])
def test_normalisation_keeps_every_offset(text: str) -> None:
    assert len(normalise(text)) == len(text)


def test_offsets_are_string_indices_of_the_original_text_after_emoji_and_full_width(
        detector: Detector) -> None:
    text = "😀客户𠀋手机：１３８ １２３４ ５６７８，邮箱ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ"
    assert found(detector, text) == [("CN_MOBILE", "１３８ １２３４ ５６７８"),
                                     ("EMAIL_ADDRESS", "ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ")]


def test_a_zero_width_space_inside_a_number_does_not_hide_it(detector: Detector) -> None:
    assert found(detector, "手机138\u200b1234\u200b5678") == [
        ("CN_MOBILE", "138\u200b1234\u200b5678")]


def test_a_cue_word_raises_the_score(detector: Detector) -> None:
    plain = detector.scan_text("见 13812345678")[0].score
    cued = detector.scan_text("手机 13812345678")[0].score
    assert cued > plain


@pytest.mark.parametrize("text", [
    "订单号：13812345678", "流水号 13812345678", "快递单号13812345678", "order no. 13812345678",
])
def test_a_look_alike_cue_lowers_the_score_below_the_threshold(detector: Detector,
                                                               text: str) -> None:
    assert detector.scan_text(text) == []


def test_a_cue_belongs_to_the_value_right_after_it(detector: Detector) -> None:
    text = "订单号 2023110512345678 客户手机 13812345678"
    assert found(detector, text) == [("CN_MOBILE", "13812345678")]


def test_a_cue_does_not_reach_across_a_sentence_end(detector: Detector) -> None:
    text = "请核对订单金额。13812345678"
    assert found(detector, text) == [("CN_MOBILE", "13812345678")]


def test_a_cue_of_another_entity_right_before_a_number_weighs_it_down(
        detector: Detector) -> None:
    # Luhn-valid with a Maestro-like prefix: a card by itself, not after 身份证号
    assert found(detector, "客户 6304273733981230") == [("BANK_CARD", "6304273733981230")]
    assert found(detector, "身份证号 6304273733981230") == []


def test_context_is_required_for_numbers_without_a_check(detector: Detector) -> None:
    assert found(detector, "请于12345678前回复") == []
    assert found(detector, "台胞证号码12345678") == [("CN_TAIWAN_PERMIT", "12345678")]


def test_overlapping_candidates_resolve_to_one_finding_per_span(detector: Detector) -> None:
    text = "IBAN GB82WEST12345698765432, card 6222021234567890128"
    findings = detector.scan_text(text)
    assert [(f.entity, text[f.start:f.end]) for f in findings] == [
        ("IBAN_CODE", "GB82WEST12345698765432"), ("BANK_CARD", "6222021234567890128")]
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))


def test_the_same_text_gives_the_same_findings(detector: Detector) -> None:
    text = "手机13812345678，卡号6222021234567890128，身份证110105199001011232。" * 20
    assert detector.scan_text(text) == detector.scan_text(text)


def test_an_email_holding_a_mobile_number_is_one_email(detector: Detector) -> None:
    assert found(detector, "邮箱13812345678@163.com") == [
        ("EMAIL_ADDRESS", "13812345678@163.com")]


RECORD_CASES = [
    # (record, expected (field, entity, value) triples)
    ({"sjhm": "13812345678"}, [("$.sjhm", "CN_MOBILE", "13812345678")]),
    ({"order_no": "6222021234567890128"}, []),
    ({"card_no": "6222021234567890128"}, [("$.card_no", "BANK_CARD", "6222021234567890128")]),
    ({"yhkh": 6222021234567890128}, [("$.yhkh", "BANK_CARD", "6222021234567890128")]),
    ({"zh": "1001234509876543210"}, [("$.zh", "BANK_ACCOUNT", "1001234509876543210")]),
    ({"remark": "1001234509876543210"}, []),
    ({"csrq": "1990-01-01"}, [("$.csrq", "DATE_OF_BIRTH", "1990-01-01")]),
    ({"jymm": "886622"}, [("$.jymm", "AUTH_SECRET", "886622")]),
    ({"cust": {"password": "Tr0ub4dor&3"}}, [("$.cust.password", "AUTH_SECRET", "Tr0ub4dor&3")]),
    ({"bdh": "P2023110500012"}, [("$.bdh", "POLICY_NUMBER", "P2023110500012")]),
    ({"contacts": [{"mobile": "138 1234 5678"}, {"mobile": 13912345678}]},
     [("$.contacts[0].mobile", "CN_MOBILE", "138 1234 5678"),
      ("$.contacts[1].mobile", "CN_MOBILE", "13912345678")]),
    ({"phones": ["13812345678"]}, [("$.phones[0]", "CN_MOBILE", "13812345678")]),
    ({"客户": {"身份证号码": "110105199001011232"}},
     [("$.客户.身份证号码", "CN_RESIDENT_ID", "110105199001011232")]),
    ({"e-mail": "li@example.com"}, [('$["e-mail"]', "EMAIL_ADDRESS", "li@example.com")]),
    ({"note": "客户手机13812345678"}, [("$.note", "CN_MOBILE", "13812345678")]),
    ({"flags": [True, None, 3.5]}, []),
]


@pytest.mark.parametrize(("record", "expected"), RECORD_CASES)
def test_records_use_field_names_as_evidence_and_report_field_paths(
        detector: Detector, record: dict[str, object],
        expected: list[tuple[str, str, str]]) -> None:
    findings = detector.scan_record(record)
    values = {"$.yhkh": "6222021234567890128", "$.contacts[1].mobile": "13912345678"}
    result = []
    for finding in findings:
        assert finding.field is not None
        text = values.get(finding.field) or _value_at(record, finding.field)
        result.append((finding.field, finding.entity, text[finding.start:finding.end]))
    assert result == expected


def _value_at(record: dict[str, object], path: str) -> str:
    import json
    import re

    node: object = record
    for key, index in re.findall(r'\.([^.\[]+)|\[(\d+|"[^"]*")\]', path[1:]):
        if key:
            node = node[key]  # type: ignore[index]
        elif index.startswith('"'):
            node = node[json.loads(index)]  # type: ignore[index]
        else:
            node = node[int(index)]  # type: ignore[index]
    return str(node)


def test_names_and_addresses_in_a_record_are_found_per_field_and_never_across_fields(
        ) -> None:
    detector = Detector.from_pack(load_rule_pack())  # with the shipped name/address models
    record = {"name": "张三", "city": "上海市", "district": "浦东新区",
              "note": "客户张三来电，要求寄往北京市海淀区中关村大街27号。"}
    findings = detector.scan_record(record)
    values = {f.field: record[(f.field or "$.")[2:]] for f in findings}
    by_field = {(f.field, f.entity, values[f.field][f.start:f.end]) for f in findings}
    assert ("$.name", "PERSON", "张三") in by_field
    assert ("$.note", "PERSON", "张三") in by_field
    assert any(field == "$.note" and entity == "ADDRESS" and text.startswith("北京市海淀区")
               for field, entity, text in by_field)
    assert all(0 <= f.start < f.end <= len(values[f.field]) for f in findings)
