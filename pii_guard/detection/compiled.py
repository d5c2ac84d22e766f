"""Turning a rule pack into what the engine runs: one Hyperscan database for every pattern and
cue word, re2 expressions for anchored checks, validators and plug-ins resolved by name.

Every failure here names the pack file and the rule (``RulePackError``), so a broken pack stops
start-up with a message a steward can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import re2

from pii_guard.classification.pack import (
    AfterCueRule,
    EngineSettings,
    FieldValueRule,
    PatternRule,
    PluginRule,
    RulePack,
    SourcedRule,
)
from pii_guard.detection.findings import TextRecognizer
from pii_guard.detection.matcher import (
    Expression,
    MultiPatternMatcher,
    PatternError,
    check_expression,
)
from pii_guard.detection.registry import RecognizerRegistry
from pii_guard.detection.validators import BUILTIN_VALIDATORS, Validator

DEFAULT_GAP = r"[\s:：=＝#＃,，.]{0,3}(?:(?:是|为|is|are|No\.?|no\.?)[\s:：=＝#＃]{0,3})?"
_BOUNDARY = {"word": r"\b(?:{})\b", "start": r"\b(?:{})", "end": r"(?:{})\b", "none": "{}"}
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.max_mem = 8 << 20


@dataclass(eq=False)
class CompiledPattern:
    """A ``pattern`` rule ready to run."""

    index: int
    name: str
    entity: str
    score: float
    validator: Validator | None
    boost: float
    requires_context: bool
    anchored: tuple[re2._Regexp, ...]  # each pattern, for re-checking shorter sub-spans


@dataclass(eq=False)
class CompiledAfterCue:
    index: int
    name: str
    entity: str
    score: float
    validator: Validator | None
    value: re2._Regexp  # gap + (value), matched at the end of a cue


@dataclass(eq=False)
class CompiledFieldValue:
    index: int
    name: str
    entity: str
    score: float
    validator: Validator | None
    min_evidence: float
    value: re2._Regexp


@dataclass(eq=False)
class CueWord:
    """One cue word and what it means for each rule."""

    word: str
    positive: set[int] = field(default_factory=set)      # pattern rule indexes
    announces: set[str] = field(default_factory=set)     # entities it is a positive cue for
    negative: set[int] = field(default_factory=set)      # pattern rule indexes
    negative_everywhere: bool = False
    after: list[CompiledAfterCue] = field(default_factory=list)


@dataclass
class CompiledPack:
    settings: EngineSettings
    expressions: list[Expression]
    expression_rule: list[CompiledPattern]   # expression id -> rule, for ids < len()
    cues: list[CueWord]                      # expression id - len(expression_rule) -> cue
    patterns: list[CompiledPattern]
    field_values: list[CompiledFieldValue]
    plugins: dict[str, tuple[TextRecognizer, frozenset[str], str]]  # name -> (rec, ents, rule)
    skipped: list[str]
    expression_source: list[tuple[SourcedRule, str]]  # pattern expression id -> rule, pattern

    def matcher(self) -> MultiPatternMatcher:
        """The one database of every expression; a pattern Hyperscan refuses is found and
        reported by its rule."""
        try:
            return MultiPatternMatcher(self.expressions)
        except PatternError as exc:
            for expression, (sourced, pattern) in zip(self.expressions, self.expression_source,
                                                      strict=False):
                try:
                    check_expression(expression)
                except PatternError as single:
                    raise sourced.error(f"pattern {pattern!r} cannot be compiled: {single}"
                                        ) from None
            raise ValueError(f"rule pack patterns cannot be combined: {exc}") from None


def _re2(pattern: str, sourced: SourcedRule) -> re2._Regexp:
    try:
        return re2.compile(pattern, options=_RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise sourced.error(f"pattern {pattern!r} cannot be compiled: {reason}") from None


def _validator(sourced: SourcedRule, name: str | None,
               validators: Mapping[str, Validator]) -> Validator | None:
    if name is None:
        return None
    if name not in validators:
        raise sourced.error(f"unknown validator {name!r} (known: {', '.join(sorted(validators))})")
    return validators[name]


def _cue_expression(word: str) -> Expression:
    """A cue word as a literal: no start-of-match tracking (its length gives the start), case
    folded for ASCII words, \b where the word starts or ends with an ASCII word character."""
    body = re.escape(word)
    if word[:1].isascii() and (word[:1].isalnum() or word[:1] == "_"):
        body = r"\b" + body
    if word[-1:].isascii() and (word[-1:].isalnum() or word[-1:] == "_"):
        body += r"\b"
    return Expression(body, caseless=word.isascii(), literal_length=len(word.encode("utf-8")))


class _Builder:
    def __init__(self, pack: RulePack, registry: RecognizerRegistry,
                 validators: Mapping[str, Validator]) -> None:
        self.pack = pack
        self.registry = registry
        self.validators = validators
        self.cues: dict[str, CueWord] = {}
        self.expressions: list[Expression] = []
        self.expression_rule: list[CompiledPattern] = []
        self.expression_source: list[tuple[SourcedRule, str]] = []
        self.patterns: list[CompiledPattern] = []
        self.field_values: list[CompiledFieldValue] = []
        self.plugins: dict[str, tuple[TextRecognizer, frozenset[str], str]] = {}
        self.skipped: list[str] = []

    def cue(self, word: str) -> CueWord:
        key = word.strip().casefold()
        if key not in self.cues:
            self.cues[key] = CueWord(word.strip())
        return self.cues[key]

    def build(self) -> CompiledPack:
        settings = self.pack.settings
        for index, sourced in enumerate(self.pack.rules):
            rule = sourced.rule
            if isinstance(rule, PatternRule):
                self._pattern(index, sourced, rule)
            elif isinstance(rule, AfterCueRule):
                self._after_cue(index, sourced, rule)
            elif isinstance(rule, FieldValueRule):
                self._field_value(index, sourced, rule)
            else:
                self._plugin(sourced, rule)
        for word in settings.negative_context:
            self.cue(word).negative_everywhere = True
        cue_list = list(self.cues.values())
        for cue in cue_list:
            self.expressions.append(_cue_expression(cue.word))
        return CompiledPack(settings, self.expressions, self.expression_rule, cue_list,
                            self.patterns, self.field_values, self.plugins, self.skipped,
                            self.expression_source)

    def _pattern(self, index: int, sourced: SourcedRule, rule: PatternRule) -> None:
        del index  # pattern rules are numbered among themselves: cue words refer to them
        compiled = CompiledPattern(
            index=len(self.patterns), name=rule.name, entity=rule.entity, score=rule.score,
            validator=_validator(sourced, rule.validator, self.validators),
            boost=rule.context_boost if rule.context_boost is not None
            else self.pack.settings.context_boost,
            requires_context=rule.requires_context,
            anchored=tuple(_re2(p, sourced) for p in rule.patterns),
        )
        if rule.requires_context and not rule.context:
            raise sourced.error("requires_context needs at least one context word")
        for pattern in rule.patterns:
            self.expressions.append(Expression(_BOUNDARY[rule.boundary].format(pattern),
                                               rule.caseless))
            self.expression_rule.append(compiled)
            self.expression_source.append((sourced, pattern))
        for word in rule.context:
            self.cue(word).positive.add(len(self.patterns))
            self.cue(word).announces.add(rule.entity)
        for word in rule.negative_context:
            self.cue(word).negative.add(len(self.patterns))
        self.patterns.append(compiled)

    def _after_cue(self, index: int, sourced: SourcedRule, rule: AfterCueRule) -> None:
        gap = rule.gap if rule.gap is not None else DEFAULT_GAP
        compiled = CompiledAfterCue(
            index=index, name=rule.name, entity=rule.entity, score=rule.score,
            validator=_validator(sourced, rule.validator, self.validators),
            value=_re2(f"(?:{gap})({rule.value})", sourced),
        )
        for word in rule.cues:
            self.cue(word).after.append(compiled)
            self.cue(word).announces.add(rule.entity)

    def _field_value(self, index: int, sourced: SourcedRule, rule: FieldValueRule) -> None:
        self.field_values.append(CompiledFieldValue(
            index=index, name=rule.name, entity=rule.entity, score=rule.score,
            validator=_validator(sourced, rule.validator, self.validators),
            min_evidence=rule.min_evidence, value=_re2(rule.value, sourced)))

    def _plugin(self, sourced: SourcedRule, rule: PluginRule) -> None:
        if rule.recognizer not in self.registry:
            if rule.optional:
                self.skipped.append(rule.name)
                return
            known = ", ".join(self.registry.names) or "none"
            raise sourced.error(f"recognizer {rule.recognizer!r} is not registered "
                                f"(registered: {known})")
        if rule.recognizer in self.plugins:
            recognizer, entities, first = self.plugins[rule.recognizer]
            self.plugins[rule.recognizer] = (recognizer, entities | {rule.entity}, first)
            return
        try:
            recognizer = self.registry.create(rule.recognizer, rule.options)
        except Exception as exc:  # a plug-in's own configuration error names the rule here
            raise sourced.error(f"recognizer {rule.recognizer!r} failed to start: "
                                f"{type(exc).__name__}: {exc}") from None
        self.plugins[rule.recognizer] = (recognizer, frozenset({rule.entity}), rule.name)


def compile_pack(pack: RulePack, registry: RecognizerRegistry,
                 validators: Mapping[str, Validator] = BUILTIN_VALIDATORS) -> CompiledPack:
    return _Builder(pack, registry, validators).build()
