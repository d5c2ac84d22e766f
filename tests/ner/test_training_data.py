"""The synthetic corpus: reproducible, labelled where the names are, and apart from the eval set."""

from __future__ import annotations

import random

import pytest

from benchmarks.ner_cs_set import NO_NAME, TEMPLATES
from pii_guard.detection.ner.surnames import SurnameTable
from training.ner_corpus import training_corpus
from training.ner_lexicon import NameStats, name_stats, read_jieba
from training.ner_synth import TITLES, Composer
from training.ner_templates import BOUNDARY, NEWS, SERVICE


@pytest.fixture(scope="module")
def entries() -> list[tuple[str, int, str]]:
    return read_jieba()


@pytest.fixture(scope="module")
def stats(entries: list[tuple[str, int, str]]) -> NameStats:
    return name_stats(entries, SurnameTable.default())


def corpus(
    seed: int, stats: NameStats, entries: list[tuple[str, int, str]]
) -> list[tuple[str, list[tuple[int, int, str]]]]:
    composer = Composer(random.Random(seed), SurnameTable.default(), stats)
    return [(s.text, s.spans) for s in training_corpus(seed, 300, composer, stats, entries)]


def test_the_same_seed_gives_the_same_corpus(
    stats: NameStats, entries: list[tuple[str, int, str]]
) -> None:
    assert corpus(7, stats, entries) == corpus(7, stats, entries)
    assert corpus(7, stats, entries) != corpus(8, stats, entries)


def test_a_titled_mention_labels_the_name_without_its_title(stats: NameStats) -> None:
    composer = Composer(random.Random(3), SurnameTable.default(), stats)
    titled = [m for m in (composer.person() for _ in range(2000)) if m[0][m[2] :] in TITLES]
    assert titled
    assert all(start == 0 and text[end:] in TITLES for text, start, end in titled)
    assert all(len(text[start:end]) <= 4 for text, start, end in titled)


def test_evaluation_templates_are_not_training_templates() -> None:
    assert not (set(TEMPLATES) | set(NO_NAME)) & (set(SERVICE) | set(NEWS) | set(BOUNDARY))
