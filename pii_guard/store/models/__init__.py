"""Every table of pii-guard, one module per concern; importing this registers them all.

Alembic's autogenerate compares migrations with ``Base.metadata`` as filled by these imports.
"""

from pii_guard.store.base import Base
from pii_guard.store.models import authz as authz
from pii_guard.store.models import consent as consent
from pii_guard.store.models import discovery as discovery
from pii_guard.store.models import keys as keys
from pii_guard.store.models.audit import AuditEventRow
from pii_guard.store.models.identity import ApiKey, OrgUnit, Principal, PrincipalRole, Role

__all__ = ["ApiKey", "AuditEventRow", "Base", "OrgUnit", "Principal", "PrincipalRole", "Role"]
