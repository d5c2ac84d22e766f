"""One pass over the text for every pattern and every cue word: a Hyperscan database.

Why Hyperscan: it compiles all expressions into one automaton and scans in time linear in the
input, whatever the patterns (no backtracking exists to go catastrophic). Measured here
(``benchmarks/matcher_choice.py``, ~40 rule patterns and ~390 cue words over 10 KB notes) it
is faster than google-re2 running one alternation (which, leftmost-first, loses overlapping
candidates the engine needs: a digit run that is both a card and an account) and about twenty
times faster than one re2 pass per expression.

Constraints it brings, handled here:

* start offsets need ``HS_FLAG_SOM_LEFTMOST``; for each end offset only the leftmost start is
  reported (the engine retries shorter starts where that matters);
* no look-around, no back-references (a pack using them fails at start-up, naming the rule);
* offsets are in UTF-8 bytes; they are converted to Python string indices here;
* scratch space is per thread (scans run on the service's compute threads and in the CLI);
* compiling ~40 patterns and ~300 cue words takes about a second, so the serialised database
  is kept per distinct expression list (``_compiled``): every ``Services`` of a process (and
  every test) after the first loads it in milliseconds.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import hyperscan

BASE_FLAGS = hyperscan.HS_FLAG_SOM_LEFTMOST | hyperscan.HS_FLAG_UTF8
Hit = tuple[int, int, int]  # (expression id, start, end) in string indices, end exclusive


class PatternError(ValueError):
    """An expression Hyperscan refuses; the message says why (never text being scanned)."""


@dataclass(frozen=True, slots=True)
class Expression:
    pattern: str
    caseless: bool = False
    literal_length: int | None = None  # a fixed-length literal: start = end - length, no SOM

    def flags(self) -> int:
        flags = hyperscan.HS_FLAG_CASELESS if self.caseless else 0
        if self.literal_length is None:
            flags |= BASE_FLAGS
        return flags


@functools.lru_cache(maxsize=4)
def _compiled(expressions: tuple[Expression, ...]) -> bytes:
    database = hyperscan.Database()
    try:
        database.compile(
            expressions=[e.pattern.encode("utf-8") for e in expressions],
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=[e.flags() for e in expressions],
        )
    except hyperscan.error as exc:
        raise PatternError(str(exc)) from None
    return bytes(hyperscan.dumpb(database))


def check_expression(expression: Expression) -> None:
    """Compile one expression alone, to report a broken one by its rule."""
    database = hyperscan.Database()
    try:
        database.compile(expressions=[expression.pattern.encode("utf-8")], ids=[0],
                         elements=1, flags=[expression.flags()])
    except hyperscan.error as exc:
        raise PatternError(str(exc)) from None


class MultiPatternMatcher:
    """All expressions compiled once; ``scan`` returns every match as string offsets."""

    def __init__(self, expressions: Sequence[Expression]) -> None:
        if not expressions:
            raise PatternError("no expressions to compile")
        self._database = hyperscan.loadb(_compiled(tuple(expressions)), hyperscan.HS_MODE_BLOCK)
        self._fixed = [e.literal_length for e in expressions]
        self._local = threading.local()

    def _scratch(self) -> hyperscan.Scratch:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = hyperscan.Scratch(self._database)
            self._local.scratch = scratch
        return scratch

    def scan(self, text: str) -> list[Hit]:
        data = text.encode("utf-8", "surrogatepass")
        hits: list[Hit] = []
        append = hits.append

        fixed = self._fixed

        def on_match(expression_id: int, start: int, end: int, _flags: int,
                     _context: object) -> None:
            length = fixed[expression_id]
            append((expression_id, start if length is None else end - length, end))

        self._database.scan(data, match_event_handler=on_match, scratch=self._scratch())
        if len(data) == len(text) or not hits:
            return hits
        return _to_string_offsets(data, hits)


_CHAR_STARTS = bytes(0 if 0x80 <= b < 0xC0 else 1 for b in range(256))


def _to_string_offsets(data: bytes, hits: list[Hit]) -> list[Hit]:
    """Byte offsets -> string indices: count the bytes that start a character (everything but
    UTF-8 continuation bytes) between consecutive offsets, in C, once over the text."""
    starts = data.translate(_CHAR_STARTS)
    offsets = sorted({o for _, s, e in hits for o in (s, e)})
    index: dict[int, int] = {}
    previous_byte = previous_char = 0
    count = starts.count
    for offset in offsets:
        previous_char += count(1, previous_byte, offset)
        previous_byte = offset
        index[offset] = previous_char
    return [(i, index[s], index[e]) for i, s, e in hits]
