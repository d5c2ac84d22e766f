"""Width and separator normalisation that keeps every character where it was.

Customer-service notes mix full-width digits and letters (１３８, ＡＢ), full-width plus and
at signs, ideographic and no-break spaces, zero-width characters and a zoo of dashes. Patterns
are written once, for ASCII; this module maps each such character to its ASCII counterpart
**one code point for one code point**, so an offset in the normalised text is the same offset
in the original text and findings need no offset map. Separators inside numbers
(``138 1234 5678``) are not removed: patterns allow them, and validators strip them.
"""

from __future__ import annotations

import re

_MAP: dict[int, int] = {}
# Full-width ASCII (！-～), except the punctuation every Chinese sentence uses (，：；？), which
# no pattern needs and which would only cost time.
for _code in range(0xFF01, 0xFF5F):
    if chr(_code) not in "，：；？":
        _MAP[_code] = _code - 0xFEE0
for _code in (0x3000, 0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F):  # wide/no-break spaces
    _MAP[_code] = 0x20
for _code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):  # zero-width: act as a separator
    _MAP[_code] = 0x20
for _code in (*range(0x2010, 0x2016), 0x2212, 0xFE58, 0xFE63, 0x30FC):  # dashes, minus
    _MAP[_code] = 0x2D
del _code

_TABLE = _MAP
_RUNS = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_MAP)) + "]+")


def _translate(match: re.Match[str]) -> str:
    return match.group().translate(_TABLE)


def normalise(text: str) -> str:
    """``text`` with the characters above replaced; ``len(result) == len(text)`` always.
    Only runs of such characters are translated (they are rare; translating a whole Chinese
    text costs more than finding them)."""
    if text.isascii():
        return text
    return _RUNS.sub(_translate, text)


SEPARATORS = frozenset(" -")


def compact(value: str) -> str:
    """A matched value without separators, brackets and plus signs (for validators)."""
    return value.translate(_COMPACT)


_COMPACT = {ord(c): None for c in " -()+./\t"}
