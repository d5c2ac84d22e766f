"""Evaluate cn_person / cn_address against the jieba baseline, side by side, with throughput.

    .venv/bin/python benchmarks/ner_eval.py [--eval-dir ../shared/eval] [--cs-size 1500]

Sets (exact-span precision / recall / F1):
- CLUENER 2020 dev: ``name`` -> PERSON, ``address`` -> ADDRESS;
- Weibo NER dev: ``PER.NAM`` -> PERSON;
- the project's financial customer-service set (``benchmarks/ner_cs_set.py``, seeded, its own
  templates): PERSON and ADDRESS, plus how often the address precision attribute is right;
- Presidio research synth (English) PERSON: our recogniser only (Presidio without an NER model,
  on a blank spaCy pipeline, has no PERSON recogniser at all, so it finds none).
The jieba baseline is ``jieba.posseg`` with tag ``nr`` -> PERSON and ``ns`` -> ADDRESS.
Throughput is single-process, median of repeats, in MB of UTF-8 per second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ner_cs_set import cs_eval_set
from pii_guard.detection.ner.address import ChineseAddressRecognizer
from pii_guard.detection.ner.person import ChinesePersonRecognizer

Spans = set[tuple[int, int]]


@dataclass
class Doc:
    text: str
    gold: dict[str, Spans]  # entity -> spans


@dataclass
class Score:
    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0

    def add(self, pred: Spans, gold: Spans) -> None:
        self.tp += len(pred & gold)
        self.n_pred += len(pred)
        self.n_gold += len(gold)

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / self.n_pred if self.n_pred else 0.0
        r = self.tp / self.n_gold if self.n_gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def load_cluener(path: Path) -> list[Doc]:
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold: dict[str, Spans] = {"PERSON": set(), "ADDRESS": set()}
        for kind, entity in (("name", "PERSON"), ("address", "ADDRESS")):
            for spans in row["label"].get(kind, {}).values():
                gold[entity].update((s, e + 1) for s, e in spans)
        docs.append(Doc(row["text"], gold))
    return docs


def load_weibo(path: Path) -> list[Doc]:
    docs: list[Doc] = []
    chars: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if chars:
            spans: Spans = set()
            start = None
            for i, tag in enumerate([*tags, "O"]):
                if start is not None and not tag.startswith("I-PER.NAM"):
                    spans.add((start, i))
                    start = None
                if tag.startswith("B-PER.NAM"):
                    start = i
            docs.append(Doc("".join(chars), {"PERSON": spans}))
        chars.clear()
        tags.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            continue
        token, tag = line.rsplit("\t", 1) if "\t" in line else line.rsplit(" ", 1)
        chars.append(token[:-1] if len(token) > 1 and token[-1].isdigit() else token)
        tags.append(tag.strip())
    flush()
    return docs


def load_cs(size: int) -> tuple[list[Doc], list[dict[tuple[int, int], tuple[str, int]]]]:
    docs, attrs = [], []
    for sentence in cs_eval_set(size):
        gold: dict[str, Spans] = {"PERSON": set(), "ADDRESS": set()}
        addr_attrs: dict[tuple[int, int], tuple[str, int]] = {}
        for start, end, label in sentence.spans:
            if label == "PER":
                gold["PERSON"].add((start, end))
            else:
                _, precision, coarse = label.split("/")
                gold["ADDRESS"].add((start, end))
                addr_attrs[(start, end)] = (precision, int(coarse))
        docs.append(Doc(sentence.text, gold))
        attrs.append(addr_attrs)
    return docs, attrs


def load_presidio(path: Path) -> list[Doc]:
    docs = []
    for row in json.loads(path.read_text(encoding="utf-8")):
        spans = {
            (s["start_position"], s["end_position"])
            for s in row["spans"]
            if s["entity_type"] == "PERSON"
        }
        docs.append(Doc(row["full_text"], {"PERSON": spans}))
    return docs


Predictor = Callable[[str], dict[str, Spans]]


def ours_predictor() -> tuple[Predictor, ChinesePersonRecognizer, ChineseAddressRecognizer]:
    person = ChinesePersonRecognizer.default()
    address = ChineseAddressRecognizer.default()

    def predict(text: str) -> dict[str, Spans]:
        return {
            "PERSON": {(f.start, f.end) for f in person.analyze(text)},
            "ADDRESS": {(f.start, f.end) for f in address.analyze(text)},
        }

    return predict, person, address


def jieba_predictor() -> Predictor:
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    jieba.initialize()

    def predict(text: str) -> dict[str, Spans]:
        out: dict[str, Spans] = {"PERSON": set(), "ADDRESS": set()}
        pos = 0
        for pair in pseg.cut(text):
            end = pos + len(pair.word)
            if pair.flag == "nr":
                out["PERSON"].add((pos, end))
            elif pair.flag == "ns":
                out["ADDRESS"].add((pos, end))
            pos = end
        return out

    return predict


def evaluate(
    docs: Iterable[Doc], predict: Predictor, entities: tuple[str, ...]
) -> dict[str, Score]:
    scores = {e: Score() for e in entities}
    for doc in docs:
        pred = predict(doc.text)
        for entity in entities:
            scores[entity].add(pred.get(entity, set()), doc.gold.get(entity, set()))
    return scores


def throughput(
    func: Callable[[str], object], texts: list[str], repeats: int
) -> tuple[float, float]:
    """(MB per CPU-second of this process, MB per wall-clock second), medians over repeats.

    CPU time is the per-core figure: it does not depend on what else the machine runs."""
    size = sum(len(t.encode("utf-8")) for t in texts)
    cpu, wall = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            func(text)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return size / statistics.median(cpu) / 1e6, size / statistics.median(wall) / 1e6


def _default_eval_dir() -> Path:
    root = Path(__file__).resolve().parent.parent
    for base in (root.parent, root.parent.parent):
        if (base / "shared" / "eval").is_dir():
            return base / "shared" / "eval"
    return root.parent / "shared" / "eval"


def row(name: str, entity: str, system: str, score: Score) -> str:
    p, r, f = score.prf()
    counts = f"{score.n_gold:>7}{score.n_pred:>7}"
    return f"{name:<22}{entity:<9}{system:<8}{p:>7.3f}{r:>7.3f}{f:>7.3f}{counts}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--eval-dir",
        type=Path,
        default=_default_eval_dir(),
        help="directory of the shared evaluation sets (default: ../shared/eval "
        "beside the repository, or beside its parent for a worktree)",
    )
    parser.add_argument("--cs-size", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-jieba", action="store_true", help="skip the baseline")
    args = parser.parse_args()

    started = time.perf_counter()
    ours, person, address = ours_predictor()
    print(f"loaded cn_person + cn_address in {time.perf_counter() - started:.2f}s")
    baseline = None if args.no_jieba else jieba_predictor()

    cs_docs, cs_attrs = load_cs(args.cs_size)
    sets: list[tuple[str, list[Doc], tuple[str, ...]]] = [
        ("cs-synth (ours)", cs_docs, ("PERSON", "ADDRESS"))
    ]
    cluener = args.eval_dir / "cluener2020-dev.jsonl"
    weibo = args.eval_dir / "weibo-ner-dev.conll"
    if cluener.exists():
        sets.append(("cluener2020-dev", load_cluener(cluener), ("PERSON", "ADDRESS")))
    else:
        print(f"skipping CLUENER: {cluener} not found")
    if weibo.exists():
        sets.append(("weibo-ner-dev", load_weibo(weibo), ("PERSON",)))
    else:
        print(f"skipping Weibo: {weibo} not found")

    print(f"\n{'set':<22}{'entity':<9}{'system':<8}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'pred':>7}")
    for name, docs, entities in sets:
        ours_scores = evaluate(docs, ours, entities)
        base_scores = evaluate(docs, baseline, entities) if baseline else {}
        for entity in entities:
            print(row(name, entity, "ours", ours_scores[entity]))
            if entity in base_scores:
                print(row(name, entity, "jieba", base_scores[entity]))

    right = total = 0
    for doc, attrs in zip(cs_docs, cs_attrs, strict=True):
        for f in address.analyze(doc.text):
            if (f.start, f.end) in attrs:
                total += 1
                precision, coarse = attrs[(f.start, f.end)]
                right += (
                    f.attributes["precision"] == precision
                    and int(f.attributes["coarse_end"]) == coarse
                )
    print(
        f"\ncs-synth ADDRESS attributes (precision and coarse_end) right on matched spans: "
        f"{right}/{total} = {right / max(total, 1):.3f}"
    )

    presidio = args.eval_dir / "presidio-research-synth-v2.json"
    if presidio.exists():
        from pii_guard.detection.ner.english import EnglishPersonRecognizer

        english = EnglishPersonRecognizer.default()
        score = evaluate(
            load_presidio(presidio),
            lambda t: {"PERSON": {(f.start, f.end) for f in english.analyze(t)}},
            ("PERSON",),
        )["PERSON"]
        print("\n" + row("presidio-synth (en)", "PERSON", "ours", score))
        print(
            f"{'presidio-synth (en)':<22}{'PERSON':<9}{'presidio':<8}  (no PERSON recogniser "
            "without an NER model: finds none, F1 0)"
        )

    zh_texts = [d.text for _, docs, _ in sets for d in docs]
    documents = _documents(zh_texts, 4000)
    print(
        f"\nthroughput, single process, {sum(len(t.encode()) for t in zh_texts) / 1e6:.2f} MB of "
        "Chinese text (all sets above), median of repeats, MB/s per CPU-second (wall-clock):"
    )

    def both(text: str) -> object:
        return person.analyze(text), address.analyze(text)

    for label, texts in (
        ("one call per sentence", zh_texts),
        ("one call per ~4,000-character document", documents),
    ):
        print(f"  {label}:")
        ours_rate = throughput(both, texts, args.repeats)
        print(f"    ours  cn_person + cn_address: {_rate(ours_rate)}")
        person_rate = throughput(person.analyze, texts, args.repeats)
        address_rate = throughput(address.analyze, texts, args.repeats)
        print(f"    ours  cn_person only:         {_rate(person_rate)}")
        print(f"    ours  cn_address only:        {_rate(address_rate)}")
        if baseline:
            base_rate = throughput(baseline, texts, 1)
            print(
                f"    jieba posseg:                 {_rate(base_rate)}  "
                f"(ours / jieba = {ours_rate[0] / base_rate[0]:.1f}x per CPU-second)"
            )


def _rate(rate: tuple[float, float]) -> str:
    return f"{rate[0]:.3f} ({rate[1]:.3f})"


def _documents(texts: list[str], size: int) -> list[str]:
    """The sentences joined into documents of about ``size`` characters, one per line each."""
    docs: list[str] = []
    current: list[str] = []
    length = 0
    for text in texts:
        current.append(text)
        length += len(text) + 1
        if length >= size:
            docs.append("\n".join(current))
            current, length = [], 0
    if current:
        docs.append("\n".join(current))
    return docs


if __name__ == "__main__":
    main()
