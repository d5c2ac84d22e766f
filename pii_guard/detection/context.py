"""Cue words around a candidate value: which one applies, and what it does to the score.

Cue words (身份证, 卡号, 订单号, mobile, order no ...) are found in the same Hyperscan pass as the
patterns. For a candidate the engine takes the **nearest relevant cue** before it within the
window, or if there is none a positive cue right after it (``13812345678（手机）``; other
cues after a value introduce the next value). Relevant means a positive cue of the candidate's
entity, a negative cue (look-alike announcers such as 订单号, 流水号, 金额), or a cue of another
entity close before it (身份证号 right before a Luhn-valid number says it is not a card).
A cue followed by another value (a run of four digits) before the candidate belongs to that
value, not to this one, and cues do not reach across the end of a sentence. Cue hits inside
longer cue hits (单号 inside 保单号) are dropped first.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from pii_guard.detection.compiled import CueWord

# What stops a cue from reaching a value: another value (a run of four digits) or the end of a
# sentence or line between them.
_BARRIER = re.compile(r"\d{4}|[。；;！？!?\n]")
OTHER_REACH = 8  # a cue of another entity counts only this close (身份证号 6222...)

CueHit = tuple[int, int, int]  # (start, end, cue index)


@dataclass(frozen=True, slots=True)
class CueVerdict:
    positive: bool
    negative: bool
    other: bool = False  # the nearest cue announces a different entity (身份证号 before a card)


NO_CUE = CueVerdict(False, False)


def outermost(hits: list[CueHit]) -> list[CueHit]:
    """Cue hits not strictly inside another hit, sorted by start."""
    hits.sort(key=lambda h: (h[0], -h[1]))
    kept: list[CueHit] = []
    reach = -1
    for hit in hits:
        if hit[1] <= reach:
            continue
        kept.append(hit)
        reach = hit[1]
    return kept


_POSITIVE = CueVerdict(True, False)
_NEGATIVE = CueVerdict(False, True)
_OTHER = CueVerdict(False, False, other=True)


class CueIndex:
    """The cue hits of one text, searchable by position."""

    def __init__(self, text: str, hits: list[CueHit], cues: list[CueWord], before: int,
                 after: int) -> None:
        self.present: set[int] = set()  # pattern rules with a positive cue somewhere in the text
        for _, _, cue in hits:
            self.present |= cues[cue].positive
        self._text = text
        self._cues = cues
        self._before = before
        self._after = after
        self._by_end = sorted(hits, key=lambda h: h[1])
        self._ends = [h[1] for h in self._by_end]
        self._by_start = hits  # outermost() returns them sorted by start
        self._starts = [h[0] for h in hits]

    def verdict(self, rule: int, entity: str, start: int, end: int) -> CueVerdict:
        if not self._ends:
            return NO_CUE
        i = bisect_right(self._ends, start) - 1
        while i >= 0 and self._ends[i] >= start - self._before:
            cue_start, cue_end, cue = self._by_end[i]
            verdict = self._meaning(rule, entity, cue)
            if verdict is not None:
                if _BARRIER.search(self._text, cue_end, start):
                    break
                if verdict is not _OTHER or start - cue_end <= OTHER_REACH:
                    return verdict
            i -= 1
        j = bisect_left(self._starts, end)
        while j < len(self._starts) and self._starts[j] <= end + self._after:
            cue_start, _, cue = self._by_start[j]
            verdict = self._meaning(rule, entity, cue)
            if verdict is not None:
                if verdict.positive and not _BARRIER.search(self._text, end, cue_start):
                    return verdict
                break  # a cue after a value that is not its own introduces the next value
            j += 1
        return NO_CUE

    def _meaning(self, rule: int, entity: str, cue_index: int) -> CueVerdict | None:
        cue = self._cues[cue_index]
        if rule in cue.positive or entity in cue.announces:
            return _POSITIVE
        if cue.negative_everywhere or rule in cue.negative:
            return _NEGATIVE
        if cue.announces:
            return _OTHER
        return None
