"""Bulk import of existing consents (CSV or JSON lines) with a per-line error report.

The whole file is one transaction. A line is checked completely before anything of it is
written (``records`` validates first), so a bad line leaves nothing behind and the next lines
still see the good ones before them (a withdrawal after its grant). Without ``partial`` a
single bad line rolls the whole file back (nothing half-imported); with it the good lines
stay. No savepoints: SQLite's driver would commit on RELEASE. Messages name the line and a
stable code, never the line's values.

CSV columns (header row required; ``kind``, ``categories``, ``separate``, ``granted_at``,
``expires_at``, ``withdrawn_at``, ``evidence_ref`` optional)::

    subject_id,purpose,kind,categories,separate,notice_version,channel,granted_at,expires_at,evidence_ref

``categories`` in CSV are separated by ``|``; ``kind`` is ``grant`` (default) or ``withdraw``.
JSON lines carry the same keys, ``categories`` as a list.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from pii_guard.consent.check import ConsentService
from pii_guard.consent.errors import ImportRejected, LineError
from pii_guard.consent.records import GrantSpec, WithdrawSpec
from pii_guard.errors import InvalidRequest, PiiGuardError
from pii_guard.identity.caller import Caller

Format = Literal["csv", "jsonl"]
COLUMNS = ("subject_id", "purpose", "kind", "categories", "separate", "notice_version",
           "channel", "granted_at", "expires_at", "withdrawn_at", "evidence_ref")
TRUE, FALSE = {"true", "1", "yes", "y"}, {"false", "0", "no", "n", ""}
MAX_LINE_ERRORS = 1000


@dataclass
class ImportReport:
    lines: int = 0
    imported: int = 0
    errors: list[LineError] = field(default_factory=list)

    @classmethod
    def rejected(cls, error: ImportRejected) -> ImportReport:
        return cls(lines=error.lines, imported=0, errors=error.errors)

    def as_dict(self) -> dict[str, Any]:
        return {"lines": self.lines, "imported": self.imported, "rejected": len(self.errors),
                "errors": [{"line": e.line, "code": e.code, "message": e.message}
                           for e in self.errors[:MAX_LINE_ERRORS]]}


class LineInvalid(InvalidRequest):
    default_code = "invalid_line"


def format_of(name: str) -> Format:
    return "jsonl" if name.lower().endswith((".jsonl", ".ndjson", ".json")) else "csv"


def rows(text: str, fmt: Format) -> Iterator[tuple[int, Mapping[str, Any] | LineError]]:
    """(line number, fields or the parse error) for every non-blank line."""
    if fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                yield number, LineError(number, "invalid_json", "not a JSON object")
                continue
            if not isinstance(value, dict):
                yield number, LineError(number, "invalid_json", "not a JSON object")
                continue
            yield number, value
        return
    reader = csv.DictReader(io.StringIO(text))
    missing = {"subject_id", "purpose"} - set(reader.fieldnames or ())
    if missing:
        yield 1, LineError(1, "invalid_header", f"missing columns: {', '.join(sorted(missing))}")
        return
    unknown = set(reader.fieldnames or ()) - set(COLUMNS)
    if unknown:
        yield 1, LineError(1, "invalid_header", f"unknown columns: {', '.join(sorted(unknown))}")
        return
    for record in reader:
        if None in record:
            yield reader.line_num, LineError(reader.line_num, "invalid_line",
                                             "more values than columns")
            continue
        if all(not (v or "").strip() for v in record.values()):
            continue
        yield reader.line_num, record


def _text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise LineInvalid("invalid_field", f"{name} must be text")
    return value.strip() or None


def _time(fields: Mapping[str, Any], name: str) -> dt.datetime | None:
    value = _text(fields, name)
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise LineInvalid("invalid_datetime", f"{name} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise LineInvalid("naive_datetime", f"{name} needs a time zone (e.g. +08:00 or Z)")
    return parsed


def _flag(fields: Mapping[str, Any], name: str) -> bool:
    value = fields.get(name)
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
        return value.strip().lower() in TRUE
    raise LineInvalid("invalid_field", f"{name} must be true or false")


def _categories(fields: Mapping[str, Any]) -> tuple[str, ...]:
    value = fields.get("categories")
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(sorted({part.strip() for part in value.split("|") if part.strip()}))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(sorted(set(value)))
    raise LineInvalid("invalid_field", "categories must be a list of category codes")


def spec_of(fields: Mapping[str, Any]) -> GrantSpec | WithdrawSpec:
    unknown = set(fields) - set(COLUMNS)
    if unknown:
        raise LineInvalid("unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
    subject_id, purpose = _text(fields, "subject_id"), _text(fields, "purpose")
    if not subject_id or not purpose:
        raise LineInvalid("missing_field", "subject_id and purpose are required")
    kind = _text(fields, "kind") or "grant"
    if kind == "withdraw":
        return WithdrawSpec(subject_id, purpose, channel=_text(fields, "channel"),
                            withdrawn_at=_time(fields, "withdrawn_at"),
                            evidence_ref=_text(fields, "evidence_ref"))
    if kind != "grant":
        raise LineInvalid("invalid_kind", "kind must be grant or withdraw")
    notice_version, channel = _text(fields, "notice_version"), _text(fields, "channel")
    if not notice_version or not channel:
        raise LineInvalid("missing_field", "a grant needs notice_version and channel")
    return GrantSpec(subject_id=subject_id, purpose=purpose, notice_version=notice_version,
                     channel=channel, categories=_categories(fields),
                     separate=_flag(fields, "separate"), granted_at=_time(fields, "granted_at"),
                     expires_at=_time(fields, "expires_at"),
                     evidence_ref=_text(fields, "evidence_ref"))


def import_consents(session: Session, service: ConsentService, text: str, fmt: Format, *,
                    partial: bool, caller: Caller | None, recorded_by: str | None = None,
                    **audit_fields: Any) -> ImportReport:
    """Apply a whole file in ``session``'s transaction; raises ``ImportRejected`` (after
    checking every line) when a line is bad and ``partial`` is not set."""
    report = ImportReport()
    for number, parsed in rows(text, fmt):
        report.lines += 1
        if isinstance(parsed, LineError):
            report.errors.append(parsed)
            continue
        try:
            spec = spec_of(parsed)
            if isinstance(spec, GrantSpec):
                service.grant(session, caller, spec, source="import", recorded_by=recorded_by,
                              **audit_fields)
            else:
                service.withdraw(session, caller, spec, source="import",
                                 recorded_by=recorded_by, **audit_fields)
        except PiiGuardError as exc:
            report.errors.append(LineError(number, exc.code, exc.message))
            continue
        report.imported += 1
    if report.errors and not partial:
        raise ImportRejected(report.errors, report.lines)
    return report
