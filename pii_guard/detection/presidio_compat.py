"""Presidio compatibility: our recognisers inside a Presidio ``AnalyzerEngine``, and findings as
Presidio ``RecognizerResult``s, so Presidio users can adopt pii-guard piece by piece.

Two adapters:

* ``DetectorRecognizer`` registers the whole engine (one Hyperscan pass, our context scoring) as
  one Presidio ``EntityRecognizer`` - the fast way to add every pii-guard entity.
* ``pattern_recognizers(pack)`` turns each ``pattern`` rule of a rule pack into a native Presidio
  ``PatternRecognizer`` (same expressions, same boundaries, the validator as
  ``validate_result``, the context words as Presidio context) - for users who want Presidio's
  own loop and context enhancer, and as the "equivalent recognisers" of the benchmarks.

Presidio (and spaCy) are imported only when this module is used, so the service starts fast.
Presidio's e-mail recogniser calls ``tldextract``, which would download the public-suffix list:
``offline_tldextract()`` makes it use the snapshot bundled with tldextract and no URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import regex
import spacy
import tldextract.tldextract as tld
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

from pii_guard.classification.pack import PatternRule, RulePack
from pii_guard.detection.compiled import _BOUNDARY
from pii_guard.detection.engine import Detector
from pii_guard.detection.findings import Finding
from pii_guard.detection.validators import BUILTIN_VALIDATORS, Validator

# ASCII classes: \b between a Chinese character and a digit is a boundary, as in the engine.
PATTERN_FLAGS = regex.DOTALL | regex.MULTILINE | regex.ASCII  # Presidio compiles with `regex`


def offline_tldextract() -> None:
    """Point tldextract's module-level extractor at its bundled snapshot, with no URL to fetch
    and no cache directory to write."""
    tld.TLD_EXTRACTOR = tld.TLDExtract(cache_dir=None, suffix_list_urls=(),
                                       fallback_to_snapshot=True)


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """A Presidio NLP engine over ``spacy.blank`` pipelines: tokens and lemmas for context, no
    statistical model, nothing downloaded."""

    def __init__(self, languages: Sequence[str] = ("en",)) -> None:
        super().__init__(models=[{"lang_code": code, "model_name": f"blank:{code}"}
                                 for code in languages])

    def load(self) -> None:
        self.nlp = {  # type: ignore[assignment]
            model["lang_code"]: spacy.blank(model["lang_code"]) for model in self.models}


def to_recognizer_result(finding: Finding) -> RecognizerResult:
    return RecognizerResult(
        entity_type=finding.entity, start=finding.start, end=finding.end, score=finding.score,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: finding.recognizer or "pii_guard",
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: f"pii_guard.{finding.recognizer}",
        })


def from_recognizer_result(result: RecognizerResult, field: str | None = None) -> Finding:
    metadata = result.recognition_metadata or {}
    return Finding(result.entity_type, result.start, result.end, float(result.score), field,
                   str(metadata.get(RecognizerResult.RECOGNIZER_NAME_KEY, "presidio")))


class DetectorRecognizer(EntityRecognizer):
    """The pii-guard engine as one Presidio recogniser (scores already include our context)."""

    def __init__(self, detector: Detector, supported_language: str = "en",
                 entities: Iterable[str] | None = None) -> None:
        self._detector = detector
        super().__init__(supported_entities=sorted(entities or detector.entities),
                         name="PiiGuardDetector", supported_language=supported_language)

    def load(self) -> None:
        """Nothing to load: the detector is built already."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        wanted = set(entities) if entities else set(self.supported_entities)
        results = []
        for finding in self._detector.scan_text(text):
            if finding.entity in wanted:
                result = to_recognizer_result(finding)
                result.recognition_metadata[RecognizerResult.RECOGNIZER_IDENTIFIER_KEY] = self.id
                metadata = result.recognition_metadata
                metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
                results.append(result)
        return results


class _ValidatedPatternRecognizer(PatternRecognizer):
    def __init__(self, validator: Validator | None, **kwargs: Any) -> None:
        self._validator = validator
        super().__init__(**kwargs)

    def validate_result(self, pattern_text: str) -> bool | None:
        if self._validator is None:
            return None
        return self._validator(pattern_text) is not None


def pattern_recognizers(pack: RulePack, language: str = "en") -> list[PatternRecognizer]:
    """One Presidio ``PatternRecognizer`` per ``pattern`` rule of ``pack``."""
    recognizers: list[PatternRecognizer] = []
    for sourced in pack.rules:
        rule = sourced.rule
        if not isinstance(rule, PatternRule):
            continue
        patterns = [Pattern(f"{rule.name}_{i}", _BOUNDARY[rule.boundary].format(p), rule.score)
                    for i, p in enumerate(rule.patterns)]
        validator = BUILTIN_VALIDATORS.get(rule.validator) if rule.validator else None
        recognizers.append(_ValidatedPatternRecognizer(
            validator, supported_entity=rule.entity, name=rule.name,
            supported_language=language, patterns=patterns, context=list(rule.context),
            global_regex_flags=PATTERN_FLAGS | (regex.IGNORECASE if rule.caseless else 0)))
    return recognizers


def analyzer_engine(recognizers: Iterable[EntityRecognizer] = (), *,
                    predefined: bool = True, languages: Sequence[str] = ("en",)) -> AnalyzerEngine:
    """A Presidio ``AnalyzerEngine`` on blank spaCy pipelines (no model download), with Presidio's
    predefined recognisers if asked and the given ones added."""
    offline_tldextract()
    registry = RecognizerRegistry(supported_languages=list(languages))
    if predefined:
        registry.load_predefined_recognizers(languages=list(languages))
    for recognizer in recognizers:
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=BlankSpacyNlpEngine(languages),
                          supported_languages=list(languages))
