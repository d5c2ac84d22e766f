"""cn_person: names with and without titles, compound surnames, look-alike words, offsets."""

from __future__ import annotations

import pytest

from pii_guard.detection.findings import TextRecognizer
from pii_guard.detection.ner.person import ChinesePersonRecognizer


@pytest.fixture(scope="module")
def recognizer() -> ChinesePersonRecognizer:
    return ChinesePersonRecognizer.default()


def names(recognizer: ChinesePersonRecognizer, text: str) -> list[tuple[str, str]]:
    return [(text[f.start : f.end], f.attributes["surname_end"]) for f in recognizer.analyze(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # two to four characters
        ("联系人：王芳，电话已核实。", [("王芳", "1")]),
        ("客户张伟来电咨询信用卡账单。", [("张伟", "1")]),
        ("投保人刘建国申请退保。", [("刘建国", "1")]),
        # compound surnames
        ("受益人为欧阳娜娜，系投保人之女。", [("欧阳娜娜", "2")]),
        ("经办人司马晓东已将材料寄出。", [("司马晓东", "2")]),
        ("被保险人诸葛明于昨日出院。", [("诸葛明", "2")]),
        # titles: the span is the name part only
        ("张先生您好，您的新卡已经寄出。", [("张", "1")]),
        ("李女士反映上月被重复扣款。", [("李", "1")]),
        ("王经理今天不在网点。", [("王", "1")]),
        ("欧阳先生已确认还款计划。", [("欧阳", "2")]),
        ("陈晓明先生的保单已生效。", [("陈晓明", "1")]),
        # several names
        ("投保人赵丽华，被保险人孙建军。", [("赵丽华", "1"), ("孙建军", "1")]),
    ],
)
def test_names_are_found_with_their_surname_length(
    recognizer: ChinesePersonRecognizer, text: str, expected: list[tuple[str, str]]
) -> None:
    assert names(recognizer, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "客户对处理结果很高兴。",
        "这个游戏王国里活动很多。",
        "请张开双手接受安检。",
        "黄金价格今天上涨了。",
        "本周末网点照常营业。",
        "这样办理比较方便。",
        "白天无法接听电话。",
        "退款金额为三百元。",
        "马上为您查询账户余额。",
        "关于女士专属理财产品的问题已经答复。",
        "",
    ],
)
def test_common_words_starting_with_a_surname_are_not_names(
    recognizer: ChinesePersonRecognizer, text: str
) -> None:
    assert recognizer.analyze(text) == []


def test_offsets_and_fields(recognizer: ChinesePersonRecognizer) -> None:
    text = "🙂 客户欧阳娜娜来电"
    [finding] = recognizer.analyze(text)
    assert text[finding.start : finding.end] == "欧阳娜娜"
    assert finding.entity == "PERSON"
    assert finding.recognizer == "cn_person"
    assert 0.0 < finding.score <= 1.0


def test_long_text_gives_the_same_findings_as_its_parts(
    recognizer: ChinesePersonRecognizer,
) -> None:
    part = "客户张伟来电咨询信用卡账单，经办人司马晓东已处理。"
    single = [(f.start, f.end) for f in recognizer.analyze(part)]
    repeated = [(f.start, f.end) for f in recognizer.analyze(part * 50)]
    assert repeated == [
        (s + k * len(part), e + k * len(part)) for k in range(50) for s, e in single
    ]


def test_is_a_text_recognizer(recognizer: ChinesePersonRecognizer) -> None:
    assert isinstance(recognizer, TextRecognizer)
    assert (recognizer.name, recognizer.entities) == ("cn_person", ("PERSON",))
