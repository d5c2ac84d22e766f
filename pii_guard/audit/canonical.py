"""The canonical bytes of a sequenced event: what its Merkle leaf hash is computed over.

Every stored column is covered, including ``seq`` and both times, so changing, moving or
renumbering a row changes its leaf hash. The definition (``canonical_bytes``) is JSON with
sorted keys, no spaces, UTF-8 (no ASCII escaping), times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` and
a format version ``"v": 1``, so an outside verifier can recompute it from an export
(``pii-guard audit export --format jsonl`` writes exactly these documents).

``assemble`` builds the same bytes from values already in text form (times formatted, JSON
columns as canonical JSON text): the sequencer and the PostgreSQL verifier use it because it
is several times faster; a test holds it equal to ``canonical_bytes``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring
from typing import Any

from pii_guard.audit.merkle import hash_leaf

FORMAT_VERSION = 1
EVENT_KEYS = (
    "seq", "sequenced_at", "id", "occurred_at", "action", "decision", "reason", "principal_id",
    "roles", "unit_code", "purpose", "subject_ref", "fields", "entities", "tiers", "treatments",
    "request_id", "client_addr", "details",
)
INBOX_KEYS = EVENT_KEYS[2:]  # what an event has before it is sequenced: all but seq, sequenced_at
TIME_KEYS = ("sequenced_at", "occurred_at")
JSON_KEYS = ("roles", "fields", "entities", "tiers", "treatments", "details")

json_text = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                             allow_nan=False).encode


def format_time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime in an audit event")
    value = value.astimezone(dt.UTC)
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
            f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}Z")


def event_document(row: Mapping[str, Any]) -> dict[str, Any]:
    """The event as plain JSON values (times as text), in the canonical key set."""
    document: dict[str, Any] = {"v": FORMAT_VERSION}
    for key in EVENT_KEYS:
        value = row[key]
        document[key] = format_time(value) if key in TIME_KEYS else value
    return document


def canonical_bytes(row: Mapping[str, Any]) -> bytes:
    """The definition: the canonical JSON of the event document."""
    return json_text(event_document(row)).encode("utf-8")


def text_values(row: Mapping[str, Any], keys: Sequence[str] = EVENT_KEYS) -> list[Any]:
    """The row's values in ``keys`` order, times and JSON columns as text."""
    values: list[Any] = []
    for key in keys:
        value = row[key]
        if key in TIME_KEYS:
            value = format_time(value)
        elif key in JSON_KEYS:
            value = json_text(value)
        values.append(value)
    return values


def postgres_text_columns(keys: Sequence[str]) -> list[str]:
    """SQL select expressions that make PostgreSQL hand over ``keys`` in ``text_values`` form:
    times formatted by the server, JSON columns as their stored text (written canonically)."""
    columns = []
    for key in keys:
        if key in TIME_KEYS:
            columns.append(
                f"""to_char({key} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""")
        elif key in JSON_KEYS:
            columns.append(f"{key}::text")
        else:
            columns.append(key)
    return columns


def parse_time(text: str) -> dt.datetime:
    """The inverse of ``format_time``."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def _s(value: str | None) -> str:
    return "null" if value is None else str(encode_basestring(value))


def assemble(values: Sequence[Any]) -> bytes:
    """``canonical_bytes`` from ``text_values``-shaped input, by concatenation."""
    (seq, sequenced_at, id_, occurred_at, action, decision, reason, principal_id, roles,
     unit_code, purpose, subject_ref, fields, entities, tiers, treatments, request_id,
     client_addr, details) = values
    return (
        f'{{"action":{_s(action)},"client_addr":{_s(client_addr)},'
        f'"decision":{_s(decision)},"details":{details},"entities":{entities},'
        f'"fields":{fields},"id":{_s(id_)},"occurred_at":"{occurred_at}",'
        f'"principal_id":{_s(principal_id)},"purpose":{_s(purpose)},"reason":{_s(reason)},'
        f'"request_id":{_s(request_id)},"roles":{roles},"seq":{int(seq)},'
        f'"sequenced_at":"{sequenced_at}","subject_ref":{_s(subject_ref)},"tiers":{tiers},'
        f'"treatments":{treatments},"unit_code":{_s(unit_code)},"v":{FORMAT_VERSION}}}'
    ).encode()


def event_leaf_hash(row: Mapping[str, Any]) -> bytes:
    return hash_leaf(canonical_bytes(row))
