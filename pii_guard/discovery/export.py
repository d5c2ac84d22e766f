"""Inventory exports: JSON (the ``--output`` shape plus system and run) and CSV.

CSV cells that a spreadsheet would run as a formula (starting with ``= + - @``) get a leading
apostrophe: column comments come from the scanned databases and are not trusted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from pii_guard.store.models.discovery import InventoryColumn

CSV_FIELDS = ("system", "schema", "table", "column", "data_type", "comment", "entity",
              "category", "tier", "confidence", "run_id", "evidence")


def row_dict(row: InventoryColumn) -> dict[str, Any]:
    return {"system": row.system, "schema": row.schema_name, "table": row.table_name,
            "column": row.column_name, "data_type": row.data_type, "comment": row.comment,
            "entity": row.entity, "category": row.category, "tier": row.tier,
            "confidence": row.confidence, "run_id": row.run_id, "evidence": row.evidence}


def to_json(rows: Iterable[InventoryColumn]) -> str:
    return json.dumps({"columns": [row_dict(row) for row in rows]}, ensure_ascii=False,
                      indent=2) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def to_csv(rows: Iterable[InventoryColumn]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        record = row_dict(row)
        writer.writerow([_cell(record[name]) for name in CSV_FIELDS])
    return buffer.getvalue()
