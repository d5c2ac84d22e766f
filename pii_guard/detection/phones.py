"""Phone-number validators: mainland mobiles and fixed lines, and international numbers.

phonenumbers' metadata is the oracle. Mainland mobile ranges are read from it once into a
table of five-digit prefixes (a lookup per candidate instead of a metadata walk); fixed lines and
foreign numbers are checked on ``PhoneNumber`` objects built directly, which skips parsing.
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType

WEAK_LANDLINE = -0.1


def _cn_national(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if value.lstrip().startswith(("+86", "(86)", "（86）")) or (
            digits.startswith("0086") and len(digits) > 12):
        digits = digits[4:] if digits.startswith("0086") else digits[2:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


@functools.cache
def cn_mobile_prefixes() -> frozenset[str]:
    """Five-digit prefixes of allocated mainland mobile ranges, read once from phonenumbers'
    CN metadata (its mobile pattern decides on at most the first five digits)."""
    prefixes = set()
    for prefix in range(13000, 20000):
        low = PhoneNumber(country_code=86, national_number=prefix * 10**6)
        high = PhoneNumber(country_code=86, national_number=prefix * 10**6 + 999_999)
        if all(phonenumbers.number_type(n) in _MOBILE_TYPES for n in (low, high)):
            prefixes.add(str(prefix))
    return frozenset(prefixes)


_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def cn_mobile(value: str) -> float | None:
    """Mainland mobile number (11 digits, 1[3-9]) in an allocated range (phonenumbers)."""
    digits = _cn_national(value)
    if len(digits) != 11 or digits[:5] not in cn_mobile_prefixes():
        return None
    return 0.0


_FIXED_TYPES = (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _fixed_line(national: str) -> bool:
    number = PhoneNumber(country_code=86, national_number=int(national))
    return (phonenumbers.is_valid_number(number)
            and phonenumbers.number_type(number) in _FIXED_TYPES)


def cn_landline(value: str) -> float | None:
    """Mainland fixed line with area code (phonenumbers' CN metadata); hotline ranges (400/800)
    are not personal. A seven-digit subscriber number where the area now has eight digits is
    still accepted, a little weaker: notes keep old numbers."""
    national = _cn_national(value).lstrip("0")
    if not 9 <= len(national) <= 11:
        return None
    if _fixed_line(national):
        return 0.0
    for area_length in (2, 3):
        subscriber = national[area_length:]
        if len(subscriber) == 7 and _fixed_line(national[:area_length] + subscriber + "0"):
            return WEAK_LANDLINE
    return None


PHONE_REGIONS = ("US", "GB", "DE", "FR", "NL", "BE", "CH", "SE", "AU", "CA", "IN", "IL", "BR",
                 "HK", "SG")
DATE_SHAPE = re.compile(r"^(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./]\d\d?$")
_DOTTED_QUAD = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?)\s?\d{1,5}$", re.IGNORECASE)
_NON_DIGIT = re.compile(r"\D")


@functools.cache
def region_prefixes() -> tuple[tuple[int, str], ...]:
    """(country calling code, national prefix) of each region tried for national formats."""
    result = []
    for region in PHONE_REGIONS:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if metadata is None or metadata.country_code is None:
            raise LookupError(f"phonenumbers has no metadata for {region}")
        result.append((int(metadata.country_code), str(metadata.national_prefix or "")))
    return tuple(result)


PLAUSIBLE = -0.25  # written like a phone number but not valid: reported only next to a cue
_SEPARATOR = re.compile(r"[ .()-]")


def phone_number(value: str) -> float | None:
    """International phone number: valid in its own country (``+CC``/``00CC``; mainland numbers
    are left to CN_MOBILE/CN_LANDLINE) or, written nationally, valid in one of the regions above
    by phonenumbers' metadata. A number that is only *possible* (right length, unallocated or
    fictional range, a local number without its area code) gets ``PLAUSIBLE``, so that only a
    phone cue makes it a finding. Dates, dotted quads and 11-digit 1xx numbers (mainland
    mobile shapes, valid or not) are refused."""
    text = _EXTENSION.sub("", value.strip())
    number = _NON_DIGIT.sub("", text)
    if not 7 <= len(number) <= 15 or DATE_SHAPE.match(text) or _DOTTED_QUAD.match(text):
        return None
    if text.startswith(("+", "00")):
        international = number[2:] if text.startswith("00") else number
        if international.startswith("86"):
            return None
        try:
            parsed = phonenumbers.parse("+" + international, None)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(parsed):
            return 0.0
        return PLAUSIBLE if phonenumbers.is_possible_number(parsed) else None
    if len(number) == 11 and number.startswith("1"):
        return None
    if len(number) <= 8:
        # eight digits or fewer are valid somewhere (Hong Kong, Singapore) but are just as
        # likely a house number or a code: written like a phone, a cue must say it is one
        return PLAUSIBLE if _SEPARATOR.search(text) else None
    possible = False
    for country_code, prefix in region_prefixes():
        national = number[len(prefix):] if prefix and number.startswith(prefix) else number
        if not national:
            continue
        candidate = PhoneNumber(country_code=country_code, national_number=int(national))
        if phonenumbers.is_valid_number(candidate):
            return 0.0
        possible = possible or phonenumbers.is_possible_number(candidate)
    return PLAUSIBLE if possible else None
