"""Small helpers for consent tests: record consents through the service as the API does."""

from __future__ import annotations

import datetime as dt

from pii_guard.consent import ConsentCheck
from pii_guard.consent.notices import NoticeSpec
from pii_guard.consent.records import GrantSpec, WithdrawSpec
from pii_guard.services import Services
from pii_guard.store.engine import transaction

NOTICE = NoticeSpec(version="2026-01", title="Privacy notice",
                    text="我们依据《个人信息保护法》处理您的个人信息。")


def register_notice(services: Services) -> None:
    with transaction(services.session_factory) as session:
        services.consent.register_notice(session, None, NOTICE)


def grant(services: Services, subject: str = "C0001", purpose: str = "marketing", *,
          categories: tuple[str, ...] = (), separate: bool = False,
          expires_at: dt.datetime | None = None, granted_at: dt.datetime | None = None) -> int:
    with transaction(services.session_factory) as session:
        event = services.consent.grant(session, None, GrantSpec(
            subject_id=subject, purpose=purpose, notice_version=NOTICE.version,
            channel="counter", categories=categories, separate=separate,
            expires_at=expires_at, granted_at=granted_at), recorded_by="test")
        return int(event.id)


def withdraw(services: Services, subject: str = "C0001", purpose: str = "marketing") -> None:
    with transaction(services.session_factory) as session:
        services.consent.withdraw(session, None, WithdrawSpec(subject, purpose),
                                  recorded_by="test")


def check(services: Services, subject: str | None = "C0001",
          purpose: str = "marketing") -> ConsentCheck:
    return services.consent.check_for(subject, purpose)
