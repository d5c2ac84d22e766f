"""PyCasbin, checked and wired to our storage: the model file, a read-only adapter over our
own tables, and the plain ``Enforcer`` the fast path must agree with.

Packaging: we depend on the maintained ``pycasbin`` distribution (2.x) and implement Casbin's
small ``Adapter`` interface over our SQLAlchemy models instead of installing
``casbin-sqlalchemy-adapter``, which depends on the old ``casbin`` distribution (both write
the same ``casbin`` package files; whichever installs last wins) and creates its own table.
``check_casbin`` refuses to start when the imported package is not pycasbin 2.x or when the
old distribution is installed beside it.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import casbin
from casbin.persist.adapter import Adapter
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.authz.rules import PTYPE, Rule, canonical
from pii_guard.errors import ConfigurationError
from pii_guard.resources import policies_dir
from pii_guard.store.models import OrgUnit, PrincipalRole
from pii_guard.store.models.authz import CasbinRule

PRINCIPAL_PREFIX = "principal:"


def check_casbin() -> str:
    """The pycasbin version in use; ``ConfigurationError`` unless it is pycasbin 2.x alone."""
    try:
        version = importlib.metadata.version("pycasbin")
    except importlib.metadata.PackageNotFoundError:
        raise ConfigurationError("casbin_packaging",
                                 "the pycasbin distribution is not installed") from None
    try:
        old = importlib.metadata.version("casbin")
    except importlib.metadata.PackageNotFoundError:
        old = None
    if old is not None:
        raise ConfigurationError(
            "casbin_packaging", f"the old 'casbin' distribution {old} is installed beside "
            f"pycasbin {version} and overwrites its files: uninstall it")
    if int(version.split(".")[0]) != 2:
        raise ConfigurationError("casbin_packaging", f"pycasbin 2.x is required, got {version}")
    files = importlib.metadata.files("pycasbin") or []
    module = Path(casbin.__file__).resolve()
    if not any(Path(str(f.locate())).resolve() == module for f in files):
        raise ConfigurationError("casbin_packaging",
                                 f"the imported casbin package ({module}) is not pycasbin's")
    return version


def model_path() -> Path:
    return policies_dir() / "model.conf"


def load_model(path: Path | None = None) -> Any:
    """The customer-data model; a malformed file stops start-up naming the file."""
    source = path or model_path()
    try:
        model = casbin.Enforcer.new_model(str(source))
    except Exception as exc:  # casbin raises bare exceptions on malformed models
        raise ConfigurationError("invalid_policy_model", f"{source}: {exc}") from exc
    needed = {"p_sub", "p_unit", "p_scope", "p_purpose", "p_treatment", "p_priority"}
    tokens = set(model["p"]["p"].tokens)
    if not needed <= tokens:
        raise ConfigurationError("invalid_policy_model",
                                 f"{source}: p must define {', '.join(sorted(needed))}")
    return model


def principal_subject(principal_id: str) -> str:
    return PRINCIPAL_PREFIX + principal_id


class StaticAdapter(Adapter):  # type: ignore[misc]
    """Policy from memory: rules in canonical order, principal roles and the unit tree."""

    def __init__(self, rules: Iterable[Rule], principal_roles: Mapping[str, Iterable[str]],
                 unit_parents: Mapping[str, str | None]) -> None:
        self.rules = canonical(rules)
        self.principal_roles = {k: sorted(v) for k, v in principal_roles.items()}
        self.unit_parents = dict(unit_parents)

    def load_policy(self, model: Any) -> None:
        for rule in self.rules:
            model.add_policy("p", PTYPE, rule.casbin())
        for principal, roles in self.principal_roles.items():
            for role in roles:
                model.add_policy("g", "g", [principal_subject(principal), role])
        for unit, parent in self.unit_parents.items():
            if parent is not None:
                model.add_policy("g", "g2", [unit, parent])

    def save_policy(self, model: Any) -> bool:
        raise NotImplementedError("policy changes go through the policy store (maker-checker)")


class DatabaseAdapter(StaticAdapter):
    """Casbin's view of our tables: ``casbin_rule``, ``principal_roles``, ``org_units``.

    Read-only on purpose: changes are proposed, approved and versioned by the policy store,
    never written by an enforcer.
    """

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        super().__init__((), {}, {})

    def load_policy(self, model: Any) -> None:
        with self._factory() as session:
            self.rules = canonical(rules_in(session))
            roles: dict[str, list[str]] = {}
            for link in session.scalars(select(PrincipalRole)):
                roles.setdefault(link.principal_id, []).append(link.role_code)
            self.principal_roles = roles
            self.unit_parents = {u.code: u.parent_code for u in session.scalars(select(OrgUnit))}
        super().load_policy(model)


def rules_in(session: Session) -> list[Rule]:
    """The current rules stored in ``casbin_rule``."""
    rows = session.scalars(select(CasbinRule).where(CasbinRule.ptype == PTYPE))
    return [Rule.from_values([r.v0, r.v1, r.v2, r.v3, r.v4, r.v5]) for r in rows]


def plain_enforcer(adapter: Adapter, model: Any | None = None) -> Any:
    """PyCasbin's plain ``Enforcer`` over the same model and rules (the reference answer)."""
    return casbin.Enforcer(model if model is not None else load_model(), adapter)
