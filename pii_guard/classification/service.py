"""Classifying one text or record: detect, then attach each finding's category and grades.

The API's ``POST /v1/classify`` and the ``pii-guard detect`` command share this, so both give
the same findings in the same shape. Nothing here holds or returns a raw value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pii_guard.classification.taxonomy import Taxonomy
from pii_guard.detection.engine import Detector
from pii_guard.detection.findings import Finding
from pii_guard.detection.records import count_leaves
from pii_guard.errors import InvalidRequest, LimitExceeded


@dataclass(frozen=True, slots=True)
class ClassifiedFinding:
    entity: str
    category: str
    tier: str
    level: int
    sensitive: bool
    score: float
    start: int
    end: int
    field: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "entity": self.entity,
                "category": self.category, "tier": self.tier, "level": self.level,
                "sensitive": self.sensitive, "score": self.score, "field": self.field}


def classified(finding: Finding, taxonomy: Taxonomy) -> ClassifiedFinding:
    grade = taxonomy.classify(finding.entity)
    return ClassifiedFinding(finding.entity, grade.category, grade.tier, grade.level,
                             grade.sensitive, finding.score, finding.start, finding.end,
                             finding.field)


def check_one_input(text: str | None, record: Any) -> None:
    """Classify and protect take a text or a record, never both or neither."""
    if (text is None) == (record is None):
        raise InvalidRequest("text_or_record", "send exactly one of `text` or `record`")


def check_text(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise LimitExceeded("text_too_long", f"text has more than {max_chars} characters")


def check_record(record: Any, max_fields: int) -> None:
    if not isinstance(record, Mapping):
        raise InvalidRequest("record_not_object", "record must be a JSON object")
    if count_leaves(record, max_fields) > max_fields:
        raise LimitExceeded("too_many_fields", f"record has more than {max_fields} fields")


def classify_text(detector: Detector, taxonomy: Taxonomy, text: str) -> list[ClassifiedFinding]:
    return [classified(f, taxonomy) for f in detector.scan_text(text)]


def classify_record(detector: Detector, taxonomy: Taxonomy,
                    record: Mapping[str, Any]) -> list[ClassifiedFinding]:
    return [classified(f, taxonomy) for f in detector.scan_record(record)]
