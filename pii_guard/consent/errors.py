"""Errors of purposes and consent, each a subclass of the shared tree (``pii_guard.errors``).

    UnknownPurpose        404  unknown_purpose: no purpose with this code is registered
    UnknownNotice         422  unknown_notice_version: consent cites a notice never registered
    NoticeNotFound        404  notice_not_found
    NoticeConflict        409  notice_version_exists: the version exists with another text
    ConsentInvalid        422  invalid_consent (or a more precise code: invalid_channel,
                               unknown_category, expires_before_granted, ...)
    ConsentNotFound       404  consent_not_found: nothing to withdraw
    PurposeInvalid        422  invalid_purpose: a steward's purpose breaks the vocabulary
    ImportRejected        422  import_rejected: a bulk file has bad lines (nothing written)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pii_guard.errors import Conflict, InvalidRequest, NotFound


class UnknownPurpose(NotFound):
    default_code = "unknown_purpose"


class UnknownNotice(InvalidRequest):
    default_code = "unknown_notice_version"


class NoticeNotFound(NotFound):
    default_code = "notice_not_found"


class NoticeConflict(Conflict):
    default_code = "notice_version_exists"


class ConsentInvalid(InvalidRequest):
    default_code = "invalid_consent"


class ConsentNotFound(NotFound):
    default_code = "consent_not_found"


class PurposeInvalid(InvalidRequest):
    default_code = "invalid_purpose"


@dataclass(frozen=True, slots=True)
class LineError:
    """One bad line of a bulk import: where, a stable code, and a message without values."""

    line: int
    code: str
    message: str


class ImportRejected(InvalidRequest):
    default_code = "import_rejected"

    def __init__(self, errors: Sequence[LineError], lines: int = 0) -> None:
        self.errors = list(errors)
        self.lines = lines
        super().__init__(None, f"{len(self.errors)} bad line(s); nothing was imported")
