"""Consent history is append-only: the service never changes an event, nor does the database
let anyone else."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from pii_guard.consent import records
from pii_guard.services import Services
from pii_guard.store.engine import transaction
from pii_guard.store.models.consent import ConsentEvent
from tests.consent.helpers import grant, register_notice, withdraw


def test_grant_withdraw_grant_keeps_every_event_unchanged(services: Services) -> None:
    register_notice(services)
    first = grant(services, categories=("contact",))
    with transaction(services.session_factory) as session:
        before = session.get(ConsentEvent, first)
        assert before is not None
        snapshot = (before.kind, before.categories, before.granted_at, before.notice_hash)
    withdraw(services)
    grant(services)
    with transaction(services.session_factory) as session:
        history = records.history(session, "C0001")
        assert [e.kind for e in history] == ["grant", "withdraw", "grant"]
        assert (history[0].kind, history[0].categories, history[0].granted_at,
                history[0].notice_hash) == snapshot


def test_withdrawing_twice_records_one_withdrawal(services: Services) -> None:
    register_notice(services)
    grant(services)
    withdraw(services)
    withdraw(services)
    with transaction(services.session_factory) as session:
        assert [e.kind for e in records.history(session, "C0001")] == ["grant", "withdraw"]


@pytest.mark.parametrize("statement", [
    update(ConsentEvent).values(separate=True),
    delete(ConsentEvent),
], ids=["update", "delete"])
def test_the_database_refuses_to_change_a_recorded_event(services: Services,
                                                         statement: object) -> None:
    register_notice(services)
    grant(services)
    with pytest.raises(DatabaseError), transaction(services.session_factory) as session:
        session.execute(statement)  # type: ignore[call-overload]
    with transaction(services.session_factory) as session:
        assert session.scalars(select(ConsentEvent.separate)).all() == [False]
