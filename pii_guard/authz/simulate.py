"""Simulation: what a role or principal would get, field by field, for a purpose.

Nothing here reads customer data or writes a customer-data access event: it takes fields
that are already classified (path -> entity or category) and asks the decider. Turning a
sample record into classified fields is the detection engine's work; it plugs in as a
``FieldClassifier`` (``Authz.field_classifier``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pii_guard.authz.decider import Decider
from pii_guard.authz.decision import Decision
from pii_guard.authz.errors import PolicyInvalid
from pii_guard.authz.vocabulary import Taxonomy
from pii_guard.identity.caller import Caller


@dataclass(frozen=True, slots=True)
class ClassifiedField:
    """One field of a record and what it holds: an entity, or directly a category."""

    field: str
    entity: str | None = None
    category: str | None = None


FieldClassifier = Callable[[Mapping[str, Any]], list[ClassifiedField]]


@dataclass(frozen=True, slots=True)
class FieldOutcome:
    field: str
    entity: str | None
    category: str
    tier: str
    decision: Decision


def resolve(fields: Sequence[ClassifiedField], taxonomy: Taxonomy
            ) -> list[tuple[ClassifiedField, str, str]]:
    """``(field, category, tier)`` for each field; unknown entities or categories are 422."""
    resolved, problems = [], []
    for item in fields:
        category = item.category
        if item.entity is not None:
            category = taxonomy.entity_categories.get(item.entity)
            if category is None:
                problems.append(f"{item.field}: unknown entity {item.entity!r}")
                continue
        tier = taxonomy.category_tiers.get(category or "")
        if category is None or tier is None:
            problems.append(f"{item.field}: unknown category {category!r}")
            continue
        resolved.append((item, category, tier))
    if problems:
        raise PolicyInvalid(problems, "invalid_fields")
    return resolved


def simulate(decider: Decider, taxonomy: Taxonomy, caller: Caller, purpose: str,
             fields: Sequence[ClassifiedField], subject_id: str | None
             ) -> tuple[bool, list[FieldOutcome]]:
    """Whether the purpose is allowed, and each field's decision (grants included when a
    subject is named and the caller is a real principal)."""
    outcomes = [
        FieldOutcome(item.field, item.entity, category, tier,
                     decider.decide(caller, purpose, tier=tier, category=category,
                                    subject_id=subject_id))
        for item, category, tier in resolve(fields, taxonomy)
    ]
    return decider.purpose_allowed(caller, purpose), outcomes
