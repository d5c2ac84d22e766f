"""Content every deployment starts from: the role registry, and the optional demo organisation.

Both are read from reviewable YAML under ``policies/`` and validated; a malformed file stops
start-up with its name and the problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from pii_guard.errors import ConfigurationError
from pii_guard.identity import apikeys
from pii_guard.identity.units import ensure_principal, ensure_role, ensure_unit
from pii_guard.resources import policies_dir
from pii_guard.store.models import ApiKey

CODE = r"^[a-z][a-z0-9_-]{0,63}$"
M = TypeVar("M", bound=BaseModel)


class RoleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: dict[str, str]


class DemoUnit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=CODE)
    name: str
    parent: str | None = None


class DemoPrincipal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=CODE)
    name: str
    kind: Literal["system", "person"]
    unit: str
    roles: list[str]


class DemoOrganisation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    units: list[DemoUnit]
    principals: list[DemoPrincipal]


def _load(path: Path, model: type[M]) -> M:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError("invalid_content", f"{path}: {exc}") from None


def load_roles(path: Path | None = None) -> dict[str, str]:
    return _load(path or policies_dir() / "roles.yaml", RoleFile).roles


def ensure_roles(session: Session, path: Path | None = None) -> list[str]:
    """Register every role of ``roles.yaml`` (descriptions follow the file)."""
    roles = load_roles(path)
    for code, description in roles.items():
        ensure_role(session, code, description).description = description
    return sorted(roles)


def seed_demo(session: Session, hasher: apikeys.ApiKeyHasher,
              path: Path | None = None) -> dict[str, str]:
    """Create the demo organisation (idempotent) and return each principal's demo API key.

    Demo keys are derived from the installation's KEK, so seeding twice gives the same keys
    and never revokes the ones already handed out.
    """
    organisation = _load(path or policies_dir() / "demo-organisation.yaml", DemoOrganisation)
    ensure_roles(session)
    for unit in organisation.units:
        ensure_unit(session, unit.code, unit.name, unit.parent)
    keys: dict[str, str] = {}
    for spec in organisation.principals:
        ensure_principal(session, spec.id, display_name=spec.name, unit_code=spec.unit,
                         roles=spec.roles, kind=spec.kind)
        key = hasher.demo_key(spec.id)
        prefix = apikeys.public_prefix(key)
        row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if row is None:
            apikeys.create_key(session, hasher, spec.id, label="demo", key_text=key)
        else:
            row.revoked_at = None
            row.expires_at = None
        keys[spec.id] = key
    _seed_demo_notices(session)
    return keys


def _seed_demo_notices(session: Session) -> None:
    """The demo privacy notice ("2026-01") the acceptance scenario's consents cite."""
    from pii_guard.consent.notices import seed_demo_notices

    seed_demo_notices(session)
