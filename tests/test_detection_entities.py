"""Each entity of the default pack, as a table: values it must find (with the exact span in the
original text), and look-alikes it must not report."""

from __future__ import annotations

import pytest

from pii_guard.classification.pack import load_rule_pack
from pii_guard.detection.engine import Detector


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.from_pack(load_rule_pack())


def spans(detector: Detector, text: str, entity: str) -> list[str]:
    return [text[f.start:f.end] for f in detector.scan_text(text) if f.entity == entity]


FOUND = [
    # (entity, text, the value expected, exactly as written in the text)
    ("CN_RESIDENT_ID", "身份证号110105199001011232，请核实", "110105199001011232"),
    ("CN_RESIDENT_ID", "证件号码：65010219991111777X", "65010219991111777X"),
    ("CN_RESIDENT_ID", "ID card 65010219991111777x on file", "65010219991111777x"),
    ("CN_RESIDENT_ID", "客户身份证 310115 19851231 0029 已登记", "310115 19851231 0029"),
    ("CN_RESIDENT_ID", "身份证号：５１０１０７２００００１０１４５６７",
     "５１０１０７２００００１０１４５６７"),
    ("CN_RESIDENT_ID", "110105199001011232", "110105199001011232"),
    ("CN_RESIDENT_ID", "旧身份证号码110105900101123", "110105900101123"),
    ("CN_MOBILE", "客户手机13812345678，已回访", "13812345678"),
    ("CN_MOBILE", "联系方式 138 1234 5678", "138 1234 5678"),
    ("CN_MOBILE", "电话：138-1234-5678。", "138-1234-5678"),
    ("CN_MOBILE", "mobile +86 139 1234 5678 please call", "+86 139 1234 5678"),
    ("CN_MOBILE", "请拨打+8613912345678", "+8613912345678"),
    ("CN_MOBILE", "手机：１５９１２３４５６７８", "１５９１２３４５６７８"),
    ("CN_MOBILE", "13912345678是客户本人", "13912345678"),
    ("CN_LANDLINE", "办公电话 010-62345678", "010-62345678"),
    ("CN_LANDLINE", "座机(021)6234 5678转分机", "(021)6234 5678"),
    ("CN_LANDLINE", "电话 0755-8888 9999", "0755-8888 9999"),
    ("PHONE_NUMBER", "Call me at +44 20 7946 0958 tomorrow", "+44 20 7946 0958"),
    ("PHONE_NUMBER", "phone: (212) 555-0143", "(212) 555-0143"),
    ("PHONE_NUMBER", "reach her on 415-555-2671", "415-555-2671"),
    ("PHONE_NUMBER", "Can someone call me on 9472 7916?", "9472 7916"),
    ("PHONE_NUMBER", "Desk: +44 7700 900123", "+44 7700 900123"),
    ("BANK_CARD", "卡号6222021234567890128，请冻结", "6222021234567890128"),
    ("BANK_CARD", "信用卡 6228 4800 1234 5678 903 已挂失", "6228 4800 1234 5678 903"),
    ("BANK_CARD", "card 4111-1111-1111-1111 was declined", "4111-1111-1111-1111"),
    ("BANK_CARD", "银行卡：６２１７００１２３４５６７８９０１２２",
     "６２１７００１２３４５６７８９０１２２"),
    ("BANK_CARD", "refund to 5243531234567899", "5243531234567899"),
    ("BANK_CARD", "Amex 3782 822463 10005 on file", "3782 822463 10005"),
    ("BANK_CARD", "借记卡622202 1234567890128", "622202 1234567890128"),
    ("BANK_ACCOUNT", "收款账号：1001234509876543210，开户行工商银行", "1001234509876543210"),
    ("BANK_ACCOUNT", "account no 3100 2150 0918 0012", "3100 2150 0918 0012"),
    ("CN_USCC", "统一社会信用代码91110000710925243K", "91110000710925243K"),
    ("CN_USCC", "企业 91310115MA1K3YJ11D 的授权书", "91310115MA1K3YJ11D"),
    ("CN_PASSPORT", "护照号码E12345678", "E12345678"),
    ("CN_PASSPORT", "passport EA1234567 expires", "EA1234567"),
    ("CN_HK_MACAU_PERMIT", "往来港澳通行证C12345678", "C12345678"),
    ("CN_HK_MACAU_PERMIT", "回乡证 H1234567801", "H1234567801"),
    ("CN_TAIWAN_PERMIT", "台胞证号码12345678", "12345678"),
    ("CN_VEHICLE_PLATE", "车牌京A12345的车主", "京A12345"),
    ("CN_VEHICLE_PLATE", "新能源车粤BD12345", "粤BD12345"),
    ("CN_VEHICLE_PLATE", "车牌号沪A·12345D", "沪A·12345D"),
    ("EMAIL_ADDRESS", "邮箱zhang.san@example.com.cn，", "zhang.san@example.com.cn"),
    ("EMAIL_ADDRESS", "mail ＬＩ＠ｅｘａｍｐｌｅ．ｃｏｍ now", "ＬＩ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
    ("IP_ADDRESS", "登录IP 10.23.4.156 异常", "10.23.4.156"),
    ("IP_ADDRESS", "from 2001:db8::8a2e:370:7334 at", "2001:db8::8a2e:370:7334"),
    ("MAC_ADDRESS", "MAC地址00:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5E"),
    ("IMEI", "手机串号IMEI 860911031234567", "860911031234567"),
    ("IBAN_CODE", "IBAN GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"),
    ("IBAN_CODE", "pay to gb82west12345698765432", "gb82west12345698765432"),
    ("US_SSN", "SSN 536-90-4399", "536-90-4399"),
    ("US_SSN", "social security number 536904399", "536904399"),
    ("DATE_OF_BIRTH", "出生日期：1990-01-01", "1990-01-01"),
    ("DATE_OF_BIRTH", "客户生日1985年12月31日", "1985年12月31日"),
    ("DATE_OF_BIRTH", "born on March 5, 1979 in Shanghai", "March 5, 1979"),
    ("POLICY_NUMBER", "保单号：P2023110500012", "P2023110500012"),
    ("POLICY_NUMBER", "赔案号为 CLM-2023-000456", "CLM-2023-000456"),
    ("POLICY_NUMBER", "claim number 8800123456", "8800123456"),
    ("AUTH_SECRET", "密码：Abc12345", "Abc12345"),
    ("AUTH_SECRET", "交易密码是886622", "886622"),
    ("AUTH_SECRET", "验证码384920，五分钟内有效", "384920"),
    ("AUTH_SECRET", "CVV2: 123", "123"),
    ("AUTH_SECRET", "卡背面安全码 456 请勿泄露", "456"),
    ("AUTH_SECRET", "有效期 12/26", "12/26"),
    ("AUTH_SECRET", "your password is hunter2", "hunter2"),
]


@pytest.mark.parametrize(("entity", "text", "value"), FOUND)
def test_finds_entity_with_its_span_in_the_original_text(
        detector: Detector, entity: str, text: str, value: str) -> None:
    assert spans(detector, text, entity) == [value]


NOT_FOUND = [
    # (entity, text): look-alikes, failed checks, impossible dates, other number kinds
    ("CN_RESIDENT_ID", "身份证号110105199001011233"),           # wrong check digit
    ("CN_RESIDENT_ID", "身份证号440304197802290018"),           # 1978-02-29 does not exist
    ("CN_RESIDENT_ID", "身份证号991234199001011236"),           # no province 99
    ("CN_RESIDENT_ID", "订单号20231105123456789X"),
    ("CN_RESIDENT_ID", "旧证号110105901301123"),                # month 13
    ("CN_MOBILE", "订单号13812345678"),
    ("CN_MOBILE", "时间戳1381234567890"),
    ("CN_MOBILE", "金额13812345678元"),
    ("CN_MOBILE", "合计¥13812345678"),
    ("CN_MOBILE", "手机12012345678"),                           # no such range
    ("CN_MOBILE", "余额13812345678.50"),
    ("CN_MOBILE", "version v13812345678"),
    ("CN_MOBILE", "call +1 398 123 4567"),
    ("CN_LANDLINE", "客服热线400-820-8820"),                    # hotline, not personal
    ("CN_LANDLINE", "日期2023-11-05"),
    ("BANK_CARD", "卡号6222021234567890123"),                   # fails Luhn
    ("BANK_CARD", "订单号6222021234567890128"),                 # order number cue
    ("BANK_CARD", "流水号 4111111111111111"),
    ("BANK_CARD", "时间20231105143210123"),
    ("BANK_CARD", "1111111111111111"),
    ("BANK_ACCOUNT", "共计1001234509876543210条记录"),          # no account cue
    ("BANK_ACCOUNT", "订单号 1001234509876543210"),
    ("CN_USCC", "统一社会信用代码91110000710925243A"),          # wrong check character
    ("CN_USCC", "订单号 123456789012345678"),
    ("CN_PASSPORT", "订单E12345678已发货"),
    ("CN_TAIWAN_PERMIT", "订单12345678"),
    ("CN_TAIWAN_PERMIT", "共20231105笔"),
    ("CN_VEHICLE_PLATE", "京A123456789"),
    ("EMAIL_ADDRESS", "见附件 report@2023"),
    ("IP_ADDRESS", "版本号1.2.3.4.5"),
    ("IP_ADDRESS", "时间14:32:10"),
    ("IP_ADDRESS", "IP 256.1.1.1"),
    ("MAC_ADDRESS", "时间 12:30:45:11:22:33:44"),
    ("IMEI", "订单号860911031234567"),
    ("IMEI", "860911031234567"),                                  # Luhn-valid, but no cue
    ("IBAN_CODE", "IBAN GB82 WEST 1234 5698 7654 33"),
    ("US_SSN", "SSN 666-12-3456"),
    ("US_SSN", "SSN 000-12-3456"),
    ("US_SSN", "编号123456789"),
    ("DATE_OF_BIRTH", "交易日期1990-01-01"),
    ("DATE_OF_BIRTH", "出生日期1990-02-30"),
    ("DATE_OF_BIRTH", "出生日期2990-01-01"),
    ("POLICY_NUMBER", "保单号码请稍后查询"),
    ("POLICY_NUMBER", "订单号P2023110500012"),
    ("AUTH_SECRET", "密码错误，请重试"),
    ("AUTH_SECRET", "your password is incorrect"),
    ("AUTH_SECRET", "验证码已发送"),
    ("PHONE_NUMBER", "处理时间2023-11-05 14:32:10"),
    ("PHONE_NUMBER", "日期 2023.11.05"),
    ("PHONE_NUMBER", "The restaurant is at 9816 214 Pavlova Street"),
    ("PHONE_NUMBER", "Reference 7700 900123 attached"),
    ("BANK_ACCOUNT", "转账15344116947元，开户行工行"),
]


@pytest.mark.parametrize(("entity", "text"), NOT_FOUND)
def test_does_not_report_look_alikes(detector: Detector, entity: str, text: str) -> None:
    assert spans(detector, text, entity) == []


def test_mobile_number_is_not_also_reported_as_phone_number(detector: Detector) -> None:
    findings = detector.scan_text("客户手机13812345678")
    assert [(f.entity, f.start, f.end) for f in findings] == [("CN_MOBILE", 4, 15)]


def test_two_numbers_separated_by_a_space_are_two_findings(detector: Detector) -> None:
    text = "两个号码13812345678 13912345678"
    assert spans(detector, text, "CN_MOBILE") == ["13812345678", "13912345678"]


def test_a_card_after_a_short_digit_group_is_found_from_its_own_first_digit(
        detector: Detector) -> None:
    text = "卡号 12 6222 0212 3456 7890 128"
    assert spans(detector, text, "BANK_CARD") == ["6222 0212 3456 7890 128"]


def test_a_valid_number_glued_inside_a_longer_separated_number_is_not_reported(
        detector: Detector) -> None:
    text = "编码 6222 0212 3456 7890 124"  # no card; 0212 3456 7890 would be a Shanghai line
    assert detector.scan_text(text) == []
