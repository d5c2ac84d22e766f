"""Identity: organisation units, roles, principals, API keys and the authenticated caller."""

from pii_guard.identity.caller import Caller

__all__ = ["Caller"]
