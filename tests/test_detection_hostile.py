"""Hostile inputs of a megabyte: every pattern runs in linear time (Hyperscan, re2), so these
simply complete; each test checks the result is still sensible. No wall-clock assertion."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pii_guard.classification.pack import load_rule_pack
from pii_guard.detection.engine import Detector
from pii_guard.detection.registry import RecognizerRegistry
from pii_guard.detection.validators import BUILTIN_VALIDATORS

MEGABYTE = 1_000_000


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.from_pack(load_rule_pack(), RecognizerRegistry())


HOSTILE = {
    # one shape per family of patterns: digit runs, separated digits, e-mail, IPv6/MAC, dates,
    # cue words (after-cue values), plates; each would be quadratic or worse with backtracking
    "one long digit run": "1" * MEGABYTE,
    "digits separated by spaces": "1 " * (MEGABYTE // 2),
    "an endless e-mail local part": "a." * (MEGABYTE // 2) + "@",
    "colons and hex": "1a:" * (MEGABYTE // 3),
    "dates": "1990-01-01 " * (MEGABYTE // 11),
    "a cue before every digit": "密码1" * (MEGABYTE // 7),
    "plate provinces": "京A" * (MEGABYTE // 4),
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_megabyte_of_hostile_text_completes(detector: Detector, text: str) -> None:
    findings = detector.scan_text(text)
    assert all(0 <= f.start < f.end <= len(text) for f in findings)
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))


def test_a_megabyte_field_in_a_record_completes(detector: Detector) -> None:
    findings = detector.scan_record({"sfzh": "1" * MEGABYTE, "sjhm": "13812345678"})
    assert [(f.field, f.entity) for f in findings] == [("$.sjhm", "CN_MOBILE")]


def test_valid_values_inside_a_hostile_text_are_still_found(detector: Detector) -> None:
    text = "1 " * 50_000 + "。客户手机13812345678。" + "a." * 50_000
    assert [f.entity for f in detector.scan_text(text)] == ["CN_MOBILE"]


@pytest.mark.parametrize("name", sorted(BUILTIN_VALIDATORS))
@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet="0123456789 -()+./:Xx@ABCDEFabcdef中", max_size=40))
@example(value="79189079561 7+990441.")  # a ten-digit "year": once an OverflowError
def test_a_validator_answers_every_string_without_raising(name: str, value: str) -> None:
    """The engine retries the rest of a separated candidate with the validator before the
    pattern, so a validator sees strings its pattern would not have matched."""
    outcome = BUILTIN_VALIDATORS[name](value)
    assert outcome is None or isinstance(outcome, float)
