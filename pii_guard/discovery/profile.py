"""Statistics of a column's values, computed the same way on a sample or on every row.

``ValueProfiler.profile(values)`` runs the detection engine over each value and counts, per
entity, the values that *are* that entity (a finding covering the whole value) and the values
that merely *contain* it (an identifier inside a remark). Cheap shape features (short Chinese
name, address-like, date, masked, code) support the entities no checksum can confirm.
``ValueStats`` are plain counters, so the Spark runner computes them per partition and adds
them up. Nothing in them is a value: distinct values are counted through 64-bit digests, at
most ``DISTINCT_CAP`` of them, which stay in memory and are never exported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pii_guard.detection.findings import Finding

DISTINCT_CAP = 1_000
WHOLE_COVER = 0.9
_CJK = r"\u3400-\u9fff"
_CJK_NAME = re.compile(rf"^[{_CJK}]{{2,4}}$|^[{_CJK}]{{1,6}}[·•][{_CJK}]{{1,8}}$")
_LATIN_NAME = re.compile(r"^[A-Z][a-z]+(?:[ \-'][A-Z][a-z]+){1,3}$|^[A-Z]+(?: [A-Z]+){1,3}$")
_ADDRESS = re.compile(rf"[{_CJK}].*(?:省|市|区|县|镇|乡|村|路|街|道|巷|弄|号|室|栋|幢|单元|楼)")
_EN_ADDRESS = re.compile(r"^\d+[A-Za-z]? [A-Za-z .]+ (?:St|Street|Rd|Road|Ave|Avenue|Lane|Ln|Blvd|"
                         r"Drive|Dr|Way|Court|Ct)\b", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})(?:[ T][\d:.]+(?:[+-]\d{2}:?\d{2}|Z)?)?$")
_MASKED = re.compile(r"[*＊]{2,}|[xX]{4,}")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_CODE = re.compile(r"^(?=.*\d)[0-9A-Za-z_\-]{1,4}$")
_TEXT = re.compile(rf"[{_CJK}a-zA-Z].*[\s，。；、].*[{_CJK}a-zA-Z]")
SEPARATOR = "\n\n\n"
BATCH_CHARS = 8_000
Observation = tuple[frozenset[str], frozenset[str], tuple[str, ...]]
SHAPES = ("cjk_name", "latin_name", "address", "date", "masked", "number", "code", "text")


class TextScanner(Protocol):
    """The detection engine as discovery uses it."""

    def scan_text(self, text: str) -> list[Finding]: ...


@dataclass
class ValueStats:
    """Counters over the non-null values of one column (mergeable: ``a.merge(b)``)."""

    values: int = 0
    whole: Counter[str] = field(default_factory=Counter)
    contains: Counter[str] = field(default_factory=Counter)
    shapes: Counter[str] = field(default_factory=Counter)
    digests: set[int] = field(default_factory=set)
    saturated: bool = False  # more distinct values than DISTINCT_CAP

    def merge(self, other: ValueStats) -> ValueStats:
        merged = ValueStats(self.values + other.values, self.whole + other.whole,
                            self.contains + other.contains, self.shapes + other.shapes,
                            set(self.digests), self.saturated or other.saturated)
        merged._add_digests(other.digests)
        return merged

    def _add_digests(self, digests: Iterable[int]) -> None:
        for digest in digests:
            if len(self.digests) >= DISTINCT_CAP:
                self.saturated = True
                return
            self.digests.add(digest)

    @property
    def distinct(self) -> int:
        return len(self.digests)

    def share(self, entity: str) -> float:
        return self.whole[entity] / self.values if self.values else 0.0

    def contains_share(self, entity: str) -> float:
        return self.contains[entity] / self.values if self.values else 0.0

    def shape_share(self, shape: str) -> float:
        return self.shapes[shape] / self.values if self.values else 0.0

    def distinct_share(self) -> float:
        """Distinct values per value (1.0 when every value differs)."""
        if not self.values:
            return 0.0
        return 1.0 if self.saturated else min(1.0, self.distinct / self.values)

    def to_evidence(self) -> dict[str, Any]:
        """Counts and shares only: safe to store, log and show."""
        def shares(counter: Mapping[str, int]) -> dict[str, float]:
            return {k: round(v / self.values, 3) for k, v in sorted(counter.items()) if v}
        return {"values": self.values, "distinct": f">{DISTINCT_CAP}" if self.saturated
                else self.distinct, "whole": shares(self.whole),
                "contains": shares(self.contains), "shapes": shares(self.shapes)}


def digest(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def shapes_of(value: str) -> list[str]:
    found = []
    if _NUMBER.match(value):
        found.append("number")
    elif _CODE.match(value):
        found.append("code")
    if _CJK_NAME.match(value) or _LATIN_NAME.match(value):
        found.append("cjk_name" if re.match(rf"[{_CJK}]", value) else "latin_name")
    if (_ADDRESS.search(value) and len(value) >= 6) or _EN_ADDRESS.match(value):
        found.append("address")
    if _MASKED.search(value):
        found.append("masked")
    match = _DATE.match(value)
    if match and _real_date(*(int(g) for g in match.groups())):
        found.append("date")
    if len(value) > 8 and _TEXT.search(value):
        found.append("text")
    return found


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return 1850 <= year <= 2200


class ValueProfiler:
    """Computes ``ValueStats`` with one detection engine (thread-safe, shared)."""

    def __init__(self, scanner: TextScanner, min_score: float = 0.5) -> None:
        self._scanner = scanner
        self._min_score = min_score

    def profile(self, values: Iterable[str], detect: bool = True) -> ValueStats:
        """Statistics of ``values``; ``detect=False`` skips the detection engine (dates,
        amounts: only their shapes matter)."""
        accumulator = self.accumulator(detect)
        for value in values:
            accumulator.add(value)
        return accumulator.stats()

    def accumulator(self, detect: bool = True) -> ColumnAccumulator:
        return ColumnAccumulator(self, detect)

    def observe(self, value: str, detect: bool = True) -> Observation:
        """Entities ``value`` is wholly, entities it contains, and its shapes."""
        return self.observe_many([value], detect)[0]

    def observe_many(self, values: Sequence[str], detect: bool = True) -> list[Observation]:
        """``observe`` for many values at once: the values worth detecting are joined into
        texts of up to ``BATCH_CHARS`` (separated by blank lines) and each text is scanned
        once, since one engine call costs far more than the characters it reads. A finding
        is credited to the value it lies in; one spanning two values is dropped."""
        shapes = [tuple(shapes_of(v)) for v in values]
        found: list[tuple[set[str], set[str]]] = [(set(), set()) for _ in values]
        wanted = [i for i, v in enumerate(values) if detect and len(v) >= 4
                  and not ("number" in shapes[i] and len(v) < 7)]
        for batch in _batches(values, wanted):
            starts: list[int] = []
            pieces: list[str] = []
            offset = 0
            for i in batch:
                starts.append(offset)
                pieces.append(values[i])
                offset += len(values[i]) + len(SEPARATOR)
            for finding in self._scanner.scan_text(SEPARATOR.join(pieces)):
                if finding.score < self._min_score:
                    continue
                k = bisect_right(starts, finding.start) - 1
                value = values[batch[k]]
                if finding.end > starts[k] + len(value):
                    continue
                whole, contains = found[batch[k]]
                if finding.end - finding.start >= WHOLE_COVER * len(value):
                    whole.add(finding.entity)
                else:
                    contains.add(finding.entity)
        return [(frozenset(whole), frozenset(contains - whole), shape)
                for (whole, contains), shape in zip(found, shapes, strict=True)]


def _batches(values: Sequence[str], indices: Sequence[int]) -> Iterator[list[int]]:
    batch: list[int] = []
    size = 0
    for i in indices:
        if batch and size + len(values[i]) > BATCH_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(i)
        size += len(values[i]) + len(SEPARATOR)
    if batch:
        yield batch


class ColumnAccumulator:
    """Adds one column's values (streaming a full table), detecting new values in batches and
    remembering the answers for repeated values (status codes, cities) up to a bound."""

    MEMO_LIMIT = 10_000
    FLUSH_VALUES = 256

    def __init__(self, profiler: ValueProfiler, detect: bool = True) -> None:
        self._profiler = profiler
        self._detect = detect
        self._stats = ValueStats()
        self._memo: dict[str, Observation] = {}
        self._pending: list[str] = []
        self._digests: set[int] = set()

    def add(self, value: str) -> None:
        self._pending.append(value)
        if len(self._pending) >= self.FLUSH_VALUES:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        unknown = list(dict.fromkeys(v for v in pending if v not in self._memo))
        fresh = dict(zip(unknown, self._profiler.observe_many(unknown, self._detect),
                         strict=True))
        stats = self._stats
        for value in pending:
            seen = self._memo.get(value) or fresh[value]
            stats.values += 1
            whole, contains, shapes = seen
            stats.whole.update(whole)
            stats.contains.update(contains)
            stats.shapes.update(shapes)
            if len(self._digests) <= DISTINCT_CAP:
                self._digests.add(digest(value))
        for value, seen in fresh.items():
            if len(self._memo) >= self.MEMO_LIMIT:
                break
            self._memo[value] = seen

    def stats(self) -> ValueStats:
        self._flush()
        result = ValueStats(self._stats.values, Counter(self._stats.whole),
                            Counter(self._stats.contains), Counter(self._stats.shapes))
        result._add_digests(self._digests)
        return result
