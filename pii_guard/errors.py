"""The root of every error pii-guard raises on purpose.

Each error carries a stable machine-readable ``code`` (part of the published contract), a
message safe to show to the caller (never a personal value) and the HTTP status it maps to.
Concern packages subclass these; the API maps the whole tree to responses in one place
(``pii_guard.api.errors``).

    PiiGuardError
    ├── ConfigurationError       start-up refused: bad setting, broken rule pack or policy
    ├── InvalidRequest           422: the request is well-formed JSON but not acceptable
    │   └── LimitExceeded        413 or 422: a configured size limit was exceeded
    ├── AuthenticationFailed     401: no credentials, or credentials that do not verify
    ├── PermissionDenied         403: authenticated, not allowed
    ├── NotFound                 404
    ├── Conflict                 409: the state does not allow this now
    └── ServiceUnavailable       503: a dependency is down; fail closed
"""

from __future__ import annotations

from typing import ClassVar


class PiiGuardError(Exception):
    """Base of all deliberate errors; ``code`` is stable, ``message`` is for people."""

    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal_error"

    def __init__(self, code: str | None = None, message: str = "", *, status: int | None = None):
        self.code = code or self.default_code
        self.message = message or self.code.replace("_", " ")
        if status is not None:
            self.status = status  # type: ignore[misc]
        super().__init__(f"{self.code}: {self.message}")


class ConfigurationError(PiiGuardError):
    status = 500
    default_code = "configuration_error"


class InvalidRequest(PiiGuardError):
    status = 422
    default_code = "invalid_request"


class LimitExceeded(InvalidRequest):
    status = 413
    default_code = "limit_exceeded"


class AuthenticationFailed(PiiGuardError):
    status = 401
    default_code = "unauthenticated"


class PermissionDenied(PiiGuardError):
    status = 403
    default_code = "forbidden"


class NotFound(PiiGuardError):
    status = 404
    default_code = "not_found"


class Conflict(PiiGuardError):
    status = 409
    default_code = "conflict"


class ServiceUnavailable(PiiGuardError):
    status = 503
    default_code = "service_unavailable"
