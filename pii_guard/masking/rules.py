"""The per-entity treatment rules of ``classifiers/treatments.yaml``, validated on load.

Compliance staff read and change the YAML; this module turns it into small frozen objects once
at start-up so applying a rule is a dictionary look-up and a few string slices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pii_guard.classification.pack import read_model
from pii_guard.resources import classifiers_dir

TREATMENTS_FILE = "treatments.yaml"

TokenScheme = Literal["luhn", "cn_ric", "digits", "alnum", "email", "opaque"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MaskRule(_Strict):
    style: Literal["keep", "name", "email", "address"] = "keep"
    keep_first: int = Field(default=0, ge=0)
    keep_last: int = Field(default=0, ge=0)
    char: str = Field(default="*", min_length=1, max_length=1)
    # Values with fewer letters and digits than this are masked entirely (short values would
    # otherwise be mostly revealed by keep_first + keep_last).
    min_length: int = Field(default=0, ge=0)
    # For style address: how many `char` follow the kept part (hides the length).
    fixed: int = Field(default=4, ge=1)


class GeneraliseRule(_Strict):
    to: Literal["year", "age_band", "district", "network"]


class TokenRule(_Strict):
    scheme: TokenScheme = "opaque"


class EntityRules(_Strict):
    mask: MaskRule | None = None
    generalise: GeneraliseRule | None = None
    token: TokenRule | None = None


class TreatmentsFile(_Strict):
    default: EntityRules
    entities: dict[str, EntityRules] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rules:
    """The resolved rules of one entity (defaults filled in)."""

    mask: MaskRule
    generalise: GeneraliseRule | None
    token: TokenRule


class RuleBook:
    """Entity -> resolved rules; unknown entities get the file's ``default``."""

    def __init__(self, spec: TreatmentsFile) -> None:
        default_mask = spec.default.mask or MaskRule()
        default_token = spec.default.token or TokenRule()
        self._default = Rules(default_mask, spec.default.generalise, default_token)
        self._rules: Mapping[str, Rules] = {
            entity: Rules(rules.mask or default_mask, rules.generalise,
                          rules.token or default_token)
            for entity, rules in spec.entities.items()
        }

    def for_entity(self, entity: str) -> Rules:
        return self._rules.get(entity, self._default)

    @property
    def entities(self) -> frozenset[str]:
        return frozenset(self._rules)


def load_rules(path: Path | None = None) -> RuleBook:
    """Read and validate the treatments file; a bad file stops start-up naming the problem."""
    return RuleBook(read_model(path or classifiers_dir() / TREATMENTS_FILE, TreatmentsFile))
