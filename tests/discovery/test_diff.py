"""A re-scan compared with the previous completed run of the same system."""

from __future__ import annotations

from pii_guard.discovery import inventory
from pii_guard.discovery.diff import diff_run
from pii_guard.discovery.model import ColumnDecision, ColumnInfo, ColumnResult, ScanResult
from pii_guard.services import Services
from pii_guard.store.engine import transaction

TIERS = {None: None, "IP_ADDRESS": "C1", "CN_MOBILE": "C2", "PERSON": "C2", "AUTH_SECRET": "C3"}


def store_run(services: Services, columns: dict[str, str | None], *,
              complete: bool = True) -> str:
    result = ScanResult(system="core", engine="local", tables_total=1, tables_done=1,
                        complete=complete)
    for name, entity in columns.items():
        decision = ColumnDecision(entity, "x" if entity else None, TIERS[entity], 0.9, {})
        result.columns.append(ColumnResult("s", "t", ColumnInfo(name, "VARCHAR(20)", "text"),
                                           decision))
    with transaction(services.session_factory) as session:
        run = inventory.open_run(session, system="core", source="test", engine="local",
                                 schemas=["s"], sample_size=10)
        inventory.finish_run(session, run.id, result,
                             state="completed" if complete else "interrupted")
        return run.id


def test_changes_are_reported_by_kind(services: Services) -> None:
    store_run(services, {"a": "IP_ADDRESS", "b": "CN_MOBILE", "c": "PERSON", "d": None,
                         "gone": "PERSON"})
    second = store_run(services, {"a": "AUTH_SECRET", "b": "PERSON", "c": None,
                                  "d": "CN_MOBILE", "new": "PERSON"})
    with transaction(services.session_factory) as session:
        changes = diff_run(session, second)
    assert [(c["column"], c["was_tier"], c["tier"]) for c in changes.tier_raised] == \
        [("a", "C1", "C3")]
    assert [(c["column"], c["was_entity"], c["entity"]) for c in changes.entity_changed] == \
        [("b", "CN_MOBILE", "PERSON")]
    assert [c["column"] for c in changes.no_longer_personal] == ["c"]
    assert [c["column"] for c in changes.new_personal] == ["d", "new"]
    assert [c["column"] for c in changes.disappeared] == ["gone"]


def test_an_interrupted_run_is_never_the_baseline(services: Services) -> None:
    first = store_run(services, {"a": "CN_MOBILE"})
    store_run(services, {"a": None}, complete=False)
    third = store_run(services, {"a": "CN_MOBILE"})
    with transaction(services.session_factory) as session:
        changes = diff_run(session, third)
    assert changes.previous_run_id == first
    assert not changes.changed


def test_the_current_inventory_ignores_a_newer_partial_run(services: Services) -> None:
    complete = store_run(services, {"a": "CN_MOBILE"})
    store_run(services, {"a": None}, complete=False)
    with transaction(services.session_factory) as session:
        rows = inventory.columns(session, inventory.InventoryFilter(system="core"))
    assert [(r.run_id, r.entity) for r in rows] == [(complete, "CN_MOBILE")]
