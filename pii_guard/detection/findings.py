"""What detection reports, and the interface of recognisers that are not patterns.

A ``Finding`` never holds the matched value: callers that have the text slice it themselves,
so a finding can be logged, audited or returned without carrying personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected entity: ``text[start:end]`` (Python string indices, end exclusive) of the
    original text, or of the value at ``field`` (a JSON path such as ``$.contacts[0].mobile``)
    when a record was scanned."""

    entity: str
    start: int
    end: int
    score: float
    field: str | None = None
    recognizer: str = ""
    # Facts about the match that treatments need, e.g. {"precision": "district",
    # "coarse_end": "9"} for an ADDRESS or {"surname_end": "2"} for a PERSON. Never values.
    attributes: Mapping[str, str] = dataclass_field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError("finding offsets must satisfy 0 <= start <= end")


@runtime_checkable
class TextRecognizer(Protocol):
    """A recogniser that finds entities by means other than patterns (names, addresses).

    The engine calls ``analyze`` once per text (after its own normalisation, with offsets in
    the text it was given) and merges the results with the pattern findings.
    """

    name: str
    entities: tuple[str, ...]

    def analyze(self, text: str) -> list[Finding]: ...
