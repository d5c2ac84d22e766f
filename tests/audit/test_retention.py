"""Retention of the log: whole old months go, after a checkpoint covers them, and what stays
still verifies; monthly partitions on PostgreSQL are invisible to the schema comparison."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from pii_guard.audit import ledger, partitions, retention
from pii_guard.config import load_settings
from pii_guard.errors import ConfigurationError
from pii_guard.services import Services
from pii_guard.store import migrate
from pii_guard.store.models.audit import AuditEventRow
from tests.audit.helpers import checkpoint_now, sample_event, verify
from tests.conftest import bearer

NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)
MONTHS_AGO = [80, 75, 61, 59, 30, 1]  # ages of six batches of events


def _append_month(services: Services, months_ago: int, count: int) -> None:
    at = partitions.add_months(partitions.month_start(NOW), -months_ago) + dt.timedelta(days=3)
    with services.engine.begin() as connection:
        partitions.ensure_partitions(connection, at, 0)
    rows = []
    for i in range(count):
        values = {c: getattr(sample_event(i, occurred_at=at), c) for c in (
            "id", "occurred_at", "action", "decision", "reason", "principal_id", "unit_code",
            "purpose", "subject_ref", "request_id", "client_addr")}
        values.update(roles=["customer_service"], fields=["customer.mobile"],
                      entities=["CN_MOBILE"], tiers=["C2"], treatments=["mask"], details={})
        rows.append(values)
    with services.session_factory() as session, session.begin():
        ledger.append(session, ledger.lock_head(session), rows, at)


@pytest.fixture
def aged(services: Services) -> Services:
    """300 events (50 per month) from 80 months ago to last month, checkpoint before the last."""
    for months_ago in MONTHS_AGO[:-1]:
        _append_month(services, months_ago, 50)
    checkpoint_now(services)
    _append_month(services, MONTHS_AGO[-1], 50)
    return services


def _prune(services: Services, *, dry_run: bool = False) -> retention.PruneResult:
    return retention.prune(services.engine, services.session_factory,
                           services.audit_sequencer.signer, services.audit, years=5, now=NOW,
                           dry_run=dry_run)


def test_prune_removes_months_beyond_retention_and_the_rest_still_verifies(
    aged: Services,
) -> None:
    exported = checkpoint_now(aged)
    result = _prune(aged)
    assert (result.pruned_before, result.removed_events) == (150, 150)
    assert result.cutoff == dt.datetime(2021, 11, 1, tzinfo=dt.UTC)
    if aged.engine.dialect.name == "postgresql":
        assert result.dropped_partitions == ["audit_events_p202003", "audit_events_p202008",
                                             "audit_events_p202110"]
    with aged.session_factory() as session:
        assert session.scalar(select(func.min(AuditEventRow.seq))) == 150
    aged.audit.flush()
    report = verify(aged, exported)
    assert report.ok, report.problems
    assert report.retained_from == 150
    assert report.exported_checked


def test_a_dry_run_prunes_nothing(aged: Services) -> None:
    result = _prune(aged, dry_run=True)
    assert result.removed_events == 150
    with aged.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEventRow)) == 300


def test_pruning_without_a_covering_checkpoint_makes_one_first(services: Services) -> None:
    _append_month(services, 70, 20)
    _append_month(services, 2, 20)
    result = _prune(services)
    assert result.checkpoint is not None
    assert result.checkpoint.tree_size >= result.pruned_before == 20


def test_deleting_retained_events_after_a_prune_is_still_found(aged: Services) -> None:
    _prune(aged)
    with aged.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 160"))
    report = verify(aged)
    assert report.first_bad_seq == 160


def test_proofs_of_pruned_events_are_gone_and_retained_ones_still_prove(
    aged: Services, client: TestClient, demo_keys: dict[str, str],
) -> None:
    _prune(aged)
    headers = bearer(demo_keys["auditor"])
    gone = client.get("/v1/audit/proofs/inclusion", params={"seq": 10}, headers=headers)
    assert gone.status_code == 410
    kept = client.get("/v1/audit/proofs/inclusion", params={"seq": 200}, headers=headers)
    assert kept.status_code == 200


def test_partitions_made_at_run_time_are_not_schema_drift(aged: Services) -> None:
    with aged.engine.connect() as connection:
        made = partitions.list_partitions(connection)
    assert (len(made) >= 6) == (aged.engine.dialect.name == "postgresql")
    assert migrate.drift(aged.engine) == []


@pytest.mark.parametrize(("years", "accepted"), [(2, False), (3, True), (10, True)])
def test_retention_below_three_years_is_refused(years: int, accepted: bool) -> None:
    if accepted:
        assert load_settings(audit_retention_years=years).audit_retention_years == years
    else:
        with pytest.raises(ConfigurationError, match="AUDIT_RETENTION_YEARS"):
            load_settings(audit_retention_years=years)
