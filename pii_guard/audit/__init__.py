"""The audit log: events, durable recording, Merkle checkpoints, verification and queries."""

from pii_guard.audit.events import AuditEvent
from pii_guard.audit.log import AuditLog

__all__ = ["AuditEvent", "AuditLog"]
