"""The canonical bytes cover every field, and the fast concatenation used by the sequencer and
the PostgreSQL verifier is byte-for-byte the definition."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pii_guard.audit.canonical import (
    EVENT_KEYS,
    assemble,
    canonical_bytes,
    event_leaf_hash,
    text_values,
)

texts = st.text(max_size=20)
optional = st.none() | texts
times = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                     timezones=st.just(dt.UTC))
json_values = st.recursive(st.none() | st.booleans() | st.integers() | texts,
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(texts, inner, max_size=3), max_leaves=6)
rows = st.fixed_dictionaries({
    "seq": st.integers(0, 2**62), "sequenced_at": times, "id": texts, "occurred_at": times,
    "action": texts, "decision": texts, "reason": texts, "principal_id": optional,
    "roles": st.lists(texts, max_size=3), "unit_code": optional, "purpose": optional,
    "subject_ref": optional, "fields": st.lists(texts, max_size=3),
    "entities": st.lists(texts, max_size=3), "tiers": st.lists(texts, max_size=3),
    "treatments": st.lists(texts, max_size=3), "request_id": optional,
    "client_addr": optional, "details": st.dictionaries(texts, json_values, max_size=4),
})


@settings(max_examples=100, deadline=None)
@given(row=rows)
def test_the_fast_assembly_is_the_canonical_json(row: dict[str, object]) -> None:
    assert assemble(text_values(row)) == canonical_bytes(row)


BASE: dict[str, object] = {
    "seq": 5, "sequenced_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "id": "e1",
    "occurred_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "action": "classify",
    "decision": "allowed", "reason": "ok", "principal_id": "crm-service",
    "roles": ["customer_service"], "unit_code": "shanghai-branch", "purpose": "marketing",
    "subject_ref": "cust-1", "fields": ["a.b"], "entities": ["CN_MOBILE"], "tiers": ["C2"],
    "treatments": ["mask"], "request_id": "r1", "client_addr": "10.0.0.1", "details": {},
}
CHANGES: dict[str, object] = {
    "seq": 6, "sequenced_at": dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC), "id": "e2",
    "occurred_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC), "action": "detokenise",
    "decision": "denied", "reason": "no", "principal_id": None, "roles": [],
    "unit_code": None, "purpose": None, "subject_ref": "cust-2", "fields": ["a.c"],
    "entities": [], "tiers": ["C3"], "treatments": ["clear"], "request_id": None,
    "client_addr": "10.0.0.2", "details": {"k": 1},
}


@pytest.mark.parametrize("key", EVENT_KEYS)
def test_changing_any_field_changes_the_leaf_hash(key: str) -> None:
    assert set(CHANGES) == set(EVENT_KEYS)
    assert event_leaf_hash({**BASE, key: CHANGES[key]}) != event_leaf_hash(BASE)


def test_the_document_is_compact_sorted_and_versioned() -> None:
    assert canonical_bytes(BASE).startswith(b'{"action":"classify","client_addr":"10.0.0.1",')
    assert canonical_bytes(BASE).endswith(b',"unit_code":"shanghai-branch","v":1}')
    assert b'"occurred_at":"2026-01-01T00:00:00.000000Z"' in canonical_bytes(BASE)
