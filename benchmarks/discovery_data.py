"""Realistic generated values for the discovery benchmarks: valid identifiers (check digits
right), plausible names and addresses, and non-personal look-alikes (order numbers, amounts,
codes, timestamps) chosen from each column's label, SQL type and name.

Seeded, so every run loads the same data. Nothing here is a real person's data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import string
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import types as sqltypes
from stdnum import luhn
from stdnum.cn import ric, uscc

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"
    "潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦"
    "邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强海"
    "燕婷雪佳怡子涵浩然宇轩梓萱欣怡思远"
)
PINYIN = ["zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu",
          "sun", "ma", "zhu", "hu", "guo", "lin", "he", "gao", "luo"]
GIVEN_PINYIN = ["wei", "fang", "na", "min", "jing", "qiang", "lei", "jun", "yang", "yong",
                "jie", "tao", "ming", "chao", "xia", "ping", "gang", "hua", "hong", "hao"]
AREAS = ["110101", "110105", "310104", "310115", "440305", "440106", "320102", "330106",
         "510104", "420106", "370102", "610113", "350203", "120101", "500103"]
PLACES = [("上海市", "浦东新区", "世纪大道"), ("北京市", "朝阳区", "建国路"),
          ("广东省深圳市", "南山区", "科技园路"), ("浙江省杭州市", "西湖区", "文三路"),
          ("江苏省南京市", "鼓楼区", "中山北路"), ("四川省成都市", "武侯区", "人民南路"),
          ("湖北省武汉市", "洪山区", "珞喻路")]
MOBILE_PREFIXES = ["130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "155", "158", "159", "166", "176", "177", "180", "181", "186", "187", "188",
                   "189", "199"]
CARD_BINS = ["622202", "621700", "622848", "625911", "436742", "622588", "621483", "628288"]
THINGS = ["上海分行浦东支行", "北京分行营业部", "个人住房贷款", "春季分期优惠活动",
          "星级客户礼遇计划", "借记卡年费减免", "理财产品推介", "手机银行渠道",
          "综合意外保障计划", "重大疾病保险",
          "车险续保提醒", "信用卡账单分期", "客户满意度回访", "网点服务评价"]
SENTENCES = ["客户来电咨询账单分期事宜，已解答。", "客户反映手机银行登录异常，已转技术支持。",
             "客户申请调整信用额度，已提交审批。", "回访客户对理财产品的满意度，客户表示满意。",
             "客户询问保单续期缴费方式，已告知。", "客户投诉网点排队时间长，已记录并反馈。",
             "车辆在停车场被剐蹭，无人员受伤。", "客户在家中摔倒导致骨折，住院治疗五天。"]
CITIES = ["上海", "北京", "深圳", "杭州", "南京", "成都", "武汉", "广州"]


class Values:
    """Value makers for one seeded run."""

    def __init__(self, seed: int = 20261121) -> None:
        self.r = random.Random(seed)

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def resident_id(self) -> str:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=self.r.randrange(20000))
        body = f"{self.r.choice(AREAS)}{birth:%Y%m%d}{self.digits(3)}"
        return body + ric.calc_check_digit(body + "0")

    def mobile(self) -> str:
        return self.r.choice(MOBILE_PREFIXES) + self.digits(8)

    def landline(self) -> str:
        area = self.r.choice(["010", "021", "020", "0755", "0571", "025", "028"])
        subscriber = str(self.r.randint(2, 8)) + self.digits(7 if len(area) == 3 else 6)
        return f"{area}-{subscriber}"

    def card(self) -> str:
        bin_ = self.r.choice(CARD_BINS)
        body = bin_ + self.digits(self.r.choice([15, 18]) - len(bin_))
        return body + luhn.calc_check_digit(body)

    def account(self) -> str:
        prefix = self.r.choice(["3100", "1001", "4420", "6510"])
        return prefix + self.digits(self.r.choice([15, 17]))

    def person(self) -> str:
        given = "".join(self.r.choice(GIVEN) for _ in range(self.r.choice([1, 2])))
        return self.r.choice(SURNAMES) + given

    def pinyin_name(self) -> str:
        return f"{self.r.choice(PINYIN).upper()} {self.r.choice(GIVEN_PINYIN).upper()}"

    def address(self) -> str:
        region, district, road = self.r.choice(PLACES)
        return (f"{region}{district}{road}{self.r.randint(1, 999)}号{self.r.randint(1, 30)}栋"
                f"{self.r.randint(101, 2805)}室")

    def email(self) -> str:
        return (f"{self.r.choice(PINYIN)}{self.r.choice(GIVEN_PINYIN)}{self.r.randint(1, 999)}@"
                f"{self.r.choice(['qq.com', '163.com', 'gmail.com', 'example.cn', '126.com'])}")

    def birth(self) -> dt.date:
        return dt.date(1950, 1, 1) + dt.timedelta(days=self.r.randrange(20000))

    def policy(self) -> str:
        return self.r.choice(["P", "8610", "C", "R"]) + self.digits(16)

    def plate(self) -> str:
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        return self.r.choice("沪京粤浙苏川鄂") + self.r.choice(letters) + "".join(
            self.r.choice(letters + string.digits) for _ in range(5))

    def uscc(self) -> str:
        body = "91" + self.r.choice(["310000", "110000", "440300"]) + "".join(
            self.r.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        return body + uscc.calc_check_digit(body)

    def ip(self) -> str:
        return ".".join(str(self.r.randint(1, 254)) for _ in range(4))

    def mac(self) -> str:
        return ":".join(f"{self.r.randint(0, 255):02X}" for _ in range(6))

    def imei(self) -> str:
        body = "35" + self.digits(12)
        return body + luhn.calc_check_digit(body)

    def passport(self) -> str:
        return "E" + self.digits(8)

    def secret(self, length: int | None) -> str:
        if length is not None and length <= 4:
            return f"{self.r.randint(1, 12):02d}{self.r.randint(25, 32)}"
        if length is not None and length <= 8:
            return self.digits(6)
        return hashlib.sha256(self.digits(12).encode()).hexdigest()[: length or 64]

    def remark_with(self, maker: Callable[[], str], share: float, prefix: str) -> str:
        text = self.r.choice(SENTENCES)
        if self.r.random() < share:
            return f"{text}{prefix}{maker()}，已核实。"
        return text


def value_for(v: Values, table: str, column: str, label: str, column_type: Any,
              row: int, key: bool = False) -> Any:
    """One value for a column with expected entity ``label`` ('' for none); ``key`` columns
    get unique values."""
    length = getattr(column_type, "length", None)
    if key and not label:
        if isinstance(column_type, sqltypes.Integer):
            return row + 1
        return f"{row + 1:0{min(length or 12, 12)}d}"
    if not label and column in ("jgdz", "jgdh"):  # a branch's own address and phone
        return v.address() if column == "jgdz" else v.landline()
    if label:
        return _personal(v, column, label, column_type, length)
    return _non_personal(v, column, column_type, length, row)


def _personal(v: Values, column: str, label: str, column_type: Any, length: int | None) -> Any:
    if column in ("notes",):
        return v.remark_with(v.mobile, 0.15, "客户留的联系电话")
    if column in ("service_remark",):
        return v.remark_with(v.resident_id, 0.1, "客户身份证号")
    if label == "PERSON" and column in ("xmpy", "emb_name"):
        return v.pinyin_name()
    if label == "PERSON" and column in ("first_name", "last_name"):
        return v.r.choice(GIVEN_PINYIN if column == "first_name" else PINYIN).capitalize()
    if label == "DATE_OF_BIRTH":
        birth = v.birth()
        return birth if isinstance(column_type, sqltypes.Date) else f"{birth:%Y%m%d}"
    if label == "CN_MOBILE" and column in ("contact_number", "caller_no", "reporter_phone",
                                           "guarantor_tel"):
        return v.mobile() if v.r.random() < 0.9 else v.landline()
    makers: dict[str, Callable[[], Any]] = {
        "CN_RESIDENT_ID": v.resident_id, "CN_MOBILE": v.mobile, "CN_LANDLINE": v.landline,
        "EMAIL_ADDRESS": v.email, "BANK_CARD": v.card, "BANK_ACCOUNT": v.account,
        "PERSON": v.person, "ADDRESS": v.address, "POLICY_NUMBER": v.policy,
        "CN_VEHICLE_PLATE": v.plate, "CN_USCC": v.uscc, "IP_ADDRESS": v.ip,
        "MAC_ADDRESS": v.mac, "IMEI": v.imei, "CN_PASSPORT": v.passport,
        "AUTH_SECRET": lambda: v.secret(length),
    }
    return makers[label]()


def _non_personal(v: Values, column: str, column_type: Any, length: int | None,
                  row: int) -> Any:
    if isinstance(column_type, sqltypes.Boolean):
        return v.r.random() < 0.5
    if isinstance(column_type, sqltypes.DateTime):
        return dt.datetime(2015, 1, 1) + dt.timedelta(seconds=v.r.randrange(300_000_000))
    if isinstance(column_type, sqltypes.Date):
        return dt.date(2015, 1, 1) + dt.timedelta(days=v.r.randrange(3500))
    if isinstance(column_type, sqltypes.BigInteger):
        return row + 1
    if isinstance(column_type, sqltypes.Integer):
        return v.r.randint(0, 100)
    if isinstance(column_type, sqltypes.Numeric):
        precision = getattr(column_type, "precision", None) or 12
        scale = getattr(column_type, "scale", None) or 0
        top = min(10 ** (precision - scale) - 1, 1_000_000)
        return Decimal(str(round(v.r.uniform(0, top), scale)))
    return _text(v, column, length or 255, row)


def _text(v: Values, column: str, length: int, row: int) -> str:
    name = column.lower()
    if length <= 3:
        return v.r.choice(["01", "02", "03", "1", "2", "9", "A", "N", "Y"])[:length]
    if any(name.endswith(s) for s in ("lsh", "call_id", "order_no", "rrn", "voucher_no")):
        return v.digits(min(length, 20))
    if any(name.endswith(s) for s in ("no", "id", "code", "cd", "_h", "hh", "bh", "jg", "gyh",
                                      "spr", "sbh", "openid", "vin", "com", "jym", "mcc")):
        prefix = v.r.choice(["C", "A", "N", "HX", "SH", ""])
        return (prefix + v.digits(max(2, min(length, 16) - len(prefix))))[:length]
    if name in ("city", "province", "gj", "zy", "mz"):
        return v.r.choice(CITIES)[:length]
    if ("agent" in name and "user" in name) or name == "user_agent":
        return "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36"
    if "file" in name or "path" in name:
        return f"/data/rec/2024/{row:06d}.wav"[:length]
    if length >= 100:
        return v.r.choice(SENTENCES + THINGS)[:length]
    if length <= 6:
        return v.digits(length) if v.r.random() < 0.5 else v.r.choice(["0101", "A01", "B2"])
    return v.r.choice(THINGS)[:length]
