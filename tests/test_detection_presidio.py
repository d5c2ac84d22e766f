"""Presidio compatibility: our recognisers inside a Presidio AnalyzerEngine, findings as
RecognizerResults, and no download on the way (tldextract uses its bundled snapshot)."""

from __future__ import annotations

import pytest

pytest.importorskip("presidio_analyzer")

from presidio_analyzer import RecognizerResult

from pii_guard.classification.pack import load_rule_pack
from pii_guard.detection import presidio_compat
from pii_guard.detection.engine import Detector
from pii_guard.detection.findings import Finding
from pii_guard.detection.registry import RecognizerRegistry

TEXT = "客户手机13812345678，身份证号110105199001011232，email li.si@example.com"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.from_pack(load_rule_pack(), RecognizerRegistry())


def test_the_engine_registered_in_a_presidio_analyzer_finds_our_entities(
        detector: Detector) -> None:
    analyzer = presidio_compat.analyzer_engine([presidio_compat.DetectorRecognizer(detector)],
                                               predefined=False)
    results = analyzer.analyze(TEXT, language="en")
    assert sorted((r.entity_type, TEXT[r.start:r.end]) for r in results) == [
        ("CN_MOBILE", "13812345678"), ("CN_RESIDENT_ID", "110105199001011232"),
        ("EMAIL_ADDRESS", "li.si@example.com")]


def test_pattern_rules_registered_as_presidio_pattern_recognizers_validate_like_ours() -> None:
    recognizers = [r for r in presidio_compat.pattern_recognizers(load_rule_pack())
                   if r.supported_entities == ["CN_RESIDENT_ID"]]
    analyzer = presidio_compat.analyzer_engine(recognizers, predefined=False)
    good = analyzer.analyze("身份证号110105199001011232", language="en")
    bad = analyzer.analyze("身份证号110105199001011233", language="en")
    assert [(r.entity_type, r.start, r.end) for r in good] == [("CN_RESIDENT_ID", 4, 22)]
    assert bad == []


def test_findings_convert_to_recognizer_results_and_back(detector: Detector) -> None:
    findings = detector.scan_text(TEXT)
    results = [presidio_compat.to_recognizer_result(f) for f in findings]
    assert all(isinstance(r, RecognizerResult) for r in results)
    assert [(r.entity_type, r.start, r.end, r.score) for r in results] == [
        (f.entity, f.start, f.end, f.score) for f in findings]
    back = [presidio_compat.from_recognizer_result(r) for r in results]
    assert [(f.entity, f.start, f.end, f.recognizer) for f in back] == [
        (f.entity, f.start, f.end, f.recognizer) for f in findings]


def test_presidio_email_recognizer_runs_offline_on_the_bundled_suffix_list() -> None:
    presidio_compat.offline_tldextract()
    import tldextract.tldextract as tld

    assert tld.TLD_EXTRACTOR.suffix_list_urls == ()
    analyzer = presidio_compat.analyzer_engine()
    results = analyzer.analyze("mail li.si@example.co.uk", language="en",
                               entities=["EMAIL_ADDRESS"])
    assert [r.entity_type for r in results] == ["EMAIL_ADDRESS"]


def test_a_finding_from_presidio_keeps_no_value() -> None:
    result = RecognizerResult("CN_MOBILE", 4, 15, 0.9)
    assert presidio_compat.from_recognizer_result(result, "$.note") == Finding(
        "CN_MOBILE", 4, 15, 0.9, "$.note", "presidio")
