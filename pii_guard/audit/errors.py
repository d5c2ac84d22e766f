"""Errors of the audit log.

    AuditError (PiiGuardError)
    ├── InvalidAuditEvent    422: an event that cannot be stored (too long, not JSON)
    ├── InvalidCursor        422: a pagination cursor this service did not issue
    ├── AuditUnavailable     503: the event could not be stored; nothing is released
    ├── AuditPruned          410: that part of the log was removed by retention
    ├── TreeCorrupt          500: stored tree hashes contradict each other (run verify)
    └── CheckpointInvalid    422: a checkpoint file that is malformed or not signed by us
"""

from __future__ import annotations

from pii_guard.errors import InvalidRequest, PiiGuardError, ServiceUnavailable


class AuditError(PiiGuardError):
    default_code = "audit_error"


class InvalidAuditEvent(AuditError, InvalidRequest):
    status = 422
    default_code = "invalid_audit_event"


class InvalidCursor(AuditError, InvalidRequest):
    status = 422
    default_code = "invalid_cursor"


class AuditUnavailable(AuditError, ServiceUnavailable):
    status = 503
    default_code = "audit_unavailable"


class AuditPruned(AuditError):
    status = 410
    default_code = "pruned"


class TreeCorrupt(AuditError):
    status = 500
    default_code = "audit_tree_corrupt"


class CheckpointInvalid(AuditError, InvalidRequest):
    status = 422
    default_code = "invalid_checkpoint"
