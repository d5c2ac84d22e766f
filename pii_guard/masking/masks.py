"""Partial display (mask) and coarsening (generalise): pure functions of a value and its rule.

Masks count only letters and digits as "characters" for keep_first / keep_last, so separators
(spaces in ``6222 0212 3456``, hyphens in ``021-1234``) stay in place and reveal nothing new.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Mapping

from pii_guard.masking.rules import GeneraliseRule, MaskRule

# Compound surnames (复姓) used when a PERSON finding carries no surname_end.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "令狐", "端木", "西门", "南宫", "独孤", "澹台", "公冶", "呼延",
    "闻人", "太史", "申屠", "钟离", "赫连", "万俟", "百里", "东郭", "拓跋", "完颜",
})

# Regional-prefix heuristic for addresses without coarse_end: administrative suffixes, and the
# characters that start the street part (scanning stops there).
_ADMIN_SUFFIXES = frozenset("省市区县旗州盟")
_STREET_STARTS = frozenset("路街道号巷弄村镇乡楼栋幢室")
_ADMIN_WINDOW = 20


def _significant(ch: str) -> bool:
    return ch.isalnum()


def mask_keep(value: str, rule: MaskRule) -> str:
    """Keep the first and last letters/digits the rule allows, hide the rest one for one."""
    positions = [i for i, ch in enumerate(value) if _significant(ch)]
    n = len(positions)
    keep: set[int] = set()
    if n >= rule.min_length and rule.keep_first + rule.keep_last < n:
        keep = set(positions[: rule.keep_first]) | set(positions[n - rule.keep_last:])
    hidden = set(positions) - keep
    return "".join(rule.char if i in hidden else ch for i, ch in enumerate(value))


def surname_length(value: str, attributes: Mapping[str, str]) -> int:
    end = attributes.get("surname_end")
    if end is not None and end.isdigit() and 0 < int(end) < len(value):
        return int(end)
    if value[:2] in COMPOUND_SURNAMES and len(value) > 2:
        return 2
    return 1


def mask_name(value: str, rule: MaskRule, attributes: Mapping[str, str]) -> str:
    """Chinese names keep the surname (张三 -> 张*); Latin names keep each word's initial."""
    if not value:
        return value
    if value.isascii():
        return " ".join(word[:1] + rule.char * (len(word) - 1) for word in value.split(" "))
    keep = surname_length(value, attributes)
    if len(value) <= 1:
        return rule.char
    return value[:keep] + rule.char * (len(value) - keep)


def mask_email(value: str, rule: MaskRule) -> str:
    """First character of the local part and the whole domain: z***@example.com."""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return mask_keep(value, rule)
    return local[0] + rule.char * 3 + "@" + domain


def district_end(value: str, attributes: Mapping[str, str]) -> int:
    """Index where the district part of an address ends (0 when none is recognisable)."""
    end = attributes.get("coarse_end")
    if end is not None and end.isdigit() and 0 < int(end) <= len(value):
        return int(end)
    found = 0
    for i, ch in enumerate(value[:_ADMIN_WINDOW]):
        if ch in _STREET_STARTS:
            break
        if ch in _ADMIN_SUFFIXES and i >= 1:
            found = i + 1
    return found


def mask_address(value: str, rule: MaskRule, attributes: Mapping[str, str]) -> str:
    """上海市浦东新区世纪大道100号 -> 上海市浦东新区****: the district and a fixed run."""
    end = district_end(value, attributes)
    if end >= len(value):
        return value
    return value[:end] + rule.char * rule.fixed


def mask(value: str, rule: MaskRule, attributes: Mapping[str, str]) -> str:
    if rule.style == "name":
        return mask_name(value, rule, attributes)
    if rule.style == "email":
        return mask_email(value, rule)
    if rule.style == "address":
        return mask_address(value, rule, attributes)
    return mask_keep(value, rule)


_DATE = re.compile(r"(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})")


def birth_date(value: str) -> dt.date | None:
    match = _DATE.search(value)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def age_band(born: dt.date, today: dt.date) -> str:
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    low = max(age, 0) // 10 * 10
    return f"{low}-{low + 9}"


def generalise(value: str, rule: GeneraliseRule, attributes: Mapping[str, str],
               today: dt.date | None = None) -> str | None:
    """The coarser value, or None when the value does not parse (the caller masks instead)."""
    if rule.to in ("year", "age_band"):
        born = birth_date(value)
        if born is None:
            return None
        if rule.to == "year":
            return f"{born.year:04d}"
        return age_band(born, today or dt.date.today())
    if rule.to == "district":
        end = district_end(value, attributes)
        return value[:end] if end else None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
