"""What a scan sees and what it decides, as plain values shared by the local and Spark runners.

``ColumnInfo`` and ``TableInfo`` describe the schema (names, types, comments); ``ColumnResult``
is one decision, and ``ScanResult`` the whole scan in the ``--output`` format::

    {"system", "complete", "tables_total", "tables_done", "errors",
     "columns": [{"schema", "table", "column", "entity", "category", "tier",
                  "confidence", "evidence"}]}

None of them ever holds a sampled value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

TypeFamily = Literal["text", "integer", "bigint", "decimal", "float", "date", "datetime",
                     "time", "boolean", "binary", "other"]


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    name: str
    data_type: str
    family: TypeFamily
    length: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class TableInfo:
    schema: str
    name: str
    columns: tuple[ColumnInfo, ...]
    comment: str | None = None
    primary_key: tuple[str, ...] = ()
    row_estimate: int | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class ColumnDecision:
    """Entity (None: no personal data) with its category, tier, confidence and evidence."""

    entity: str | None
    category: str | None
    tier: str | None
    confidence: float
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ColumnResult:
    schema: str
    table: str
    column: ColumnInfo
    decision: ColumnDecision

    def to_output(self) -> dict[str, Any]:
        d = self.decision
        return {"schema": self.schema, "table": self.table, "column": self.column.name,
                "entity": d.entity, "category": d.category, "tier": d.tier,
                "confidence": round(d.confidence, 3), "evidence": dict(d.evidence)}


@dataclass
class ScanResult:
    system: str
    engine: str
    tables_total: int = 0
    tables_done: int = 0
    complete: bool = False
    columns: list[ColumnResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    scanned_tables: list[tuple[str, str]] = field(default_factory=list)

    @property
    def schemas(self) -> list[str]:
        return sorted({schema for schema, _ in self.scanned_tables})

    def tier_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for result in self.columns:
            if result.decision.tier is not None:
                counts[result.decision.tier] = counts.get(result.decision.tier, 0) + 1
        return dict(sorted(counts.items()))

    def to_output(self) -> dict[str, Any]:
        return {"system": self.system, "engine": self.engine, "complete": self.complete,
                "tables_total": self.tables_total, "tables_done": self.tables_done,
                "errors": list(self.errors),
                "columns": [column.to_output() for column in self.columns]}
