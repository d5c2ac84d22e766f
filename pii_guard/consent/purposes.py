"""The purposes of processing registered in ``policies/purposes.yaml``, validated on load."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pii_guard.errors import ConfigurationError
from pii_guard.resources import policies_dir


class LegalBasis(StrEnum):
    """PIPL Art. 13 bases for processing."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_DUTY = "legal_duty"
    VITAL_INTEREST = "vital_interest"
    PUBLIC_INTEREST = "public_interest"
    PUBLIC_DATA = "public_data"
    OTHER_LAW = "other_law"


class Purpose(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name_zh: str
    name_en: str
    description: str = ""
    legal_basis: LegalBasis
    categories: tuple[str, ...] = ()
    sensitive_allowed: bool = False
    on_missing_consent: Literal["redact", "refuse"] = "redact"
    retention_days: int = Field(gt=0)

    def uses_category(self, category: str) -> bool:
        return not self.categories or category in self.categories


class PurposeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purposes: dict[str, dict[str, object]]


def load_purposes(path: Path | None = None) -> dict[str, Purpose]:
    """Every purpose of the file, keyed by code; a malformed entry stops start-up."""
    source = path or policies_dir() / "purposes.yaml"
    try:
        document = PurposeFile.model_validate(yaml.safe_load(source.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError("invalid_purposes", f"{source}: {exc}") from None
    purposes: dict[str, Purpose] = {}
    for code, spec in document.purposes.items():
        try:
            purposes[code] = Purpose.model_validate({"code": code, **spec})
        except ValidationError as exc:
            raise ConfigurationError("invalid_purposes", f"{source}: purpose {code!r}: {exc}"
                                     ) from None
    return purposes
