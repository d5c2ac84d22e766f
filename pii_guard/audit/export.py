"""Streamed exports of events: JSON lines (exact, the canonical documents) and CSV (for
spreadsheets: lists joined with ``;``, cells that a spreadsheet would run as a formula are
prefixed with ``'``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from pii_guard.audit.canonical import EVENT_KEYS, event_document

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_BATCH = 500


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One canonical event document per line (recomputable leaf hashes)."""
    buffer: list[str] = []
    for row in rows:
        buffer.append(json.dumps(event_document(row), sort_keys=True, separators=(",", ":"),
                                 ensure_ascii=False) + "\n")
        if len(buffer) >= EXPORT_BATCH:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)


def _cell(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, list):
        text = ";".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True, ensure_ascii=False) if value else ""
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EVENT_KEYS)
    for count, row in enumerate(rows, start=1):
        document = event_document(row)
        writer.writerow([_cell(document[key]) for key in EVENT_KEYS])
        if count % EXPORT_BATCH == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
