"""Accuracy: per-entity precision, recall and F1 of pii-guard and Presidio, side by side.

1. The Presidio research synthetic set (``../shared/eval/presidio-research-synth-v2.json``) for
   the entities both cover. Presidio runs as shipped (predefined recognisers, blank spaCy
   pipeline, default threshold). Entity names are mapped: CREDIT_CARD = BANK_CARD,
   PHONE_NUMBER = PHONE_NUMBER | CN_MOBILE | CN_LANDLINE, the others by their own names. A
   prediction counts when it overlaps an unmatched gold span of the same class.
2. Chinese customer-service notes with look-alikes (benchmarks/cn_corpus.py, seeded): per-entity
   F1 with exact spans, and how many look-alikes (order numbers, timestamps, amounts, numbers
   failing their checks) were reported as anything. Presidio runs with its predefined
   recognisers plus our pack's pattern rules for the entities it lacks, as native
   PatternRecognizers (validators included).

    .venv/bin/python benchmarks/detection_accuracy.py [--count 2000] [--seed 20231105]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cn_corpus import corpus

SYNTH_NAME = "shared/eval/presidio-research-synth-v2.json"  # beside the repository, or above
SYNTH_CLASSES = {"CREDIT_CARD": "card", "BANK_CARD": "card", "EMAIL_ADDRESS": "email",
                 "PHONE_NUMBER": "phone", "CN_MOBILE": "phone", "CN_LANDLINE": "phone",
                 "IBAN_CODE": "iban", "US_SSN": "ssn", "IP_ADDRESS": "ip"}
Span = tuple[str, int, int]


class Tally:
    def __init__(self) -> None:
        self.tp: Counter[str] = Counter()
        self.fp: Counter[str] = Counter()
        self.fn: Counter[str] = Counter()

    def add(self, gold: list[Span], predicted: list[Span], exact: bool) -> None:
        unmatched = list(gold)
        for label, start, end in predicted:
            hit = next((g for g in unmatched if g[0] == label and (
                (g[1], g[2]) == (start, end) if exact else g[1] < end and start < g[2])), None)
            if hit is None:
                self.fp[label] += 1
            else:
                self.tp[label] += 1
                unmatched.remove(hit)
        for label, _, _ in unmatched:
            self.fn[label] += 1

    def scores(self, label: str) -> tuple[float, float, float, int]:
        tp, fp, fn = self.tp[label], self.fp[label], self.fn[label]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, tp + fn


def synthetic_set() -> Path | None:
    for parent in Path(__file__).resolve().parents[1:4]:
        if (parent / SYNTH_NAME).is_file():
            return parent / SYNTH_NAME
    return None


def engines() -> tuple[Callable[[str], list[Span]], Callable[[str], list[Span]],
                       Callable[[str], list[Span]]]:
    """pii-guard; Presidio as shipped; Presidio plus our pattern rules as PatternRecognizers."""
    from pii_guard.classification.pack import load_rule_pack
    from pii_guard.detection.engine import Detector
    from pii_guard.detection.presidio_compat import analyzer_engine, pattern_recognizers

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    pack = load_rule_pack()
    detector = Detector.from_pack(pack)
    presidio = analyzer_engine()
    shipped = {e for r in presidio.registry.recognizers for e in r.supported_entities}
    extended = analyzer_engine([r for r in pattern_recognizers(pack)
                                if r.supported_entities[0] not in shipped])

    def ours(text: str) -> list[Span]:
        return [(f.entity, f.start, f.end) for f in detector.scan_text(text)]

    def theirs(text: str) -> list[Span]:
        return [(r.entity_type, r.start, r.end) for r in presidio.analyze(text, language="en")]

    def theirs_extended(text: str) -> list[Span]:
        return [(r.entity_type, r.start, r.end) for r in extended.analyze(text, language="en")]

    return ours, theirs, theirs_extended


def mapped(spans: Iterable[Span]) -> list[Span]:
    return [(SYNTH_CLASSES[e], s, t) for e, s, t in spans if e in SYNTH_CLASSES]


def table(title: str, labels: Iterable[str], columns: dict[str, Tally]) -> None:
    names = list(columns)
    print(f"\n{title}")
    header = f"{'entity':<20} {'n':>5}" + "".join(f" | {n + ' P':>12} {'R':>5} {'F1':>5}"
                                                  for n in names)
    print(header)
    print("-" * len(header))
    for label in labels:
        row = f"{label:<20} {columns[names[0]].scores(label)[3]:>5}"
        for name in names:
            p, r, f, _ = columns[name].scores(label)
            row += f" | {p:>12.3f} {r:>5.3f} {f:>5.3f}"
        print(row)


def synthetic(ours: Callable[[str], list[Span]], theirs: Callable[[str], list[Span]]) -> None:
    path = synthetic_set()
    if path is None:
        print(f"\n(skipped: ../{SYNTH_NAME} is not present)")
        return
    samples = json.loads(path.read_text(encoding="utf-8"))
    tallies = {"pii-guard": Tally(), "Presidio": Tally()}
    for item in samples:
        gold = mapped((s["entity_type"], s["start_position"], s["end_position"])
                      for s in item["spans"])
        tallies["pii-guard"].add(gold, mapped(ours(item["full_text"])), exact=False)
        tallies["Presidio"].add(gold, mapped(theirs(item["full_text"])), exact=False)
    table(f"Presidio research synthetic set ({len(samples)} sentences; overlap match)",
          ["card", "email", "phone", "iban", "ssn", "ip"], tallies)


def chinese(ours: Callable[[str], list[Span]], theirs: Callable[[str], list[Span]],
            count: int, seed: int) -> None:
    samples = corpus(count, seed)
    tallies = {"pii-guard": Tally(), "Presidio": Tally()}
    lookalikes_reported = Counter[str]()
    lookalikes_total = Counter[str]()
    for item in samples:
        gold = [(str(s["entity"]), int(s["start"]), int(s["end"]))  # type: ignore[call-overload]
                for s in item.spans]
        found = ours(item.text)
        tallies["pii-guard"].add(gold, found, exact=True)
        tallies["Presidio"].add(gold, theirs(item.text), exact=True)
        for look in item.lookalikes:
            kind, start, end = str(look["kind"]), int(look["start"]), int(look["end"])  # type: ignore[call-overload]
            lookalikes_total[kind] += 1
            if any(s < end and start < e for _, s, e in found):
                lookalikes_reported[kind] += 1
    labels = sorted({label for item in samples for label in (str(s["entity"]) for s in item.spans)})
    table(f"Chinese customer-service notes ({count} notes, seed {seed}; exact spans)", labels,
          tallies)
    print("\nlook-alikes reported by pii-guard (goal 0):")
    for kind in sorted(lookalikes_total):
        print(f"  {kind:<16} {lookalikes_reported[kind]:>4} of {lookalikes_total[kind]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20231105)
    args = parser.parse_args()
    ours, theirs, theirs_extended = engines()
    synthetic(ours, theirs)
    chinese(ours, theirs_extended, args.count, args.seed)


if __name__ == "__main__":
    main()
