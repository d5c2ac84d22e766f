"""Throughput and peak memory: pii-guard's engine against Presidio, same inputs, one run.

Inputs: Chinese customer-service notes mixed with English (benchmarks/cn_corpus.py, seeded),
cut to 1 KB, 10 KB and 100 KB of UTF-8. Peer: Presidio ``AnalyzerEngine`` with its predefined
recognisers plus the equivalent Chinese pattern recognisers (our pack's pattern rules as native
Presidio ``PatternRecognizer``s, validators included) on a blank spaCy pipeline. Each engine runs
in its own subprocess so its peak RSS (``ru_maxrss``: imports, engine, workload) is its own.
Throughput is MB (10^6 bytes of UTF-8) per second on one core; the table shows the median of
the repeats and the ratio ours / Presidio.

Two rows for pii-guard: ``patterns`` is the same job as the peer (issue 3's entities: the
pattern, cue and field rules, no name or address model; Presidio on a blank spaCy pipeline finds
no names or addresses either), and ``full`` is the default pack with the name and address models
(issue 4) as the service runs it.

    .venv/bin/python benchmarks/detection_throughput.py            # full run (~2 minutes)
    .venv/bin/python benchmarks/detection_throughput.py --quick    # fewer repeats
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cn_corpus import text_of_size

SIZES = {"1 KB": 1_000, "10 KB": 10_000, "100 KB": 100_000}
ENGINES = {"patterns": "pii-guard, issue-3 entities", "full": "pii-guard, + names/addresses"}
CHINESE_ENTITIES_PREFIXES = ("CN_", "BANK_", "DATE_OF_BIRTH", "IMEI", "MAC_ADDRESS")


def documents(size: int, count: int) -> list[str]:
    return [text_of_size(size, seed=1000 + i) for i in range(count)]


def build(engine: str) -> Any:
    from pii_guard.classification.pack import load_rule_pack

    pack = load_rule_pack()
    if engine in ENGINES:
        from dataclasses import replace

        from pii_guard.classification.pack import PluginRule
        from pii_guard.detection.engine import Detector

        if engine == "patterns":
            pack = replace(pack, rules=tuple(r for r in pack.rules
                                             if not isinstance(r.rule, PluginRule)))
        detector = Detector.from_pack(pack)
        return detector.scan_text
    from pii_guard.detection.presidio_compat import analyzer_engine, pattern_recognizers

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    chinese = [r for r in pattern_recognizers(pack)
               if r.supported_entities[0].startswith(CHINESE_ENTITIES_PREFIXES)]
    analyzer = analyzer_engine(chinese)
    return lambda text: analyzer.analyze(text, language="en")


def worker(engine: str, repeats: int, budget: float) -> dict[str, Any]:
    scan = build(engine)
    results: dict[str, Any] = {}
    for label, size in SIZES.items():
        docs = documents(size, 5 if size < 100_000 else 2)
        total_bytes = sum(len(d.encode("utf-8")) for d in docs)
        scan(docs[0])  # warm-up
        rates = []
        for _ in range(repeats):
            done_bytes, started = 0, time.perf_counter()
            while True:
                for doc in docs:
                    scan(doc)
                done_bytes += total_bytes
                elapsed = time.perf_counter() - started
                if elapsed >= budget:
                    break
            rates.append(done_bytes / elapsed / 1e6)
        results[label] = statistics.median(rates)
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats of 0.5 s each")
    parser.add_argument("--worker", choices=[*ENGINES, "presidio"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    repeats, budget = (3, 0.5) if args.quick else (5, 2.0)
    if args.worker:
        print(json.dumps(worker(args.worker, repeats, budget)))
        return
    measured = {}
    for engine in (*ENGINES, "presidio"):
        command = [sys.executable, __file__, "--worker", engine] + (["--quick"] if args.quick
                                                                    else [])
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        measured[engine] = json.loads(output.strip().splitlines()[-1])
    peer = measured["presidio"]
    print(f"{'engine':<30} {'input':<8} {'MB/s':>8} {'Presidio MB/s':>14} {'ratio':>7}")
    for engine, title in ENGINES.items():
        for label in SIZES:
            ours = measured[engine][label]
            print(f"{title:<30} {label:<8} {ours:>8.3f} {peer[label]:>14.4f} "
                  f"{ours / peer[label]:>6.1f}x")
        rss = measured[engine]["peak_rss_mb"]
        print(f"{title:<30} {'peak RSS':<8} {rss:>5.0f} MB {peer['peak_rss_mb']:>11.0f} MB "
              f"{rss / peer['peak_rss_mb']:>6.2f}x")
    print(f"(median of {repeats} repeats of >= {budget} s each; one core; "
          "MB = 10^6 bytes of UTF-8)")

if __name__ == "__main__":
    main()
