"""cn_address: spans, precision levels and the coarse part, on hand-written service notes."""

from __future__ import annotations

import pytest

from pii_guard.detection.findings import TextRecognizer
from pii_guard.detection.ner.address import ChineseAddressRecognizer


@pytest.fixture(scope="module")
def recognizer() -> ChineseAddressRecognizer:
    return ChineseAddressRecognizer.default()


def found(recognizer: ChineseAddressRecognizer, text: str) -> list[tuple[str, str, str]]:
    return [
        (
            text[f.start : f.end],
            f.attributes["precision"],
            text[f.start : f.start + int(f.attributes["coarse_end"])],
        )
        for f in recognizer.analyze(text)
    ]


@pytest.mark.parametrize(
    ("text", "address", "precision", "coarse"),
    [
        (
            "客户住在上海市浦东新区世纪大道100号1幢1201室，电话已核实。",
            "上海市浦东新区世纪大道100号1幢1201室",
            "full",
            "上海市浦东新区",
        ),
        ("地址：浦东新区世纪大道100号", "浦东新区世纪大道100号", "full", "浦东新区"),
        ("我家在世纪大道100号附近", "世纪大道100号", "full", ""),
        (
            "住址：杭州市西湖区文三路478号华星时代广场A座1001室",
            "杭州市西湖区文三路478号华星时代广场A座1001室",
            "full",
            "杭州市西湖区",
        ),
        (
            "请寄到广东省深圳市南山区高新南一道8号",
            "广东省深圳市南山区高新南一道8号",
            "full",
            "广东省深圳市南山区",
        ),
        ("家住北京市朝阳区朝外大街", "北京市朝阳区朝外大街", "street", "北京市朝阳区"),
        ("客户在西湖区文三路上班", "西湖区文三路", "street", "西湖区"),
        (
            "户籍所在地为广东省深圳市南山区。",
            "广东省深圳市南山区",
            "district",
            "广东省深圳市南山区",
        ),
        ("他的户籍在浙江省杭州市", "浙江省杭州市", "city", "浙江省杭州市"),
        ("客户老家在四川省", "四川省", "province", "四川省"),
        ("他来自四川", "四川", "province", "四川"),
        (
            "现居新疆维吾尔自治区乌鲁木齐市天山区",
            "新疆维吾尔自治区乌鲁木齐市天山区",
            "district",
            "新疆维吾尔自治区乌鲁木齐市天山区",
        ),
    ],
)
def test_address_spans_and_precision(
    recognizer: ChineseAddressRecognizer, text: str, address: str, precision: str, coarse: str
) -> None:
    assert found(recognizer, text) == [(address, precision, coarse)]


@pytest.mark.parametrize(
    "text",
    [
        "他的思路很清楚，说话条理分明。",
        "上海银行的客户经理回电了。",
        "请沿着这条路一直走。",
        "朝阳升起的时候我们出发。",
        "信用卡账单已经出了，金额为300元。",
        "",
    ],
)
def test_no_address_in_ordinary_text(recognizer: ChineseAddressRecognizer, text: str) -> None:
    assert recognizer.analyze(text) == []


def test_offsets_are_python_string_indices(recognizer: ChineseAddressRecognizer) -> None:
    text = "🙂 地址：上海市浦东新区世纪大道100号"
    [finding] = recognizer.analyze(text)
    assert text[finding.start : finding.end] == "上海市浦东新区世纪大道100号"
    assert finding.entity == "ADDRESS"
    assert finding.recognizer == "cn_address"


def test_two_addresses_in_one_text(recognizer: ChineseAddressRecognizer) -> None:
    text = "原地址上海市徐汇区漕溪北路88号，新地址江苏省南京市鼓楼区中山路1号。"
    assert [a for a, _, _ in found(recognizer, text)] == [
        "上海市徐汇区漕溪北路88号",
        "江苏省南京市鼓楼区中山路1号",
    ]


def test_is_a_text_recognizer(recognizer: ChineseAddressRecognizer) -> None:
    assert isinstance(recognizer, TextRecognizer)
    assert recognizer.name == "cn_address"
    assert recognizer.entities == ("ADDRESS",)
