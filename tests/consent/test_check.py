"""The consent check on every access: rulings for each legal basis and consent state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from pii_guard.config import Settings
from pii_guard.consent import ConsentRuling
from pii_guard.consent.errors import UnknownPurpose
from pii_guard.consent.purposes import LegalBasis, Purpose
from pii_guard.errors import ServiceUnavailable
from pii_guard.services import Services
from pii_guard.store.base import utcnow
from pii_guard.store.engine import transaction
from pii_guard.store.models.consent import PurposeRow
from tests.conftest import Database, PostgresAdmin, database_unreachable
from tests.consent.helpers import check, grant, register_notice, withdraw


@pytest.fixture
def consent_services(services: Services) -> Services:
    register_notice(services)
    return services


@pytest.fixture
def second(settings: Settings) -> Iterator[Services]:
    """A second process's services on the same database (another worker)."""
    other = Services.start(settings)
    yield other
    other.close()


def test_purposes_are_seeded_from_the_policy_file(services: Services) -> None:
    marketing = services.consent.purpose("marketing")
    assert marketing is not None
    assert marketing.legal_basis is LegalBasis.CONSENT
    assert marketing.categories == ("contact", "personal_name")
    assert services.consent.purpose("no_such_purpose") is None


def test_a_contract_purpose_does_not_ask_for_consent(consent_services: Services) -> None:
    ruling = check(consent_services, purpose="customer_service").permits(
        "identity_document", sensitive=True)
    assert ruling == ConsentRuling(True, "not_required", refuse=False)
    assert not check(consent_services, purpose="customer_service").requires_consent


def test_a_consent_purpose_without_consent_is_not_allowed(consent_services: Services) -> None:
    result = check(consent_services)
    assert result.requires_consent
    assert result.permits("contact", sensitive=False) == ConsentRuling(False, "no_consent")


def test_a_granted_consent_allows_the_purposes_categories(consent_services: Services) -> None:
    grant(consent_services)
    assert check(consent_services).permits("contact", sensitive=False) == ConsentRuling(
        True, "consented")


def test_a_category_outside_the_purpose_is_never_allowed(consent_services: Services) -> None:
    grant(consent_services)
    ruling = check(consent_services).permits("address", sensitive=False)
    assert ruling == ConsentRuling(False, "outside_purpose")


def test_no_known_subject_means_no_consent(consent_services: Services) -> None:
    assert check(consent_services, None).permits("contact", sensitive=False).reason == "no_subject"


def test_withdrawal_through_one_worker_is_obeyed_by_another_on_the_next_call(
        consent_services: Services, second: Services) -> None:
    grant(consent_services)
    assert second.consent.check_for("C0001", "marketing").permits(
        "contact", sensitive=False).allowed
    withdraw(consent_services)
    ruling = second.consent.check_for("C0001", "marketing").permits("contact", sensitive=False)
    assert ruling == ConsentRuling(False, "consent_withdrawn")


def test_a_grant_after_withdrawal_restores_consent(consent_services: Services) -> None:
    grant(consent_services)
    withdraw(consent_services)
    grant(consent_services)
    assert check(consent_services).permits("contact", sensitive=False).allowed


def test_expired_consent_counts_as_none(consent_services: Services) -> None:
    grant(consent_services, granted_at=utcnow() - dt.timedelta(days=10),
          expires_at=utcnow() - dt.timedelta(days=1))
    assert check(consent_services).permits("contact", sensitive=False).reason == "consent_expired"


def test_consent_narrowed_to_categories_excludes_the_others(consent_services: Services) -> None:
    grant(consent_services, categories=("personal_name",))
    result = check(consent_services)
    assert result.permits("personal_name", sensitive=False).allowed
    assert result.permits("contact", sensitive=False).reason == "category_not_consented"


def _sensitive_consent_purpose(services: Services, *, refuse: bool = False) -> None:
    with transaction(services.session_factory) as session:
        services.consent.put_purpose(session, None, Purpose(
            code="wealth_advice", name_zh="财富顾问", name_en="Wealth advice",
            legal_basis=LegalBasis.CONSENT, categories=(), sensitive_allowed=True,
            on_missing_consent="refuse" if refuse else "redact", retention_days=365))


def test_sensitive_categories_need_the_separate_consent(consent_services: Services) -> None:
    _sensitive_consent_purpose(consent_services)
    grant(consent_services, purpose="wealth_advice")
    result = check(consent_services, purpose="wealth_advice")
    assert result.permits("contact", sensitive=False).allowed
    assert result.permits("financial_account", sensitive=True).reason == (
        "separate_consent_required")


def test_separate_consent_allows_sensitive_categories(consent_services: Services) -> None:
    _sensitive_consent_purpose(consent_services)
    grant(consent_services, purpose="wealth_advice", separate=True)
    ruling = check(consent_services, purpose="wealth_advice").permits("financial_account",
                                                                      sensitive=True)
    assert ruling == ConsentRuling(True, "consented")


def test_a_purpose_without_sensitive_data_refuses_it_whatever_the_consent(
        consent_services: Services) -> None:
    grant(consent_services, separate=True)
    ruling = check(consent_services, purpose="marketing").permits("contact", sensitive=True)
    assert ruling.reason == "sensitive_not_allowed"


def test_refusing_purpose_marks_rulings_to_refuse(consent_services: Services) -> None:
    _sensitive_consent_purpose(consent_services, refuse=True)
    assert check(consent_services, purpose="wealth_advice").permits(
        "contact", sensitive=False) == ConsentRuling(False, "no_consent", refuse=True)


def test_a_purpose_changed_by_another_worker_is_read_fresh(
        consent_services: Services, second: Services) -> None:
    assert second.consent.check_for("C0001", "marketing").requires_consent
    with transaction(consent_services.session_factory) as session:
        session.execute(update(PurposeRow).where(PurposeRow.code == "marketing")
                        .values(legal_basis="contract", revision=PurposeRow.revision + 1))
    assert not second.consent.check_for("C0001", "marketing").requires_consent


def test_an_unknown_purpose_is_an_error(consent_services: Services) -> None:
    with pytest.raises(UnknownPurpose):
        check(consent_services, purpose="no_such_purpose")


def test_the_check_fails_closed_when_the_database_is_down(
        consent_services: Services, database: Database, postgres_admin: PostgresAdmin) -> None:
    grant(consent_services)
    with database_unreachable(database, consent_services, postgres_admin), \
            pytest.raises(ServiceUnavailable):
        check(consent_services)


def test_a_stewards_purpose_change_survives_a_restart(
        consent_services: Services, settings: Settings) -> None:
    _sensitive_consent_purpose(consent_services)
    with transaction(consent_services.session_factory) as session:
        consent_services.consent.put_purpose(session, None, Purpose(
            code="marketing", name_zh="营销推广", name_en="Marketing",
            legal_basis=LegalBasis.CONSENT, categories=("contact",), sensitive_allowed=False,
            on_missing_consent="refuse", retention_days=365))
    restarted = Services.start(settings)
    try:
        marketing = restarted.consent.purpose("marketing")
        assert marketing is not None
        assert (marketing.on_missing_consent, marketing.categories) == ("refuse", ("contact",))
        assert restarted.consent.purpose("wealth_advice") is not None
    finally:
        restarted.close()


def test_a_changed_policy_file_entry_is_applied_at_start_up(services: Services) -> None:
    from pii_guard.consent.purposes import load_purposes
    from pii_guard.consent.registry import sync_from_file

    purposes = load_purposes()
    purposes["marketing"] = purposes["marketing"].model_copy(update={"retention_days": 90})
    with transaction(services.session_factory) as session:
        changes = sync_from_file(session, purposes, services.consent.categories)
    assert changes == [("marketing", "updated")]
    marketing = services.consent.purpose("marketing")
    assert marketing is not None
    assert marketing.retention_days == 90
