"""The taxonomy: entity -> category -> tier (JR/T 0171), level (JR/T 0197), PIPL sensitive flag.

Policies, treatments and reports speak of categories and tiers, never of regular expressions;
this is the one place that says which entity belongs to which category. It is loaded from the
rule pack (``classifiers/taxonomy.yaml`` plus any deployment packs) and never changes while a
process runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Tier = Literal["C1", "C2", "C3"]
TIERS: tuple[Tier, ...] = ("C3", "C2", "C1")


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    tier: Tier
    level: int
    sensitive: bool
    description: str = ""


@dataclass(frozen=True, slots=True)
class Classification:
    """What an entity means for protection: its category and that category's grades."""

    category: str
    tier: Tier
    level: int
    sensitive: bool


class UnknownEntity(KeyError):
    """An entity no loaded rule pack maps to a category (a programming or pack error)."""


class Taxonomy:
    """Immutable entity -> category -> grades lookup."""

    def __init__(self, categories: Mapping[str, Category], entities: Mapping[str, str]) -> None:
        missing = sorted({c for c in entities.values() if c not in categories})
        if missing:
            raise ValueError(f"entities map to undefined categories: {', '.join(missing)}")
        self._categories = dict(categories)
        self._entities = dict(entities)
        self._by_entity = {
            entity: Classification(name, categories[name].tier, categories[name].level,
                                   categories[name].sensitive)
            for entity, name in entities.items()
        }

    def classify(self, entity: str) -> Classification:
        try:
            return self._by_entity[entity]
        except KeyError:
            raise UnknownEntity(entity) from None

    def knows(self, entity: str) -> bool:
        return entity in self._by_entity

    def category(self, name: str) -> Category:
        return self._categories[name]

    @property
    def categories(self) -> tuple[Category, ...]:
        return tuple(self._categories.values())

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(self._entities)

    def entities_in(self, category: str) -> tuple[str, ...]:
        """The entities of one category, in pack order."""
        if category not in self._categories:
            raise KeyError(category)
        return tuple(e for e, c in self._entities.items() if c == category)

    def categories_of_tier(self, tier: Tier) -> tuple[Category, ...]:
        return tuple(c for c in self._categories.values() if c.tier == tier)
