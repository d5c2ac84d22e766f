"""The column knowledge of ``classifiers/columns.yaml``, validated on load and merged with the
field-name dictionary of the detection rule pack (``field_names`` sections).

Every word belongs to exactly one section (a term, a subject, an attribute, a continuation or a
neutral word); a word listed twice stops start-up with the file and the word named, so a
reviewer never has to guess which reading wins. ``flag_prefixes`` may repeat flag attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from pii_guard.classification.pack import PackFile, RulePack, RulePackError, read_model
from pii_guard.classification.taxonomy import Taxonomy
from pii_guard.resources import classifiers_dir

COLUMNS_FILE = "columns.yaml"
Family = Literal["text", "integer", "bigint", "decimal", "float", "date", "datetime", "time",
                 "boolean", "binary", "other"]
Role = Literal["kind", "state", "flag", "count", "amount", "time", "expiry", "code", "derived",
               "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TermSpec(_Strict):
    entity: str
    weight: float = Field(gt=0, le=1)
    names: list[str] = Field(min_length=1)
    needs_person: bool = False
    generic: bool = False
    thing_ok: bool = False


class AttributeSpec(_Strict):
    role: Role
    names: list[str] = Field(min_length=1)
    becomes: dict[str, str] = Field(default_factory=dict)


class SubjectSpec(_Strict):
    person: list[str]
    thing: list[str]


class ValueSpec(_Strict):
    min_values: int = Field(ge=1)
    checkable: list[str]
    value_only: dict[str, float]
    contains: list[str]
    contains_min_values: int = Field(ge=1)
    contains_min_share: float = Field(ge=0, le=1)
    contains_text_share: float = Field(ge=0, le=1)
    contains_min_length: int = Field(ge=1)
    shapes: dict[str, list[str]]
    confirm_share: float = Field(gt=0, le=1)
    refine_share: float = Field(gt=0, le=1)
    refute_share: float = Field(ge=0, le=1)
    refute_weight: float = Field(ge=0, le=1)
    confirm_weight: float = Field(ge=0, le=1)


class ColumnsSpec(_Strict):
    field_names_weight: float = Field(gt=0, le=1)
    terms: list[TermSpec]
    subjects: SubjectSpec
    attributes: list[AttributeSpec]
    continues: dict[str, list[str]]
    flag_prefixes: list[str]
    trailing: list[str] = Field(default_factory=list)
    neutral: list[str]
    unused_field_names: list[str] = Field(default_factory=list)
    types: dict[Family, Literal["ALL"] | list[str]]
    min_length: dict[str, int]
    groups: list[list[str]]
    values: ValueSpec
    threshold: float = Field(gt=0, le=1)


class ColumnsFile(_Strict):
    columns: ColumnsSpec


@dataclass(frozen=True, slots=True)
class Term:
    entity: str
    weight: float
    needs_person: bool = False
    generic: bool = False
    thing_ok: bool = False


@dataclass(frozen=True, slots=True)
class Word:
    """What one known word is: exactly one of term, subject, attribute role or neutral."""

    text: str
    kind: Literal["term", "person", "thing", "attribute", "neutral", "continue"]
    term: Term | None = None
    role: Role | None = None
    becomes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ColumnKnowledge:
    words: dict[str, Word]
    continues: dict[str, frozenset[str]]
    flag_prefixes: frozenset[str]
    trailing: frozenset[str]
    types: dict[str, frozenset[str] | None]  # None: every entity
    min_length: dict[str, int]
    groups: tuple[frozenset[str], ...]
    values: ValueSpec
    threshold: float
    taxonomy: Taxonomy
    source: Path = field(default_factory=Path)

    def group_of(self, entity: str) -> frozenset[str]:
        for group in self.groups:
            if entity in group:
                return group
        return frozenset({entity})


def normal_word(text: str) -> str:
    """Latin words compare lower-case with single spaces (``Card_No`` ~ ``card no``)."""
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


class _Builder:
    def __init__(self, source: Path) -> None:
        self.source = source
        self.words: dict[str, Word] = {}

    def add(self, text: str, word: Word, where: str) -> None:
        key = normal_word(text)
        if key in self.words:
            earlier = self.words[key]
            raise RulePackError(self.source, f"columns.{where}",
                                f"{text!r} is already listed as {earlier.kind}"
                                + (f" ({earlier.term.entity})" if earlier.term else ""))
        self.words[key] = word


def load_column_knowledge(pack: RulePack, path: Path | None = None) -> ColumnKnowledge:
    """Read ``columns.yaml`` (default: the packaged one) and merge the pack's field names."""
    source = path or classifiers_dir() / COLUMNS_FILE
    spec = read_model(source, ColumnsFile).columns
    known = set(pack.taxonomy.entities)
    _check_entities(source, spec, known)
    builder = _Builder(source)
    for index, term in enumerate(spec.terms):
        value = Term(term.entity, term.weight, term.needs_person, term.generic, term.thing_ok)
        for name in term.names:
            builder.add(name, Word(name, "term", term=value), f"terms[{index}]")
    for name in spec.subjects.person:
        builder.add(name, Word(name, "person"), "subjects.person")
    for name in spec.subjects.thing:
        builder.add(name, Word(name, "thing"), "subjects.thing")
    for index, attribute in enumerate(spec.attributes):
        becomes = tuple(sorted(attribute.becomes.items()))
        for name in attribute.names:
            builder.add(name, Word(name, "attribute", role=attribute.role, becomes=becomes),
                        f"attributes[{index}]")
    for name in spec.neutral:
        builder.add(name, Word(name, "neutral"), "neutral")
    continuing = {normal_word(n) for names in spec.continues.values() for n in names}
    for name in sorted(continuing - set(builder.words)):
        builder.words[name] = Word(name, "continue")
    for name in spec.trailing:
        builder.words.setdefault(normal_word(name), Word(name, "neutral"))
    for name in spec.flag_prefixes:
        key = normal_word(name)
        word = builder.words.get(key)
        if word is not None and word.role != "flag":
            raise RulePackError(source, "columns.flag_prefixes",
                                f"{name!r} is already listed as {word.kind}")
        builder.words.setdefault(key, Word(name, "attribute", role="flag"))
    _merge_field_names(builder, pack, spec)
    types: dict[str, frozenset[str] | None] = {
        family: None if allowed == "ALL" else frozenset(allowed)
        for family, allowed in spec.types.items()}
    return ColumnKnowledge(
        words=builder.words,
        continues={e: frozenset(normal_word(n) for n in names)
                   for e, names in spec.continues.items()},
        flag_prefixes=frozenset(normal_word(n) for n in spec.flag_prefixes),
        trailing=frozenset(normal_word(n) for n in spec.trailing),
        types=types, min_length=dict(spec.min_length),
        groups=tuple(frozenset(g) for g in spec.groups), values=spec.values,
        threshold=spec.threshold, taxonomy=pack.taxonomy, source=source)


def _check_entities(source: Path, spec: ColumnsSpec, known: set[str]) -> None:
    named: list[tuple[str, Iterable[str]]] = [
        ("terms", (t.entity for t in spec.terms)),
        ("continues", spec.continues),
        ("min_length", spec.min_length),
        ("groups", (e for g in spec.groups for e in g)),
        ("values.checkable", spec.values.checkable),
        ("values.value_only", spec.values.value_only),
        ("values.contains", spec.values.contains),
        ("values.shapes", spec.values.shapes),
        ("attributes.becomes", (e for a in spec.attributes for pair in a.becomes.items()
                                for e in pair)),
        ("types", (e for allowed in spec.types.values() if allowed != "ALL" for e in allowed)),
    ]
    for where, entities in named:
        for entity in entities:
            if entity not in known:
                raise RulePackError(source, f"columns.{where}", f"unknown entity {entity}")


def _merge_field_names(builder: _Builder, pack: RulePack, spec: ColumnsSpec) -> None:
    """Names of the pack's field-name dictionary that columns.yaml does not list: positive
    entries become terms of their strongest entity, ``ANY`` look-alikes become attributes."""
    unused = {normal_word(n) for n in spec.unused_field_names}
    for path in pack.sources:
        if path.suffix not in (".yaml", ".yml"):
            continue
        for entry in _field_names(path):
            positive = {e: w for e, w in entry.evidence.items() if e != "ANY" and w > 0}
            for name in entry.names:
                key = normal_word(name)
                if key in builder.words or key in unused:
                    continue
                if positive:
                    entity = max(sorted(positive), key=lambda e: positive[e])
                    builder.words[key] = Word(name, "term", term=Term(
                        entity, spec.field_names_weight))
                elif entry.evidence.get("ANY", 0) < 0:
                    builder.words[key] = Word(name, "attribute", role="other")


def _field_names(path: Path) -> Sequence[_FieldNames]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or "field_names" not in raw:
        return ()
    pack_file = PackFile.model_validate({"field_names": raw["field_names"]})
    return [_FieldNames(tuple(f.names), dict(f.evidence)) for f in pack_file.field_names]


@dataclass(frozen=True, slots=True)
class _FieldNames:
    names: tuple[str, ...]
    evidence: dict[str, float]
