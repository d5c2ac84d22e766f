"""The detection engine: one scan per text, validators on candidates only, context scoring,
and deterministic overlap resolution.

``scan_text`` steps: normalise widths (offsets unchanged) -> one Hyperscan pass finding every
pattern candidate and every cue word -> boundary and look-alike checks -> named validators ->
score = base + validator adjustment + nearest cue (+boost / -penalty) + field-name evidence
(records) - glue penalty -> values announced by cues (passwords, policy numbers) -> plug-in
recognisers -> threshold -> one finding per span, the best (score, then length, then pack order).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping
from typing import Any

import structlog

from pii_guard.classification.fieldnames import FieldNameEvidence, weight_for
from pii_guard.classification.pack import RulePack
from pii_guard.classification.taxonomy import Taxonomy
from pii_guard.detection.compiled import CompiledPack, CompiledPattern, compile_pack
from pii_guard.detection.context import CueIndex, outermost
from pii_guard.detection.findings import Finding
from pii_guard.detection.normalise import normalise
from pii_guard.detection.records import leaves
from pii_guard.detection.registry import RecognizerRegistry, default_registry
from pii_guard.detection.validators import warm_up

log = structlog.get_logger(__name__)

_SEPARATED = re.compile(r"\d[ -]+\d")
_GLUE_BEFORE = re.compile(r"\d[ -]$")
_GLUE_AFTER = re.compile(r"[ -]\d")
_WORD = re.compile(r"[0-9A-Za-z_]")
ANCESTOR_FACTOR = 0.5
SEPARATOR = "\n"  # between a record's values when plug-ins see them together
AFTER_CUE_REACH = 160  # characters after a cue searched for its value (gap + value)

# score, start, end, order, entity, rule, attributes (plug-ins' facts, e.g. address precision)
Scored = tuple[float, int, int, int, str, str, Mapping[str, str]]
NO_ATTRIBUTES: Mapping[str, str] = {}
_UNCHECKED = (0, 0.0)


class Detector:
    """Finds personal data in texts and records; immutable and thread-safe once built."""

    def __init__(self, compiled: CompiledPack, taxonomy: Taxonomy,
                 field_names: FieldNameEvidence) -> None:
        self._matcher = compiled.matcher()
        self._pack = compiled
        self._settings = compiled.settings
        self._pattern_count = len(compiled.expression_rule)
        # candidates are scored best rule first, so better findings exist when weaker ones
        # are considered (and those that cannot win are skipped)
        by_score = sorted(range(len(compiled.patterns)), key=lambda i: -compiled.patterns[i].score)
        self._rank = [0] * len(by_score)
        for position, index in enumerate(by_score):
            self._rank[index] = position
        self.taxonomy = taxonomy
        self.field_names = field_names
        self.skipped: tuple[str, ...] = tuple(compiled.skipped)
        entities = {r.entity for r in compiled.patterns}
        entities |= {r.entity for r in compiled.field_values}
        entities |= {r.entity for c in compiled.cues for r in c.after}
        entities |= {e for _, ents, _ in compiled.plugins.values() for e in ents}
        self.entities: frozenset[str] = frozenset(entities)

    @classmethod
    def from_pack(cls, pack: RulePack, registry: RecognizerRegistry | None = None) -> Detector:
        compiled = compile_pack(pack, registry if registry is not None else default_registry())
        warm_up()
        for name in compiled.skipped:
            log.warning("recognizer_not_registered", rule=name, optional=True)
        return cls(compiled, pack.taxonomy, pack.field_names)

    # -- public API -----------------------------------------------------------------------

    def scan_text(self, text: str) -> list[Finding]:
        """Findings in ``text``, offsets in the original text (end exclusive), by start."""
        plugged = self._plugins_over([text])[0]
        return [Finding(entity, start, end, score, None, rule, attributes)
                for score, start, end, _, entity, rule, attributes in self._scan(text, {},
                                                                                 plugged)]

    def scan_record(self, record: Mapping[str, Any]) -> list[Finding]:
        """Findings in every string or number of a nested JSON record; each carries its field
        path (``$.contacts[0].mobile``) and offsets within that field's value.

        Plug-in recognisers (names, addresses) see all of a record's values in one call, one
        value per line: their per-call cost, not the characters, dominates on short fields.
        """
        fields = list(leaves(record))
        plugged = self._plugins_over([value for _, _, value in fields])
        findings: list[Finding] = []
        for (path, names, value), extra in zip(fields, plugged, strict=True):
            evidence = self._evidence(names)
            for score, start, end, _, entity, rule, attributes in self._scan(value, evidence,
                                                                             extra):
                findings.append(Finding(entity, start, end, score, path, rule, attributes))
        return findings

    def _plugins_over(self, values: list[str]) -> list[list[Finding]]:
        """Each value's plug-in findings, from one call per plug-in over the values joined by
        line breaks (a text is one value); a finding that would cross from one value into the
        next is dropped."""
        per_value: list[list[Finding]] = [[] for _ in values]
        if not self._pack.plugins or not values:
            return per_value
        joined = SEPARATOR.join(values)
        bounds: list[int] = []
        position = 0
        for value in values:
            bounds.append(position)
            position += len(value) + len(SEPARATOR)
        for recognizer, entities, rule_name in self._pack.plugins.values():
            for finding in recognizer.analyze(joined):
                if finding.entity not in entities:
                    continue
                index = bisect_left(bounds, finding.start + 1) - 1
                base = bounds[index]
                if finding.end > base + len(values[index]):
                    continue
                per_value[index].append(Finding(
                    finding.entity, finding.start - base, finding.end - base, finding.score,
                    None, finding.recognizer or rule_name, finding.attributes))
        return per_value

    def _evidence(self, names: tuple[str, ...]) -> dict[str, float]:
        """Field-name evidence of the leaf's own name, else of its nearest named ancestor."""
        for depth, name in enumerate(names):
            evidence = self.field_names.score(name)
            if evidence:
                if depth:
                    return {k: v * ANCESTOR_FACTOR for k, v in evidence.items()}
                return evidence
        return {}

    # -- scanning -------------------------------------------------------------------------

    def _scan(self, text: str, evidence: Mapping[str, float],
              plugged: list[Finding]) -> list[Scored]:
        """``plugged``: the plug-ins' findings in ``text`` (see ``_plugins_over``)."""
        norm = normalise(text)
        hits = self._matcher.scan(norm)
        if not hits and not evidence and not plugged:
            return []  # most record fields: nothing matched and the field name says nothing
        candidates: set[tuple[int, int, int]] = set()
        cue_hits: list[tuple[int, int, int]] = []
        count = self._pattern_count
        rules = self._pack.expression_rule
        for expression, start, end in hits:
            if expression < count:
                candidates.add((rules[expression].index, start, end))
            else:
                cue_hits.append((start, end, expression - count))
        cue_hits = outermost(cue_hits)
        settings = self._settings
        cues = CueIndex(norm, cue_hits, self._pack.cues, settings.context_window,
                        settings.context_window_after)
        scored: list[Scored] = []
        if candidates:
            self._score_patterns(norm, candidates, cues, evidence, scored)
        if cue_hits:
            self._values_after_cues(norm, cue_hits, scored)
        if evidence:
            self._field_values(norm, evidence, scored)
        for finding in plugged:
            weight = weight_for(evidence, finding.entity) if evidence else 0.0
            scored.append((_clamp(finding.score + weight), finding.start, finding.end,
                           len(self._pack.patterns) + len(scored), finding.entity,
                           finding.recognizer, finding.attributes))
        return _resolve(scored, settings.threshold)

    def _score_patterns(self, norm: str, candidates: set[tuple[int, int, int]], cues: CueIndex,
                        evidence: Mapping[str, float], out: list[Scored]) -> None:
        patterns = self._pack.patterns
        settings = self._settings
        budget = 64 + len(norm) // 256  # separated candidates retried from a later start
        kept = _Kept()
        checked: dict[tuple[int, str], tuple[int, float] | None] = {}  # each value once
        rank = self._rank
        for _, start, end, rule_index in sorted((rank[r], s, e, r) for r, s, e in candidates):
            rule = patterns[rule_index]
            if not _bounded(norm, start, end):
                continue
            value = norm[start:end]
            key = (rule_index, value)
            if checked.get(key, _UNCHECKED) is None:
                continue  # this value already failed this rule's check in this text
            field_weight = weight_for(evidence, rule.entity) if evidence else 0.0
            if rule.requires_context and field_weight <= 0 and rule_index not in cues.present:
                continue
            best = _clamp(rule.score + rule.boost + max(field_weight, 0.0))
            if kept.dominates(start, end, best, rule.index):
                continue  # cannot win against a better finding around it: skip its validator
            verdict = cues.verdict(rule_index, rule.entity, start, end)
            if rule.requires_context and not (verdict.positive or field_weight > 0):
                continue  # checked before the validator: context-only rules are the common miss
            if key in checked:
                outcome = checked[key]
            else:
                separated = _SEPARATED.search(value) is not None
                outcome = checked[key] = _check(rule, value, separated and budget > 0)
                if separated and (outcome is None or outcome[0]):
                    budget -= 1
            if outcome is None:
                continue
            shift, adjustment = outcome
            if shift:
                start += shift
                verdict = cues.verdict(rule_index, rule.entity, start, end)
            score = rule.score + adjustment + field_weight
            amount = _amount(norm, start, end, settings.negative_prefixes,
                             settings.negative_suffixes)  # ¥ or 元 outweighs any cue
            if verdict.positive and not amount:
                score += rule.boost
            elif verdict.other and not amount:
                score -= settings.other_cue_penalty
            elif verdict.negative or amount:
                score -= settings.negative_penalty
            if _glued(norm, start, end):
                score -= settings.glue_penalty
            score = _clamp(score)
            kept.add(start, end, score, rule.index)
            out.append((score, start, end, rule.index, rule.entity, rule.name, NO_ATTRIBUTES))

    def _values_after_cues(self, norm: str, cue_hits: list[tuple[int, int, int]],
                           out: list[Scored]) -> None:
        cues = self._pack.cues
        for _, cue_end, cue_index in cue_hits:
            after = cues[cue_index].after
            if not after:
                continue
            window = norm[cue_end:cue_end + AFTER_CUE_REACH]  # re2 would copy the whole text
            for rule in after:
                match = rule.value.match(window)
                if match is None:
                    continue
                start, end = match.span(1)
                if end <= start:
                    continue
                start += cue_end
                end += cue_end
                adjustment = rule.validator(norm[start:end]) if rule.validator else 0.0
                if adjustment is None:
                    continue
                out.append((_clamp(rule.score + adjustment), start, end,
                            len(self._pack.patterns) + rule.index, rule.entity, rule.name,
                            NO_ATTRIBUTES))

    def _field_values(self, norm: str, evidence: Mapping[str, float], out: list[Scored]) -> None:
        start = len(norm) - len(norm.lstrip())
        end = len(norm.rstrip())
        if end <= start:
            return
        value = norm[start:end]
        for rule in self._pack.field_values:
            weight = weight_for(evidence, rule.entity)
            if weight < rule.min_evidence or rule.value.fullmatch(value) is None:
                continue
            adjustment = rule.validator(value) if rule.validator else 0.0
            if adjustment is not None:
                out.append((_clamp(rule.score + adjustment), start, end,
                            len(self._pack.patterns) + rule.index, rule.entity, rule.name,
                            NO_ATTRIBUTES))


class _Kept:
    """Scored candidates by start, to skip validating a candidate that lies inside one it can
    never beat (a phone-number reading of a card number that is already a valid card)."""

    LOOK_BACK = 16

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._items: list[tuple[int, int, float, int]] = []

    def add(self, start: int, end: int, score: float, order: int) -> None:
        i = bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._items.insert(i, (start, end, score, order))

    def dominates(self, start: int, end: int, best_possible: float, order: int) -> bool:
        """True when a kept finding contains [start, end) and beats ``best_possible`` under the
        resolution order (score, then length, then pack order)."""
        i = bisect_left(self._starts, start + 1)
        for j in range(i - 1, max(-1, i - 1 - self.LOOK_BACK), -1):
            other_start, other_end, score, other_order = self._items[j]
            if other_end < end:
                continue
            if score > best_possible:
                return True
            if score == best_possible and (other_end - other_start > end - start or (
                    other_start == start and other_order < order)):
                return True
        return False


def _clamp(score: float) -> float:
    return round(min(1.0, max(0.0, score)), 4)


def _bounded(norm: str, start: int, end: int) -> bool:
    """Not a piece of a decimal number, a time or a longer code (``13812345678.50``, ``14:32``,
    ``+1 984...``)."""
    if start >= 2 and norm[start - 1] in ".:" and norm[start - 2].isdigit():
        return False
    if start >= 1 and norm[start - 1] == "+" and norm[start:start + 1].isdigit():
        return False  # the rest of an international number written +CC...
    return not (norm[end:end + 1] in (".", ":") and norm[end + 1:end + 2].isdigit())


def _glued(norm: str, start: int, end: int) -> bool:
    """A separated number (``0212 3456 7890``) glued by one separator to further digit groups is
    more likely a piece of a longer number than a value of its own."""
    if not _SEPARATED.search(norm, start, end):
        return False
    return bool(_GLUE_BEFORE.search(norm[max(0, start - 2):start])
                or _GLUE_AFTER.match(norm, end))


def _amount(norm: str, start: int, end: int, prefixes: tuple[str, ...],
            suffixes: tuple[str, ...]) -> bool:
    before = norm[max(0, start - 6):start].rstrip()
    after = norm[end:end + 6].lstrip()
    return before.endswith(prefixes) or after.startswith(suffixes)


def _check(rule: CompiledPattern, value: str, may_retry: bool) -> tuple[int, float] | None:
    """(shift, adjustment) when ``value[shift:]`` is valid for ``rule``, else None.

    Hyperscan reports the leftmost start only: ``12 6222 0212 3456 7890`` arrives whole. When
    the whole fails and retries are allowed, retry from after each separator, as long as the
    rest is still the rule's pattern and valid. Retries are budgeted per text (hostile input
    full of separated digits would otherwise multiply them)."""
    adjustment = rule.validator(value) if rule.validator else 0.0
    if adjustment is not None:
        return 0, adjustment
    if not may_retry:
        return None
    for position in range(1, len(value) - 1):
        if value[position - 1] not in " -" or _WORD.match(value, position) is None:
            continue
        rest = value[position:]
        # validator first: it refuses most rests at once (too few digits, a date), where
        # each anchored re2 match costs a few microseconds
        adjustment = rule.validator(rest) if rule.validator else 0.0
        if adjustment is not None and any(p.fullmatch(rest) for p in rule.anchored):
            return position, adjustment
    return None


def _resolve(scored: list[Scored], threshold: float) -> list[Scored]:
    """Keep findings at or above the threshold, then the best of overlapping ones: higher
    score, then longer span, then earlier start, then pack order."""
    eligible = [s for s in scored if s[0] >= threshold and s[2] > s[1]]
    eligible.sort(key=lambda s: (-s[0], s[1] - s[2], s[1], s[3]))
    starts: list[int] = []
    ends: list[int] = []
    chosen: list[Scored] = []
    for item in eligible:
        _, start, end = item[0], item[1], item[2]
        i = bisect_left(starts, start)
        if i > 0 and ends[i - 1] > start:
            continue
        if i < len(starts) and starts[i] < end:
            continue
        starts.insert(i, start)
        ends.insert(i, end)
        chosen.insert(i, item)
    return chosen
