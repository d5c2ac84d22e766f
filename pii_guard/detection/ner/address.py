"""``cn_address``: Chinese postal addresses, with how precise each one is.

An address is a chain of administrative divisions (province > city > district, each in full or
short form, from the gazetteer) followed by optional detail (town or sub-district, road and
number, residential complex, building, unit, floor, room), or detail alone when it starts with
a road and carries a house number or follows a cue such as 住在 / 地址：. Each finding says
how precise it is (``province`` ... ``full``) and where its part down to the district ends
(``coarse_end``), so masking can keep 上海市浦东新区 and hide the rest.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pii_guard.detection.findings import Finding
from pii_guard.detection.ner.divisions import (
    CITY,
    DISTRICT,
    LEVEL_NAMES,
    PROVINCE,
    DivisionHit,
    Gazetteer,
)
from pii_guard.detection.ner.lexicon import has_han

_CJK = "\u4e00-\u9fff"
_NUM = r"[0-9０-９一二三四五六七八九十百零〇]+"
_ROAD_SUFFIX = r"(?:大道|大街|路|街|巷|弄|胡同)"
_TOWN = rf"(?P<town>[{_CJK}]{{2,4}}?(?:镇|乡|街道)(?:办事处)?)?"
_VILLAGE = rf"(?P<village>[{_CJK}]{{2,4}}?(?:村|社区))?"
_ROAD = (
    rf"(?P<road>(?:[{_CJK}]{{1,7}}?(?:{_ROAD_SUFFIX}|里|道)(?:[东西南北中]段|{_NUM}段)?){{1,2}})?"
    rf"(?P<lane>{_NUM}[弄巷])?(?P<number>(?:[甲乙丙]?{_NUM}[-－]?)+号(?:院)?)?"
)
_COMPLEX = (
    rf"(?P<complex>[{_CJK}A-Za-z]{{2,8}}?(?:花园|小区|公寓|大厦|广场|家园|新村|苑|府|城|"
    rf"中心|国际|大楼|山庄|名邸|华庭|庭院|雅苑|公馆|工业区|开发区|产业园|园区|园))?"
)
_UNITS = (
    rf"(?P<building>(?:{_NUM}|[A-Za-z])(?:栋|幢|号楼|座|号院))?(?P<unit>{_NUM}单元)?"
    rf"(?P<floor>{_NUM}(?:层|楼)(?![A-Za-z0-9]))?(?P<room>[0-9０-９]+[-－]?[0-9０-９]*(?:室|房|户))?"
)
_DETAIL = re.compile(_TOWN + _VILLAGE + _ROAD + _COMPLEX + _UNITS)
_ROAD_ANCHOR = re.compile(_ROAD_SUFFIX)
_STEM_STOP = set("在住于到是从往至的和与及址为向去了过：:，,、。；;！!？? \n\t（）()“”\"'")
_CUES = (
    "住在",
    "住址",
    "地址",
    "家住",
    "居住",
    "位于",
    "寄往",
    "寄到",
    "寄至",
    "送至",
    "送到",
    "到",
    "在",
    "于",
    "址",
    "为",
)
# A road suffix after these characters usually makes an everyday word (思路, 逛街, 小巷).
_NOT_ROAD_STEM_END = set(
    "思道一马出网线公铁电套销后前老弯歧活退上门水陆来走带让问进末半迷逛满沿临当过大小长"
)
_ORG_AFTER = (
    "银行",
    "分行",
    "支行",
    "大学",
    "公司",
    "集团",
    "医院",
    "日报",
    "电视",
    "卫视",
    "晚报",
    "队",
    "证券",
    "保险",
    "分公司",
    "政府",
    "人民",
    "海关",
    "法院",
    "检察院",
    "中学",
    "小学",
)
# Short forms of cities that are everyday words far more often than places (朝阳 morning sun,
# 白银 silver, 中山 as in 中山路): they count only inside a longer address.
_WEAK_SHORT = frozenset(
    [
        "朝阳",
        "大同",
        "长治",
        "安康",
        "中山",
        "三明",
        "阿里",
        "玉树",
        "白山",
        "黑河",
        "白银",
        "普洱",
        "黄山",
        "天门",
        "仙桃",
        "兴安",
        "海东",
        "海北",
        "和田",
        "通化",
        "红河",
        "文山",
        "保山",
        "白城",
        "金昌",
        "吉安",
        "新余",
        "丽江",
        "大理",
        "铜陵",
        "通辽",
        "本溪",
        "阜新",
        "抚顺",
    ]
)
_MUNICIPAL = ("11", "12", "31", "50")
_SUFFIX_CHARS = ("路", "街", "道", "巷", "弄", "胡同", "大道", "大街")
# Two-character words ending in a road suffix that are not roads without a house number.
_NOT_ROADS = frozenset(
    [
        "思路",
        "道路",
        "一路",
        "马路",
        "出路",
        "网路",
        "线路",
        "公路",
        "铁路",
        "电路",
        "套路",
        "销路",
        "后路",
        "前路",
        "老路",
        "弯路",
        "活路",
        "退路",
        "上路",
        "门路",
        "水路",
        "陆路",
        "来路",
        "走路",
        "带路",
        "让路",
        "问路",
        "进路",
        "末路",
        "半路",
        "迷路",
        "逛街",
        "满街",
        "沿街",
        "临街",
        "当街",
        "过街",
        "上街",
        "小巷",
        "长街",
    ]
)
_FULL_GROUPS = ("number", "lane", "building", "unit", "floor", "room")
_STREET_GROUPS = ("town", "village", "road", "complex")


@dataclass(frozen=True, slots=True)
class _Chain:
    start: int
    end: int
    level: int  # deepest division level in the chain
    all_short: bool
    last_short: bool  # the last division matched in short form (浦东, 朝阳)
    prev_end: int  # where the chain ends without its last division (== start if only one)
    municipal: bool  # a municipality (北京市, 上海市): a city although a province-level unit


class ChineseAddressRecognizer:
    """Finds ADDRESS spans; see the module docstring for the grammar."""

    name: str = "cn_address"
    entities: tuple[str, ...] = ("ADDRESS",)

    def __init__(self, gazetteer: Gazetteer, *, score: float = 0.85) -> None:
        self._gazetteer = gazetteer
        self._score = score

    @classmethod
    def default(cls) -> ChineseAddressRecognizer:
        """Over the packaged division list (loaded once per process, then shared)."""
        return _default_address()

    def analyze(self, text: str) -> list[Finding]:
        if not has_han(text):
            return []
        findings: list[Finding] = []
        taken_until = 0
        for chain in self._chains(text):
            if chain.start < taken_until:
                continue
            finding = self._with_detail(text, chain)
            if finding is not None:
                findings.append(finding)
                taken_until = finding.end
        findings.extend(self._road_addresses(text, findings))
        findings.sort(key=lambda f: f.start)
        return findings

    def _chains(self, text: str) -> list[_Chain]:
        by_start: dict[int, DivisionHit] = {}
        for hit in self._gazetteer.find(text):
            best = by_start.get(hit.start)
            if best is None or hit.end > best.end:
                by_start[hit.start] = hit
        chains = []
        used: set[int] = set()
        for start in sorted(by_start):
            if start in used:
                continue
            hit = last = by_start[start]
            level, end, prev_end, all_short = hit.level, hit.end, start, hit.short
            while (nxt := by_start.get(end)) is not None and _continues(text, level, nxt):
                used.add(end)
                prev_end, last = end, nxt
                level, end, all_short = nxt.level, nxt.end, all_short and nxt.short
            chains.append(
                _Chain(
                    start,
                    end,
                    level,
                    all_short,
                    last.short,
                    prev_end,
                    last.code[:2] in _MUNICIPAL and level == PROVINCE,
                )
            )
        return chains

    def _with_detail(self, text: str, chain: _Chain) -> Finding | None:
        alone_short_district = (
            chain.level == DISTRICT and chain.prev_end == chain.start and (chain.last_short)
        )
        if chain.last_short and text.startswith(_SUFFIX_CHARS, chain.end):
            # 北京 + 路 is 北京路, a road, not the city: drop the short division.
            if chain.prev_end == chain.start:
                return None
            chain = _Chain(
                chain.start,
                chain.prev_end,
                chain.level - 1,
                chain.all_short,
                False,
                chain.start,
                False,
            )
        match = _DETAIL.match(text, chain.end)
        has_detail = match is not None and match.end() > chain.end
        level = LEVEL_NAMES[CITY if chain.municipal else chain.level]
        if alone_short_district and not (has_detail and match is not None and _strong(match)):
            return None  # 朝阳 / 浦东 alone are words as often as places
        if not has_detail or match is None:
            if text.startswith(_ORG_AFTER, chain.end):
                return None
            if chain.all_short and text[chain.start : chain.end] in _WEAK_SHORT:
                return None
            return self._finding(chain.start, chain.end, level, chain.end)
        return self._finding(chain.start, match.end(), _precision(match, level), chain.end)

    def _road_addresses(self, text: str, found: list[Finding]) -> list[Finding]:
        out: list[Finding] = []
        ends = sorted(f.end for f in found)
        covered = [(f.start, f.end) for f in found]
        last_end = 0
        for anchor in _ROAD_ANCHOR.finditer(text):
            a = anchor.start()
            if a < last_end or any(s <= a < e for s, e in covered):
                continue
            floor = max([e for e in ends if e <= a], default=0)
            stem_start = a
            while (
                stem_start > floor
                and a - stem_start < 6
                and _is_cjk(text[stem_start - 1])
                and (text[stem_start - 1] not in _STEM_STOP)
            ):
                stem_start -= 1
            if a - stem_start < 2:
                continue
            match = _DETAIL.match(text, stem_start)
            if match is None or not match.group("road"):
                continue
            has_number = any(match.group(g) for g in _FULL_GROUPS)
            if not has_number:
                cue = text[max(0, stem_start - 2) : stem_start]
                if not cue.endswith(_CUES) or text[a - 1] + anchor.group() in _NOT_ROADS:
                    continue
            finding = self._finding(
                stem_start, match.end(), _precision(match, "street"), stem_start
            )
            out.append(finding)
            last_end = finding.end
        return out

    def _finding(self, start: int, end: int, precision: str, coarse_end: int) -> Finding:
        return Finding(
            entity="ADDRESS",
            start=start,
            end=end,
            score=self._score,
            recognizer=self.name,
            attributes={"precision": precision, "coarse_end": str(coarse_end - start)},
        )


def _continues(text: str, level: int, nxt: DivisionHit) -> bool:
    """Whether ``nxt`` extends a chain that reached ``level`` (地区 + 市 may repeat a level)."""
    if nxt.short and text.startswith(("镇", "乡", "街道"), nxt.end):
        return False  # 东方镇 is a town named like a division, not the division
    return nxt.level > level or (nxt.level == level > PROVINCE and not nxt.short)


def _strong(match: re.Match[str]) -> bool:
    """Detail that makes a place of what precedes it: a number, or a road of 2+ characters."""
    road = match.group("road") or ""
    return any(match.group(g) for g in _FULL_GROUPS) or len(road) >= 3


def _precision(match: re.Match[str], coarse: str) -> str:
    if any(match.group(g) for g in _FULL_GROUPS):
        return "full"
    if any(match.group(g) for g in _STREET_GROUPS):
        return "street"
    return coarse


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@functools.cache
def _default_address() -> ChineseAddressRecognizer:
    return ChineseAddressRecognizer(Gazetteer.from_region_data())
