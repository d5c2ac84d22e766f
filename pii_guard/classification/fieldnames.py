"""Field-name evidence: how strongly a field or column name says what its values are.

Record fields and database columns are named by people, in Chinese (身份证号, 手机号码), in
pinyin initials (sfzh, sjhm, khxm, yhkh, zjhm), or in English with prefixes and suffixes
(cust_mobile, id_no, acct_nbr, CardNo). ``FieldNameEvidence.score(name)`` turns a name into
``{entity: weight}``: positive weights make an entity more likely, negative ones (``order_no``,
``serial``, ``amount``) make every entity less likely. The detection engine adds these weights
to the scores of values found in a field; discovery reuses the same function on column names.

The knowledge lives in ``classifiers/field_names.yaml`` (section ``field_names``): each entry
lists names and the evidence they give. Matching rules:

* a name containing Chinese characters matches when it occurs anywhere in the field name;
* a Latin name is split into lower-case tokens (``_ - . /`` spaces, camelCase) and matches a
  contiguous run of the field name's tokens, or one token equal to its letters run together
  (``card no`` matches ``card_no``, ``CardNo`` and ``cardno``); a token is never matched by a
  part of it (``mobile`` says nothing about ``automobile``);
* a match inside a longer match says nothing (``address`` in ``email_address``);
* per entity the strongest positive weight wins; without one, the strongest negative weight
  (of that entity or of ``ANY``) applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ANY = "ANY"
_CACHE_LIMIT = 50_000

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True)
class FieldNameEntry:
    names: tuple[str, ...]
    evidence: Mapping[str, float]
    source: Path | None = None


def tokens_of(name: str) -> list[str]:
    """Lower-case Latin tokens of a field name (CJK characters act as separators)."""
    latin = _CJK.sub(" ", name)
    return [t for t in _SPLIT.split(_CAMEL.sub(" ", latin).lower()) if t]


class FieldNameEvidence:
    """Scores field or column names; immutable once built, safe to share between threads."""

    def __init__(self, entries: Sequence[FieldNameEntry]) -> None:
        self._cjk: list[tuple[str, Mapping[str, float]]] = []
        self._runs: dict[str, list[tuple[tuple[str, ...], Mapping[str, float]]]] = {}
        self._joined: dict[str, list[Mapping[str, float]]] = {}
        for entry in entries:
            for name in entry.names:
                if _CJK.search(name):
                    self._cjk.append((name, entry.evidence))
                    continue
                run = tuple(tokens_of(name))
                if not run:
                    continue
                self._runs.setdefault(run[0], []).append((run, entry.evidence))
                self._joined.setdefault("".join(run), []).append(entry.evidence)
        self._cache: dict[str, dict[str, float]] = {}

    def score(self, name: str) -> dict[str, float]:
        """``{entity: weight}`` for a field or column name; empty when the name says nothing."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self._score(name)
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[name] = cached
        return dict(cached)

    def _score(self, name: str) -> dict[str, float]:
        matches: list[Mapping[str, float]] = []
        for word, evidence in self._cjk:
            if word in name:
                matches.append(evidence)
        tokens = tokens_of(name)
        spans: list[tuple[int, int, Mapping[str, float]]] = []
        for i, token in enumerate(tokens):
            for run, evidence in self._runs.get(token, ()):
                if tuple(tokens[i:i + len(run)]) == run:
                    spans.append((i, i + len(run), evidence))
            for evidence in self._joined.get(token, ()):
                spans.append((i, i + 1, evidence))
        for start, end, evidence in spans:
            if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in spans):
                matches.append(evidence)
        return _combine(matches)


def _combine(matches: list[Mapping[str, float]]) -> dict[str, float]:
    positive: dict[str, float] = {}
    negative: dict[str, float] = {}
    for evidence in matches:
        for entity, weight in evidence.items():
            if weight > 0:
                positive[entity] = max(positive.get(entity, 0.0), weight)
            elif weight < 0:
                negative[entity] = min(negative.get(entity, 0.0), weight)
    result = dict(positive)
    for entity, weight in negative.items():
        if entity not in positive:
            result[entity] = weight
    return result


def weight_for(evidence: Mapping[str, float], entity: str) -> float:
    """The weight ``evidence`` gives ``entity``: its own, else a negative ``ANY`` weight, else 0."""
    if entity in evidence:
        return evidence[entity]
    return min(evidence.get(ANY, 0.0), 0.0)
