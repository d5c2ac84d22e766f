"""What policy rules and grants may name, and the invariants no change can break.

Roles and units live in the database (``roles``, ``org_units``); tiers and categories in
``classifiers/taxonomy.yaml``; purposes in a registry the consent work owns, reached through a
callable so it can move from ``policies/purposes.yaml`` into the database without touching this.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from pii_guard.authz.errors import PolicyInvalid
from pii_guard.authz.rules import ANY, Rule
from pii_guard.authz.treatments import C3_ALLOWED, C3_TIER, Treatment
from pii_guard.classification.taxonomy import Taxonomy as RulePackTaxonomy
from pii_guard.errors import ConfigurationError
from pii_guard.resources import classifiers_dir
from pii_guard.store.models import OrgUnit, Role

TIERS = ("C1", "C2", "C3")
MAX_PRIORITY = 100_000
CUSTODIAN_ROLES = frozenset({"data_steward", "auditor"})
"""Separation of duties: the roles that keep and check the rules never see customer data, so
no rule may give them more than ``redact``."""

PurposeRegistry = Callable[[], Collection[str]]


class _Category(BaseModel):
    model_config = ConfigDict(extra="allow")
    tier: str


class _Taxonomy(BaseModel):
    model_config = ConfigDict(extra="allow")
    categories: dict[str, _Category]
    entities: dict[str, str] = {}


@dataclass(frozen=True)
class Taxonomy:
    """The part of the taxonomy decisions need: category -> tier and entity -> category.

    The service builds it from the loaded rule pack (``from_rule_pack``); ``load_taxonomy``
    reads classifiers/taxonomy.yaml alone, for tools and tests without a rule pack."""

    category_tiers: Mapping[str, str]
    entity_categories: Mapping[str, str]


def from_rule_pack(taxonomy: RulePackTaxonomy) -> Taxonomy:
    """The decisions' view of the loaded rule pack's taxonomy (deployment packs included)."""
    return Taxonomy({c.name: c.tier for c in taxonomy.categories},
                    {e: taxonomy.classify(e).category for e in taxonomy.entities})


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    source = path or classifiers_dir() / "taxonomy.yaml"
    try:
        document = _Taxonomy.model_validate(yaml.safe_load(source.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError("invalid_taxonomy", f"{source}: {exc}") from None
    tiers = {name: spec.tier for name, spec in document.categories.items()}
    problems = [f"category {name!r} has unknown tier {tier!r}"
                for name, tier in tiers.items() if tier not in TIERS]
    problems += [f"entity {entity!r} names unknown category {category!r}"
                 for entity, category in document.entities.items() if category not in tiers]
    if problems:
        raise ConfigurationError("invalid_taxonomy", f"{source}: {'; '.join(problems)}")
    return Taxonomy(tiers, dict(document.entities))


def load_category_tiers(path: Path | None = None) -> dict[str, str]:
    return dict(load_taxonomy(path).category_tiers)


@dataclass(frozen=True)
class Vocabulary:
    """One consistent view of the names a rule may use."""

    roles: frozenset[str]
    units: frozenset[str]
    category_tiers: Mapping[str, str]
    purposes: frozenset[str]

    def tier_of(self, scope: str) -> str | None:
        """The tier a scope (tier or category) stands for, None when unknown."""
        return scope if scope in TIERS else self.category_tiers.get(scope)

    def problems(self, rule: Rule) -> list[str]:
        """Everything wrong with one rule, as messages naming the rule's fields."""
        found: list[str] = []
        if rule.role not in self.roles:
            found.append(f"unknown role {rule.role!r}")
        if rule.unit != ANY and rule.unit not in self.units:
            found.append(f"unknown organisation unit {rule.unit!r}")
        tier = self.tier_of(rule.scope)
        if tier is None:
            found.append(f"unknown tier or category {rule.scope!r}")
        if rule.purpose != ANY and rule.purpose not in self.purposes:
            found.append(f"unknown purpose {rule.purpose!r}")
        if not 0 <= rule.priority <= MAX_PRIORITY:
            found.append(f"priority must be within 0 and {MAX_PRIORITY}")
        if tier == C3_TIER and rule.treatment not in C3_ALLOWED:
            found.append(f"C3 data ({rule.scope}) may only be redacted or denied, never "
                         f"{rule.treatment.value}")
        if rule.role in CUSTODIAN_ROLES and rule.treatment.rank < Treatment.REDACT.rank:
            found.append(f"role {rule.role!r} keeps or checks the rules and may see no "
                         "customer data")
        return found

    def check(self, rules: Iterable[Rule], source: str = "policy") -> list[Rule]:
        """The rules, if every one is valid and no two share a key; else ``PolicyInvalid``."""
        checked = list(rules)
        problems: list[str] = []
        seen: dict[tuple[str, str, str, str], Rule] = {}
        for rule in checked:
            problems.extend(f"{source}: {rule.line()}: {p}" for p in self.problems(rule))
            previous = seen.setdefault(rule.key, rule)
            if previous is not rule:
                problems.append(f"{source}: {rule.line()}: a rule for the same role, unit, "
                                f"scope and purpose exists ({previous.line()})")
        if problems:
            raise PolicyInvalid(problems)
        return checked


class VocabularySource:
    """Builds a ``Vocabulary`` from the database and the registries when it is needed."""

    def __init__(self, category_tiers: Mapping[str, str], purposes: PurposeRegistry) -> None:
        self.category_tiers = dict(category_tiers)
        self._purposes = purposes

    def current(self, session: Session) -> Vocabulary:
        return Vocabulary(
            roles=frozenset(session.scalars(select(Role.code))),
            units=frozenset(session.scalars(select(OrgUnit.code))),
            category_tiers=self.category_tiers,
            purposes=frozenset(self._purposes()),
        )

    def purposes(self) -> frozenset[str]:
        return frozenset(self._purposes())
