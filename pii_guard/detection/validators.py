"""Validators referenced by name from rule packs.

A validator sees one candidate value (as matched, separators included) and answers ``None``
when the value is not that entity (bad check digit, impossible date, wrong issuer range), or a
score adjustment (usually ``0.0``; negative for weaker forms such as a card from a minor issuer
range). Checks use python-stdnum and phonenumbers rather than re-implemented algorithms.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable, Mapping

from stdnum import iban, imei, luhn
from stdnum.cn import ric, uscc
from stdnum.us import ssn

from pii_guard.detection.normalise import compact
from pii_guard.detection.phones import (
    DATE_SHAPE,
    cn_landline,
    cn_mobile,
    cn_mobile_prefixes,
    phone_number,
    region_prefixes,
)

Validator = Callable[[str], float | None]

# First two digits of resident ID numbers (GB/T 2260 provinces, 71 Taiwan, 81/82 HK/Macau).
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
})
_MIN_BIRTH_YEAR = 1900
_WEAK = -0.2


def _today() -> dt.date:
    return dt.date.today()


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        date = dt.date(year, month, day)
    except (ValueError, OverflowError):  # 31-digit "years" in free text
        return None
    if date.year < _MIN_BIRTH_YEAR or date > _today():
        return None
    return date


def cn_resident_id(value: str) -> float | None:
    """18-character resident ID: province code, real birth date, ISO 7064 MOD 11-2 check.
    The county part is not looked up: county codes are retired and renamed, IDs stay valid."""
    number = compact(value).upper()
    if len(number) != 18 or not number[:17].isdigit() or number[:2] not in PROVINCE_CODES:
        return None
    if _real_date(int(number[6:10]), int(number[10:12]), int(number[12:14])) is None:
        return None
    return 0.0 if ric.calc_check_digit(number) == number[17] else None


def cn_resident_id_15(value: str) -> float | None:
    """Legacy 15-digit resident ID (issued until 2004): province code and a real 19YY date."""
    number = compact(value)
    if len(number) != 15 or not number.isdigit() or number[:2] not in PROVINCE_CODES:
        return None
    date = _real_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return 0.0 if date is not None else None


_STRONG_IIN: tuple[tuple[str, frozenset[int]], ...] = (
    ("62", frozenset({16, 17, 18, 19})),           # UnionPay
    ("4", frozenset({13, 16, 19})),                # Visa
    ("34", frozenset({15})), ("37", frozenset({15})),  # American Express
    ("35", frozenset({16, 17, 18, 19})),           # JCB
    ("6011", frozenset({16, 19})), ("65", frozenset({16, 19})),  # Discover
)
_MASTERCARD_2 = range(2221, 2721)


_WEAK_IIN: tuple[tuple[tuple[str, ...], range], ...] = (
    (("30", "36", "38", "39"), range(14, 15)),               # Diners Club
    (("1800", "2131"), range(15, 17)),                       # JCB, older ranges
    (("50", "56", "57", "58", "60", "63", "67", "69"), range(12, 20)),  # Maestro and others
)


def _iin_strength(number: str) -> float | None:
    """0.0 for a major issuer range and length, WEAK for a minor one, None for no card."""
    n = len(number)
    for prefix, lengths in _STRONG_IIN:
        if number.startswith(prefix) and n in lengths:
            return 0.0
    if n == 16 and ("51" <= number[:2] <= "55" or int(number[:4]) in _MASTERCARD_2):
        return 0.0
    for prefixes, weak_lengths in _WEAK_IIN:
        if number.startswith(prefixes) and n in weak_lengths:
            return _WEAK
    return None


def payment_card(value: str) -> float | None:
    """Payment card: 12-19 digits, Luhn, and an issuer range (UnionPay 62, Visa, Mastercard,
    Amex, JCB, Discover strong; Maestro, Diners and older ranges weaker)."""
    number = compact(value)
    if not (12 <= len(number) <= 19) or not number.isdigit() or len(set(number)) == 1:
        return None
    strength = _iin_strength(number)
    if strength is None or luhn.checksum(number) != 0:
        return None
    return strength


def bank_account(value: str) -> float | None:
    """Non-card account number: 10-25 digits; no universal check digit, so context decides."""
    number = compact(value)
    if not (10 <= len(number) <= 25) or not number.isdigit() or len(set(number)) <= 2:
        return None
    return 0.0


_USCC_FIRST = frozenset("123456789ANY")
_USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
_USCC_SECOND = frozenset("12359")


def cn_uscc(value: str) -> float | None:
    """Unified social credit code: GB 32100 check character, registration authority and
    organisation type codes, and an area code starting with a province code."""
    code = compact(value).upper()
    if len(code) != 18 or code[0] not in _USCC_FIRST or code[1] not in _USCC_SECOND:
        return None
    if code[2:4] not in PROVINCE_CODES or not code[2:8].isdigit():
        return None
    if not all(c in _USCC_ALPHABET for c in code) or uscc.calc_check_digit(code[:17]) != code[17]:
        return None
    return _WEAK if code.isdigit() else 0.0


_PLATE_LETTERS = re.compile(r"[A-Z]")


def cn_vehicle_plate(value: str) -> float | None:
    """Plate: province + issuing-office letter + 5 characters (at most two letters, as issued)
    or 6 for new-energy vehicles (small: D/F + letter-or-digit + 4 digits; large: 5 digits +
    D/F)."""
    plate = value.replace(" ", "").replace("·", "").replace("-", "").upper()
    tail = plate[2:]
    if tail[-1:] in ("挂", "学", "警", "港", "澳", "领"):
        tail = tail[:-1]
    if len(tail) == 5:
        return 0.0 if len(_PLATE_LETTERS.findall(tail)) <= 2 and tail[-1].isdigit() else None
    if len(tail) == 6:
        small = tail[0] in "DF" and tail[2:].isdigit()
        large = tail[:5].isdigit() and tail[5] in "DF"
        return 0.0 if small or large else None
    return None


_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
                    r"[A-Za-z]{2,24}$")


def email_address(value: str) -> float | None:
    """RFC 5322 practical subset; the top-level domain must be alphabetic (checked offline)."""
    local = value.split("@", 1)[0]
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    return 0.0 if _EMAIL.match(value) else None


def ipv4(value: str) -> float | None:
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        return None
    return None if address.is_unspecified else 0.0


def ipv6(value: str) -> float | None:
    if value.count(":") < 2:
        return None
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return None
    return None if address.is_unspecified else 0.0


def mac_address(value: str) -> float | None:
    separators = set(re.sub(r"[0-9A-Fa-f]", "", value))
    if len(separators) > 1:
        return None
    digits = re.sub(r"[^0-9A-Fa-f]", "", value).upper()
    if len(digits) != 12 or digits in ("000000000000", "FFFFFFFFFFFF"):
        return None
    return 0.0


def imei_number(value: str) -> float | None:
    number = compact(value)
    return 0.0 if len(number) == 15 and imei.is_valid(number) else None


def iban_code(value: str) -> float | None:
    return 0.0 if iban.is_valid(value.upper()) else None


def us_ssn(value: str) -> float | None:
    number = compact(value)
    return 0.0 if len(number) == 9 and ssn.is_valid(number) else None


_MONTHS = {name: i for i, names in enumerate(
    ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
     "aug august", "sep sept september", "oct october", "nov november", "dec december"),
    start=1) for name in names.split()}


def date_of_birth(value: str) -> float | None:
    """A real calendar date between 1900 and today, in Chinese, ISO, US or European order,
    or with an English month name."""
    words = re.findall(r"[A-Za-z]+", value)
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    if words:
        month = _MONTHS.get(words[0].lower().rstrip("."))
        if month is None or len(numbers) != 2:
            return None
        day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
        return 0.0 if _real_date(year, month, day) else None
    if len(numbers) == 1 and len(str(numbers[0])) == 8:
        digits = str(numbers[0])
        return 0.0 if _real_date(int(digits[:4]), int(digits[4:6]), int(digits[6:])) else None
    if len(numbers) != 3:
        return None
    first, second, third = numbers
    if first > 31:
        return 0.0 if _real_date(first, second, third) else None
    if _real_date(third, first, second) or _real_date(third, second, first):
        return 0.0
    return None


def card_expiry(value: str) -> float | None:
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    if len(numbers) != 2:
        return None
    month = numbers[0] if numbers[0] <= 12 else numbers[1]
    return 0.0 if 1 <= month <= 12 else None


def secret_token(value: str) -> float | None:
    """A password-like value after a cue: refuse plain words ("password is incorrect")."""
    if not 3 <= len(value) <= 64:
        return None
    if value.isalpha() and (value.islower() or value.isupper() or value.istitle()):
        return None
    return 0.0


def reference_number(value: str) -> float | None:
    """Policy or claim number after its cue: at least four digits, not a date."""
    if sum(c.isdigit() for c in value) < 4 or DATE_SHAPE.match(value):
        return None
    return 0.0


def warm_up() -> None:
    """Build the tables validators read lazily, so the first request does not pay for them."""
    cn_mobile_prefixes()
    region_prefixes()


BUILTIN_VALIDATORS: Mapping[str, Validator] = {
    "cn_resident_id": cn_resident_id,
    "cn_resident_id_15": cn_resident_id_15,
    "payment_card": payment_card,
    "bank_account": bank_account,
    "cn_mobile": cn_mobile,
    "cn_landline": cn_landline,
    "phone_number": phone_number,
    "cn_uscc": cn_uscc,
    "cn_vehicle_plate": cn_vehicle_plate,
    "email_address": email_address,
    "ipv4": ipv4,
    "ipv6": ipv6,
    "mac_address": mac_address,
    "imei": imei_number,
    "iban": iban_code,
    "us_ssn": us_ssn,
    "date_of_birth": date_of_birth,
    "card_expiry": card_expiry,
    "secret_token": secret_token,
    "reference_number": reference_number,
}
