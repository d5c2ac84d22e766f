"""Errors of treatments and key management.

    PiiGuardError
    ├── InvalidRequest
    │   └── TokenError          422 not_a_token / unknown_key_version / unknown_subject_key;
    │                           410 subject_key_shredded (the subject was crypto-shredded)
    ├── Conflict
    │   └── KeyRingFull         409 token_key_versions_full: every version slot is in use
    └── ServiceUnavailable
        └── KeyUnavailable      503 key_unavailable: data keys do not open (wrong or missing
                                KEK, database fault); nothing is released in clear
"""

from __future__ import annotations

from pii_guard.errors import Conflict, InvalidRequest, ServiceUnavailable

_MESSAGES = {
    "not_a_token": "the value is not a token of this entity",
    "unknown_key_version": "the token names a key version this tenant does not hold",
    "unknown_subject_key": "no key exists for this subject",
    "subject_key_shredded": "the subject's key was destroyed; its tokens cannot be reversed",
}


class TokenError(InvalidRequest):
    default_code = "not_a_token"

    def __init__(self, code: str = "not_a_token", message: str = "") -> None:
        status = 410 if code == "subject_key_shredded" else None
        super().__init__(code, message or _MESSAGES.get(code, ""), status=status)


class KeyRingFull(Conflict):
    default_code = "token_key_versions_full"


class KeyUnavailable(ServiceUnavailable):
    default_code = "key_unavailable"
