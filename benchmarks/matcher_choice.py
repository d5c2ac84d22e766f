"""Why Hyperscan: the one-pass matchers side by side on the same texts and the same expressions
(the default pack's patterns and cue words).

* Hyperscan: one database, every match of every expression with start offsets (the engine's).
* google-re2, one alternation: one pass, but leftmost-first non-overlapping matches only, so a
  digit run that is both a card and an account candidate yields one of them (it misses what the
  engine needs; shown for speed only).
* google-re2, one pass per expression: every expression's matches, ~350 passes.

    .venv/bin/python benchmarks/matcher_choice.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import re2

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cn_corpus import text_of_size


def main() -> None:
    from pii_guard.classification.pack import load_rule_pack
    from pii_guard.detection.compiled import compile_pack
    from pii_guard.detection.normalise import normalise
    from pii_guard.detection.registry import RecognizerRegistry

    compiled = compile_pack(load_rule_pack(), RecognizerRegistry())
    matcher = compiled.matcher()
    patterns = [e.pattern for e in compiled.expressions]
    options = re2.Options()
    options.max_mem = 64 << 20
    alternation = re2.compile("|".join(f"(?:{p})" for p in patterns), options=options)
    separate = [re2.compile(p, options=options) for p in patterns]
    docs = [normalise(text_of_size(10_000, seed=1000 + i)) for i in range(5)]
    size = sum(len(d.encode("utf-8")) for d in docs)

    def rate(scan: object) -> float:
        rates = []
        for _ in range(5):
            started = time.process_time()
            for doc in docs:
                scan(doc)  # type: ignore[operator]
            rates.append(size / (time.process_time() - started) / 1e6)
        return statistics.median(rates)

    rows = {
        "hyperscan, one database": (rate(matcher.scan), len(matcher.scan(docs[0]))),
        "re2, one alternation": (rate(lambda d: list(alternation.finditer(d))),
                                 len(list(alternation.finditer(docs[0])))),
        "re2, one pass per expression": (
            rate(lambda d: [list(r.finditer(d)) for r in separate]),
            sum(len(list(r.finditer(docs[0]))) for r in separate)),
    }
    print(f"{len(patterns)} expressions, 10 KB notes; CPU time, median of 5")
    print(f"{'matcher':<32} {'MB/s':>8} {'matches in doc 1':>18}")
    for name, (mbps, matches) in rows.items():
        print(f"{name:<32} {mbps:>8.2f} {matches:>18}")


if __name__ == "__main__":
    main()
