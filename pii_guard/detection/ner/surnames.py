"""The surname table: which leading characters of a Chinese name are the family name.

Masking keeps the surname (张*, 欧阳*), so every PERSON finding says how many of its leading
characters are the surname. The table is a reviewable TSV shipped with the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pii_guard.detection.ner.errors import NerDataError

_DEFAULT = "surnames.tsv"


@dataclass(frozen=True)
class SurnameTable:
    single: dict[str, float]  # one-character surnames -> weight (people per 10,000)
    compound: dict[str, float]  # two-character surnames (欧阳, 司马, ...)

    @classmethod
    def load(cls, path: Path) -> SurnameTable:
        single: dict[str, float] = {}
        compound: dict[str, float] = {}
        for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            try:
                surname, weight = parts[0], float(parts[1])
            except (IndexError, ValueError) as exc:
                raise NerDataError(
                    message=f"{path.name}:{lineno}: expected 'surname<TAB>weight'"
                ) from exc
            if len(surname) == 1:
                single[surname] = weight
            elif len(surname) == 2:
                compound[surname] = weight
            else:
                raise NerDataError(
                    message=f"{path.name}:{lineno}: a surname has one or two characters"
                )
        if not single:
            raise NerDataError(message=f"{path.name}: no surnames")
        return cls(single=single, compound=compound)

    @classmethod
    def default(cls) -> SurnameTable:
        ref = resources.files("pii_guard.detection.ner") / "data" / _DEFAULT
        with resources.as_file(ref) as path:
            return cls.load(path)

    def surname_length(self, name: str) -> int:
        """How many leading characters of ``name`` are its surname (0 if none is known)."""
        if name[:2] in self.compound:
            return 2
        if name[:1] in self.single:
            return 1
        return 0
