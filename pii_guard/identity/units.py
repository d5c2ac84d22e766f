"""Organisation units and principals: creating them and reading them as a ``Caller``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pii_guard.errors import InvalidRequest, NotFound
from pii_guard.identity.caller import Caller
from pii_guard.store.models import OrgUnit, Principal, PrincipalRole, Role

PRINCIPAL_KINDS = ("system", "person")


def path_codes(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def ensure_unit(session: Session, code: str, name: str, parent_code: str | None = None) -> OrgUnit:
    """Create the unit if it does not exist; an existing unit keeps its place in the tree."""
    unit = session.get(OrgUnit, code)
    if unit is not None:
        if unit.parent_code != parent_code:
            raise InvalidRequest("unit_parent_mismatch",
                                 f"unit {code!r} already exists under {unit.parent_code!r}")
        return unit
    parent_path = "/"
    if parent_code is not None:
        parent = session.get(OrgUnit, parent_code)
        if parent is None:
            raise NotFound("unit_not_found", f"no organisation unit {parent_code!r}")
        parent_path = parent.path
    unit = OrgUnit(code=code, name=name, parent_code=parent_code, path=f"{parent_path}{code}/")
    session.add(unit)
    session.flush()
    return unit


def ensure_role(session: Session, code: str, description: str = "") -> Role:
    role = session.get(Role, code)
    if role is None:
        role = Role(code=code, description=description)
        session.add(role)
        session.flush()
    return role


def ensure_principal(
    session: Session,
    principal_id: str,
    *,
    display_name: str,
    unit_code: str,
    roles: Iterable[str],
    kind: str = "system",
) -> Principal:
    """Create or update a principal so it has exactly these roles and this unit."""
    if kind not in PRINCIPAL_KINDS:
        raise InvalidRequest("invalid_principal_kind", f"kind must be one of {PRINCIPAL_KINDS}")
    if session.get(OrgUnit, unit_code) is None:
        raise NotFound("unit_not_found", f"no organisation unit {unit_code!r}")
    wanted = sorted(set(roles))
    for role in wanted:
        if session.get(Role, role) is None:
            raise InvalidRequest("unknown_role", f"no role {role!r}")
    principal = session.get(Principal, principal_id)
    if principal is None:
        principal = Principal(id=principal_id, display_name=display_name, kind=kind,
                              unit_code=unit_code)
        session.add(principal)
    else:
        principal.display_name = display_name
        principal.kind = kind
        principal.unit_code = unit_code
    if principal.roles != wanted:
        principal.role_links = [PrincipalRole(principal_id=principal_id, role_code=r)
                                for r in wanted]
    session.flush()
    return principal


def caller_for(principal: Principal, key_prefix: str | None = None) -> Caller:
    return Caller(
        principal_id=principal.id,
        display_name=principal.display_name,
        roles=frozenset(principal.roles),
        unit_code=principal.unit_code,
        unit_path=path_codes(principal.unit.path),
        key_prefix=key_prefix,
        kind=principal.kind,
    )


def load_caller(session: Session, principal_id: str) -> Caller:
    principal = session.get(Principal, principal_id)
    if principal is None:
        raise NotFound("principal_not_found", f"no principal {principal_id!r}")
    return caller_for(principal)


def units_below(session: Session, unit_code: str) -> list[str]:
    """The unit and every unit under it."""
    unit = session.get(OrgUnit, unit_code)
    if unit is None:
        raise NotFound("unit_not_found", f"no organisation unit {unit_code!r}")
    rows = session.scalars(select(OrgUnit.code).where(OrgUnit.path.startswith(unit.path)))
    return sorted(rows)
