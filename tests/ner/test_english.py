"""en_person: English names after cues, with known given names, at the head of a line."""

from __future__ import annotations

import pytest

from pii_guard.detection.ner.english import EnglishPersonRecognizer


@pytest.fixture(scope="module")
def recognizer() -> EnglishPersonRecognizer:
    return EnglishPersonRecognizer.default()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, this is Mr. Dustin Wirth speaking.", ["Dustin Wirth"]),
        ("My name is Olga Petrova and I need help.", ["Olga Petrova"]),
        ("Name: Kamila Novak\nPhone: 555 0101", ["Kamila Novak"]),
        ("Please ask Michael Busch to call back.", ["Michael Busch"]),
        ("Dr. Haruki Tanaka signed the claim.", ["Haruki Tanaka"]),
    ],
)
def test_names_are_found(
    recognizer: EnglishPersonRecognizer, text: str, expected: list[str]
) -> None:
    found = recognizer.analyze(text)
    assert [text[f.start : f.end] for f in found] == expected
    assert all(f.attributes["surname_end"] == "0" for f in found)


@pytest.mark.parametrize(
    "text",
    ["The payment was received on Monday.", "please reset my password", "Thank you for your help."],
)
def test_ordinary_sentences_have_no_names(recognizer: EnglishPersonRecognizer, text: str) -> None:
    assert recognizer.analyze(text) == []
