"""A reproducible (seeded) corpus of Chinese customer-service notes mixed with English, with
labelled personal data and labelled look-alikes, for the accuracy and throughput benchmarks.

Values are generated, not copied: resident IDs with correct check digits and real birth dates
(random county codes, as real IDs of renamed counties have), Luhn-valid UnionPay/Visa/Mastercard
numbers, allocated mobile ranges, valid USCC check characters. Look-alikes are what such notes
also hold: order and tracking numbers (some Luhn-valid, some 11 digits starting 1[3-9]),
timestamps, amounts, and numbers that fail their checks (wrong check digit, 30 February,
unallocated mobile range, failed Luhn).

    python benchmarks/cn_corpus.py --count 5 --seed 7      # print a few labelled samples
"""

from __future__ import annotations

import argparse
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field

from stdnum import iban, luhn
from stdnum.cn import ric, uscc

PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
             "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
             "63", "64", "65"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150",
                   "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "176",
                   "177", "178", "180", "181", "182", "183", "185", "186", "187", "188", "189",
                   "191", "198", "199"]
AREA_CODES = ["010", "021", "022", "023", "020", "025", "027", "028", "0755", "0571", "0512",
              "0731", "0531"]
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SURNAMES = ["zhang", "wang", "li", "zhao", "liu", "chen", "yang", "huang", "zhou", "wu"]
DOMAINS = ["qq.com", "163.com", "126.com", "example.com.cn", "gmail.com", "sina.com",
           "pingan.com.cn", "outlook.com"]


@dataclass
class Sample:
    text: str = ""
    spans: list[dict[str, object]] = field(default_factory=list)
    lookalikes: list[dict[str, object]] = field(default_factory=list)

    def add(self, piece: str) -> None:
        self.text += piece

    def value(self, entity: str, value: str) -> None:
        self.spans.append({"entity": entity, "start": len(self.text),
                           "end": len(self.text) + len(value)})
        self.text += value

    def lookalike(self, kind: str, value: str) -> None:
        self.lookalikes.append({"kind": kind, "start": len(self.text),
                                "end": len(self.text) + len(value)})
        self.text += value


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def birth_date(rng: random.Random) -> tuple[int, int, int]:
    year = rng.randint(1940, 2012)
    month = rng.randint(1, 12)
    return year, month, rng.randint(1, 28)


def resident_id(rng: random.Random) -> str:
    y, m, d = birth_date(rng)
    body = f"{rng.choice(PROVINCES)}{rng.randint(1, 99):02d}{rng.randint(1, 99):02d}" \
           f"{y:04d}{m:02d}{d:02d}{digits(rng, 3)}"
    return body + ric.calc_check_digit(body + "0")


def bad_resident_id(rng: random.Random) -> str:
    good = resident_id(rng)
    if rng.random() < 0.5:
        wrong = rng.choice([c for c in "0123456789X" if c != good[-1]])
        return good[:-1] + wrong
    body = good[:10] + rng.choice(["0230", "1332", "0431", "0001"]) + good[14:17]
    return body + ric.calc_check_digit(body + "0")


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + digits(rng, 8)


def card(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.6:
        body = "62" + rng.choice(["2202", "2848", "1700", "2588", "5880", "1483"]) + \
            digits(rng, rng.choice([9, 12]))
    elif kind < 0.8:
        body = "4" + digits(rng, 14)
    else:
        body = str(rng.randint(51, 55)) + digits(rng, 13)
    return body + luhn.calc_check_digit(body)


def bad_card(rng: random.Random) -> str:
    good = card(rng)
    return good[:-1] + str((int(good[-1]) + rng.randint(1, 9)) % 10)


def uscc_code(rng: random.Random) -> str:
    body = rng.choice("9159") + rng.choice("123") + rng.choice(PROVINCES) + digits(rng, 4) + \
        "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def plate(rng: random.Random) -> str:
    head = rng.choice(PLATE_PROVINCES) + rng.choice(PLATE_LETTERS)
    roll = rng.random()
    if roll < 0.6:
        tail = rng.choice(PLATE_LETTERS) + digits(rng, 4) if rng.random() < 0.5 else digits(rng, 5)
    elif roll < 0.8:
        tail = rng.choice("DF") + rng.choice(PLATE_LETTERS + string.digits) + digits(rng, 4)
    else:
        tail = digits(rng, 5) + rng.choice("DF")
    return head + tail


def iban_code(rng: random.Random) -> str:
    bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + digits(rng, 14)
    check = iban.calc_check_digits("GB00" + bban)
    return "GB" + check + bban


def spaced(rng: random.Random, value: str, groups: list[int]) -> str:
    if rng.random() < 0.6:
        return value
    separator = rng.choice([" ", "-"])
    parts, i = [], 0
    for size in groups:
        parts.append(value[i:i + size])
        i += size
    if i < len(value):
        parts.append(value[i:])
    return separator.join(p for p in parts if p)


def fullwidth(rng: random.Random, value: str) -> str:
    if rng.random() < 0.9:
        return value
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


Slot = Callable[[random.Random, Sample], None]


def _cue_value(cues: list[str], entity: str, make: Callable[[random.Random], str],
               groups: list[int] | None = None) -> Slot:
    def slot(rng: random.Random, sample: Sample) -> None:
        sample.add(rng.choice(cues))
        value = make(rng)
        if groups:
            value = spaced(rng, value, groups)
        sample.value(entity, fullwidth(rng, value))
    return slot


def _lookalike(cues: list[str], kind: str, make: Callable[[random.Random], str]) -> Slot:
    def slot(rng: random.Random, sample: Sample) -> None:
        sample.add(rng.choice(cues))
        sample.lookalike(kind, make(rng))
    return slot


def _mobile_prefixed(rng: random.Random) -> str:
    number = mobile(rng)
    return rng.choice(["+86 ", "+86", "0086 ", "(86)"]) + spaced(rng, number, [3, 4, 4])


def _landline(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    local = str(rng.randint(2, 8)) + digits(rng, 7 if len(area) == 3 else rng.choice([6, 7]))
    return rng.choice([f"{area}-{local}", f"({area}){local}", f"{area} {local[:4]} {local[4:]}"])


def _email(rng: random.Random) -> str:
    name = rng.choice(SURNAMES) + rng.choice(["", ".", "_"]) + rng.choice(SURNAMES)[:3]
    return name + (digits(rng, 2) if rng.random() < 0.5 else "") + "@" + rng.choice(DOMAINS)


def _ipv4(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _dob(rng: random.Random) -> str:
    y, m, d = birth_date(rng)
    return rng.choice([f"{y}-{m:02d}-{d:02d}", f"{y}年{m}月{d}日", f"{y}/{m:02d}/{d:02d}",
                       f"{y}{m:02d}{d:02d}"])


def _secret(rng: random.Random) -> str:
    letters = "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(3, 6)))
    return letters + digits(rng, rng.randint(2, 4)) + rng.choice(["", "!", "@", "#"])


def _policy(rng: random.Random) -> str:
    return rng.choice(["P", "PA", "CLM", "AIC", "PDAA", ""]) + \
        rng.choice(["", "2023", "2024"]) + digits(rng, rng.randint(8, 12))


def _account(rng: random.Random) -> str:
    return rng.choice("13579") + digits(rng, rng.randint(13, 20))


def _order(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:  # Luhn-valid, UnionPay-looking order number
        body = "62" + digits(rng, 15)
        return body + luhn.calc_check_digit(body)
    if kind < 0.5:
        return mobile(rng)  # 11 digits starting 1[3-9]
    if kind < 0.7:
        return resident_id(rng)[:17] + str(rng.randint(0, 9))  # ID-shaped, usually bad check
    return "20" + str(rng.randint(23, 25)) + digits(rng, rng.randint(10, 16))


def _timestamp(rng: random.Random) -> str:
    seconds = rng.randint(1_600_000_000, 1_760_000_000)
    return rng.choice([str(seconds), str(seconds * 1000 + rng.randint(0, 999)),
                       f"2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                       f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}",
                       f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
                       f"{rng.randint(0, 23):02d}:{rng.randint(10, 59):02d}:{rng.randint(10, 59)}"])


def _amount(rng: random.Random) -> str:
    value = rng.randint(100, 99_999_999)
    return rng.choice([f"{value}.{rng.randint(0, 99):02d}元", f"¥{value:,}.00", f"{value}元",
                       f"RMB {value}", f"{mobile(rng)}元"])


SLOTS: list[Slot] = [
    _cue_value(["客户身份证号", "身份证号码：", "证件号码 ", "客户证件号：", "ID no. ", "身份证"],
               "CN_RESIDENT_ID", resident_id, [6, 8, 4]),
    _cue_value(["，", "客户", "核实", " "], "CN_RESIDENT_ID", resident_id),
    _cue_value(["手机", "联系电话：", "客户手机号码", "mobile ", "来电号码", "回拨", "，"],
               "CN_MOBILE", mobile, [3, 4, 4]),
    _cue_value(["手机 ", "tel: ", "联系方式"], "CN_MOBILE", _mobile_prefixed),
    _cue_value(["办公电话", "座机：", "家庭电话 ", "tel "], "CN_LANDLINE", _landline),
    _cue_value(["卡号", "信用卡", "银行卡号：", "card no. ", "借记卡 ", "尾号变更后的卡号"],
               "BANK_CARD", card, [4, 4, 4, 4]),
    _cue_value(["收款账号", "对公账户：", "开户行工行，账号", "account no "], "BANK_ACCOUNT",
               _account),
    _cue_value(["统一社会信用代码", "企业信用代码：", "USCC "], "CN_USCC", uscc_code),
    _cue_value(["护照号码", "passport ", "护照"], "CN_PASSPORT",
               lambda r: "E" + digits(r, 8) if r.random() < 0.7
               else "E" + r.choice(PLATE_LETTERS) + digits(r, 7)),
    _cue_value(["港澳通行证", "往来港澳通行证号", "回乡证"], "CN_HK_MACAU_PERMIT",
               lambda r: r.choice(["C" + digits(r, 8), "C" + r.choice(PLATE_LETTERS) + digits(r, 7),
                                   r.choice("HM") + digits(r, 8)])),
    _cue_value(["台胞证号码", "台胞证"], "CN_TAIWAN_PERMIT", lambda r: digits(r, 8)),
    _cue_value(["车牌", "车牌号", "号牌 ", "报案车辆"], "CN_VEHICLE_PLATE", plate),
    _cue_value(["邮箱", "email: ", "电子邮件 "], "EMAIL_ADDRESS", _email),
    _cue_value(["登录IP ", "IP地址", "from "], "IP_ADDRESS", _ipv4),
    _cue_value(["出生日期：", "生日", "DOB "], "DATE_OF_BIRTH", _dob),
    _cue_value(["保单号", "保单号：", "赔案号 ", "policy no. ", "报案号"], "POLICY_NUMBER",
               _policy),
    _cue_value(["密码：", "登录密码是", "password: "], "AUTH_SECRET", _secret),
    _cue_value(["验证码", "短信验证码：", "OTP "], "AUTH_SECRET", lambda r: digits(r, 6)),
    _cue_value(["CVV2 ", "安全码"], "AUTH_SECRET", lambda r: digits(r, 3)),
    _cue_value(["IBAN "], "IBAN_CODE", iban_code),
    _lookalike(["订单号", "订单号：", "流水号", "快递单号", "交易号 ", "order no. ", "工单号"],
               "order", _order),
    _lookalike(["时间戳", "处理时间", "timestamp ", "于"], "timestamp", _timestamp),
    _lookalike(["金额", "转账", "退款", "amount "], "amount", _amount),
    _lookalike(["身份证号", "证件号码："], "bad_resident_id", bad_resident_id),
    _lookalike(["卡号", "信用卡号"], "bad_card", bad_card),
    _lookalike(["手机", "联系电话"], "bad_mobile",
               lambda r: r.choice(["120", "121", "100", "110", "127"]) + digits(r, 8)),
]

FILLER = [
    "客户来电反映其名下信用卡在境外发生两笔未授权交易，要求冻结卡片并申请争议处理。",
    "坐席已核实客户身份，并告知争议交易处理时效为15个工作日，期间如有进展将短信通知。",
    "客户表示近期多次收到自称银行客服的可疑短信，要求点击链接更新资料，已提醒客户注意防范电信诈骗。",
    ("Customer asked about the refund status of the duplicate charge; "
     "advised 3-5 business days. "),
    "客户对上月账单中的年费收取有异议，经查询该卡首年免年费，次年需刷卡满6次方可减免。",
    "理赔材料已补齐，包括医院出具的诊断证明、费用清单及发票原件，已转交核赔岗审核。",
    "客户要求加急处理，情绪较为激动，已安抚并承诺在24小时内由专人回电。",
    ("The customer confirmed the transaction was made by a family member "
     "and withdrew the dispute. "),
    "客户咨询分期还款手续费率，已告知12期费率为每期0.6%，提前还款需一次性结清剩余本金。",
    "经查询，该笔转账因收款行系统维护于当日18:00后入账，客户表示理解。",
    "客户反映手机银行登录时提示设备异常，已指导客户重新绑定设备并完成人脸识别验证。",
    "车险报案：客户于昨日下午在高架上与前车追尾，无人员受伤，已安排查勘员前往现场。",
    ("Policyholder requested a copy of the policy schedule to be sent by post; "
     "address on file confirmed. "),
    "客户申请调高信用卡临时额度至50000元用于出国旅行，已提交审批，预计2个工作日内答复。",
    "客户投诉网点排队时间过长，等候超过40分钟，已记录并反馈至网点负责人。",
    "客户咨询重疾险等待期及免责条款，已说明等待期为90天，等待期内确诊不予赔付。",
    "客户称其父亲已去世，需办理存款继承手续，已告知需携带死亡证明及继承公证书到柜台办理。",
    ("Advised the caller that we cannot discuss the account with a third party "
     "without authorisation. "),
    "客户要求注销不常用的借记卡，已告知需本人携带有效证件到开户网点办理。",
    "本次通话时长约8分钟，客户对处理结果表示满意，回访评价为非常满意。",
    "客户反映自动扣款失败，经核实为账户余额不足，已提醒客户在还款日前存入足额资金。",
    "客户咨询境外取现手续费，已告知每笔收取取现金额的1%，最低12元。",
    "健康险理赔：客户住院7天，申请报销医疗费用共计8,650元，材料齐全，进入理算环节。",
    "The caller wanted to update her mailing preferences and opt out of marketing calls. ",
    "客户表示收到的保单批改通知书中受益人信息有误，已登记批改申请并告知处理时限。",
]
END = ["。", "，", "; ", "。 ", "，请尽快处理。"]


def sample(rng: random.Random, slots: int = 3, prose: float = 0.5) -> Sample:
    """One note: ``slots`` labelled values or look-alikes, each followed by a sentence of
    narrative with probability ``prose`` (the accuracy set uses 0.5, the throughput texts 1.0,
    which makes about one value per 200 bytes, as in real notes)."""
    result = Sample()
    result.add(rng.choice(FILLER))
    for _ in range(slots):
        rng.choice(SLOTS)(rng, result)
        result.add(rng.choice(END))
        if rng.random() < prose:
            result.add(rng.choice(FILLER))
    return result


def corpus(count: int, seed: int = 20231105) -> list[Sample]:
    rng = random.Random(seed)
    return [sample(rng, rng.randint(1, 4)) for _ in range(count)]


def text_of_size(size_bytes: int, seed: int = 7) -> str:
    """Notes joined until the text reaches ``size_bytes`` of UTF-8 (then cut at a character)."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size_bytes:
        piece = sample(rng, rng.randint(1, 4), prose=1.0).text + "\n"
        parts.append(piece)
        total += len(piece.encode("utf-8"))
    data = "".join(parts).encode("utf-8")[:size_bytes]
    return data.decode("utf-8", errors="ignore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20231105)
    args = parser.parse_args()
    for item in corpus(args.count, args.seed):
        print(json.dumps({"text": item.text, "spans": item.spans, "lookalikes": item.lookalikes},
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
