"""Rule packs: the declarative content of detection and classification, validated on load.

A rule pack is a set of YAML files. Each file may hold any of these sections:

``categories``   category -> tier (C1-C3), level (1-5), PIPL ``sensitive`` flag
``entities``     entity -> category
``detection``    engine settings: report threshold, context windows, global negative cues
``recognizers``  rules: ``pattern`` (regular expressions + named validator + context words),
                 ``after_cue`` (a value right after a cue word, e.g. a password after 密码),
                 ``field_value`` (a whole record value whose field name is evidence enough),
                 ``plugin`` (a non-pattern recogniser registered in code by name)
``field_names``  field-name evidence: names (Chinese, pinyin initials, English) -> entity weights

Top-level keys starting with ``x-`` are ignored (they hold YAML anchors shared by rules).
The default pack is ``classifiers/{taxonomy,detection,field_names}.yaml`` plus
``classifiers/recognizers/*.yaml``; a deployment adds its own files or directories through the
``rule_packs`` setting. Later files add to earlier ones; a rule may replace an earlier rule of
the same name only with ``override: true``. Any problem stops start-up with a message naming the
file and the rule (``RulePackError``); nothing falls back to a default silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from pii_guard.classification.fieldnames import FieldNameEntry, FieldNameEvidence
from pii_guard.classification.taxonomy import Category, Taxonomy
from pii_guard.errors import ConfigurationError
from pii_guard.resources import classifiers_dir

ModelT = TypeVar("ModelT", bound=BaseModel)

ENTITY_NAME = r"^[A-Z][A-Z0-9_]*$"
RULE_NAME = r"^[a-z][a-z0-9_]*$"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there
_LIST_SETTINGS = ("negative_context", "negative_prefixes", "negative_suffixes")
DEFAULT_PACK_FILES = ("taxonomy.yaml", "detection.yaml", "field_names.yaml", "recognizers")


class RulePackError(ConfigurationError):
    """A rule pack file is missing, malformed or inconsistent; the message names file and rule."""

    default_code = "invalid_rule_pack"

    def __init__(self, source: Path | str, where: str, problem: str) -> None:
        self.source = str(source)
        self.where = where
        super().__init__("invalid_rule_pack", f"{source}: {where}: {problem}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategorySpec(_Strict):
    description: str = ""
    tier: Literal["C1", "C2", "C3"]
    level: int = Field(ge=1, le=5)
    sensitive: bool


class DetectionSpec(_Strict):
    """Engine settings; every field optional here so a later pack can change one of them."""

    threshold: float | None = Field(None, ge=0, le=1, description="Lowest score reported.")
    context_window: int | None = Field(None, ge=0, le=200,
                                       description="Characters before a value searched for cues.")
    context_window_after: int | None = Field(None, ge=0, le=200,
                                             description="Characters after a value searched.")
    context_boost: float | None = Field(None, ge=0, le=1, description="Default cue boost.")
    negative_penalty: float | None = Field(None, ge=0, le=1,
                                           description="Score removed by a negative cue.")
    other_cue_penalty: float | None = Field(None, ge=0, le=1, description=(
        "Score removed when the nearest cue announces a different entity."))
    glue_penalty: float | None = Field(None, ge=0, le=1, description=(
        "Score removed from a separated number glued to further digit groups."))
    negative_context: list[str] = Field(default_factory=list, description=(
        "Cue words that announce look-alikes (order numbers, amounts) for every entity."))
    negative_prefixes: list[str] = Field(default_factory=list, description=(
        "Text right before a value that makes it an amount or code (¥, $, RMB)."))
    negative_suffixes: list[str] = Field(default_factory=list, description=(
        "Text right after a value that makes it an amount or a duration (元, 万, %, ms)."))


class _RuleBase(_Strict):
    name: str = Field(pattern=RULE_NAME)
    entity: str = Field(pattern=ENTITY_NAME)
    description: str = ""
    override: bool = False


class _ScoredRule(_RuleBase):
    score: float = Field(ge=0, le=1)
    validator: str | None = None


class PatternRule(_ScoredRule):
    kind: Literal["pattern"] = "pattern"
    patterns: list[str] = Field(min_length=1)
    boundary: Literal["word", "start", "end", "none"] = "word"
    caseless: bool = False
    context: list[str] = Field(default_factory=list)
    context_boost: float | None = Field(None, ge=0, le=1)
    negative_context: list[str] = Field(default_factory=list)
    requires_context: bool = False


class AfterCueRule(_ScoredRule):
    kind: Literal["after_cue"]
    cues: list[str] = Field(min_length=1)
    value: str = Field(min_length=1)
    gap: str | None = None


class FieldValueRule(_ScoredRule):
    kind: Literal["field_value"]
    value: str = Field(min_length=1)
    min_evidence: float = Field(0.5, gt=0, le=1)


class PluginRule(_RuleBase):
    kind: Literal["plugin"]
    recognizer: str = Field(min_length=1)
    optional: bool = False
    options: dict[str, Any] = Field(default_factory=dict)


Rule = Annotated[PatternRule | AfterCueRule | FieldValueRule | PluginRule,
                 Field(discriminator="kind")]
_RULE = TypeAdapter(Rule)


class FieldNameSpec(_Strict):
    names: list[str] = Field(min_length=1)
    evidence: dict[str, float] = Field(min_length=1)

    @field_validator("evidence")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        for entity, weight in value.items():
            if entity != "ANY" and not entity.replace("_", "").isalnum():
                raise ValueError(f"not an entity name: {entity}")
            if not -1 <= weight <= 1:
                raise ValueError(f"weight of {entity} must lie in [-1, 1]")
        return value


class PackFile(_Strict):
    pack: dict[str, str] = Field(default_factory=dict)
    categories: dict[str, CategorySpec] = Field(default_factory=dict)
    entities: dict[str, str] = Field(default_factory=dict)
    detection: DetectionSpec | None = None
    recognizers: list[dict[str, Any]] = Field(default_factory=list)
    field_names: list[FieldNameSpec] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    threshold: float
    context_window: int
    context_window_after: int
    context_boost: float
    negative_penalty: float
    other_cue_penalty: float
    glue_penalty: float
    negative_context: tuple[str, ...]
    negative_prefixes: tuple[str, ...]
    negative_suffixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourcedRule:
    """A rule and the file it came from, so later checks (patterns, validators) can name both."""

    rule: PatternRule | AfterCueRule | FieldValueRule | PluginRule
    source: Path

    def error(self, problem: str) -> RulePackError:
        return RulePackError(self.source, f"rule {self.rule.name!r}", problem)


@dataclass(frozen=True)
class RulePack:
    sources: tuple[Path, ...]
    taxonomy: Taxonomy
    rules: tuple[SourcedRule, ...]
    settings: EngineSettings
    field_names: FieldNameEvidence


def default_pack_paths() -> list[Path]:
    base = classifiers_dir()
    return [base / name for name in DEFAULT_PACK_FILES]


def load_rule_pack(paths: Sequence[Path] | None = None,
                   extra: Iterable[Path] = ()) -> RulePack:
    """Load the default pack (or ``paths``) followed by ``extra`` files or directories."""
    files = _expand([*(paths if paths is not None else default_pack_paths()), *extra])
    return _Merger().merge(files)


def _expand(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise RulePackError(path, "directory", "holds no *.yaml rule pack files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise RulePackError(path, "file", "does not exist")
    return files


def _read(path: Path) -> PackFile:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RulePackError(path, "file", f"cannot be read as YAML ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    if not isinstance(raw, dict):
        raise RulePackError(path, "file", "must be a mapping of sections")
    sections = {k: v for k, v in raw.items() if not str(k).startswith("x-")}  # anchor holders
    try:
        return PackFile.model_validate(sections)
    except ValidationError as exc:
        raise RulePackError(path, _location(exc), _problem(exc)) from None


def read_model(source: Path, model: type[ModelT]) -> ModelT:
    """A plain YAML file of the classifiers (treatments, columns) read into ``model``; a file
    that cannot be read or does not fit stops start-up naming the file and the place."""
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RulePackError(source, "file", f"cannot be read as YAML ({type(exc).__name__})"
                            ) from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RulePackError(source, _location(exc),
                            str(exc.errors()[0].get("msg", "invalid"))) from None


def _location(exc: ValidationError) -> str:
    loc = exc.errors()[0].get("loc", ())
    return ".".join(str(p) for p in loc) or "file"


def _problem(exc: ValidationError) -> str:
    return "; ".join(str(e.get("msg", "invalid")) for e in exc.errors()[:3])


def _rule_label(index: int, raw: dict[str, Any]) -> str:
    name = raw.get("name")
    return f"rule {name!r}" if isinstance(name, str) else f"recognizers[{index}]"


class _Merger:
    """Folds pack files in order into one RulePack, checking consistency across files."""

    def __init__(self) -> None:
        self.categories: dict[str, Category] = {}
        self.entities: dict[str, str] = {}
        self.entity_source: dict[str, Path] = {}
        self.rules: dict[str, SourcedRule] = {}
        self.settings: dict[str, Any] = {}
        self.lists: dict[str, list[str]] = {name: [] for name in _LIST_SETTINGS}
        self.field_names: list[FieldNameEntry] = []

    def merge(self, files: Sequence[Path]) -> RulePack:
        for path in files:
            self._add(path, _read(path))
        for sourced in self.rules.values():
            if sourced.rule.entity not in self.entities:
                raise sourced.error(f"entity {sourced.rule.entity} is not mapped to a category "
                                    "in any pack (add it under `entities:`)")
        for entry in self.field_names:
            for entity in entry.evidence:
                if entity != "ANY" and entity not in self.entities:
                    raise RulePackError(entry.source or "field_names",
                                        f"field_names {entry.names[0]!r}",
                                        f"unknown entity {entity}")
        scalars = [k for k in EngineSettings.__slots__ if k not in _LIST_SETTINGS]
        missing = [k for k in scalars if self.settings.get(k) is None]
        if missing:
            raise RulePackError(files[-1] if files else "rule pack", "detection",
                                f"no pack sets {', '.join(missing)}")
        values: dict[str, Any] = {k: self.settings[k] for k in scalars}
        values.update({k: tuple(dict.fromkeys(v)) for k, v in self.lists.items()})
        settings = EngineSettings(**values)
        return RulePack(
            sources=tuple(files),
            taxonomy=Taxonomy(self.categories, self.entities),
            rules=tuple(self.rules.values()),
            settings=settings,
            field_names=FieldNameEvidence(self.field_names),
        )

    def _add(self, path: Path, pack: PackFile) -> None:
        for name, spec in pack.categories.items():
            category = Category(name, spec.tier, spec.level, spec.sensitive, spec.description)
            if name in self.categories and self.categories[name] != category:
                raise RulePackError(path, f"categories.{name}", "redefines a category")
            self.categories[name] = category
        for entity, category_name in pack.entities.items():
            if category_name not in self.categories:
                raise RulePackError(path, f"entities.{entity}",
                                    f"category {category_name!r} is not defined")
            known = self.entities.get(entity)
            if known is not None and known != category_name:
                raise RulePackError(path, f"entities.{entity}",
                                    f"already mapped to {known} in {self.entity_source[entity]}")
            self.entities[entity] = category_name
            self.entity_source[entity] = path
        if pack.detection is not None:
            values = pack.detection.model_dump(exclude=set(_LIST_SETTINGS), exclude_none=True)
            self.settings.update(values)
            for name in _LIST_SETTINGS:
                self.lists[name].extend(getattr(pack.detection, name))
        for index, raw in enumerate(pack.recognizers):
            self._add_rule(path, index, raw)
        for names in pack.field_names:
            self.field_names.append(FieldNameEntry(tuple(names.names), dict(names.evidence), path))

    def _add_rule(self, path: Path, index: int, raw: dict[str, Any]) -> None:
        label = _rule_label(index, raw)
        try:
            rule = _RULE.validate_python({"kind": "pattern", **raw})
        except ValidationError as exc:
            raise RulePackError(path, label, f"{_location(exc)}: {_problem(exc)}") from None
        if rule.name in self.rules and not rule.override:
            earlier = self.rules[rule.name].source
            raise RulePackError(path, label, f"duplicates a rule of {earlier} "
                                "(set `override: true` to replace it)")
        self.rules[rule.name] = SourcedRule(rule, path)
