"""The seeded training corpus for the person tagger: templates plus dictionary word salad."""

from __future__ import annotations

import itertools
import random

from training.ner_lexicon import NameStats
from training.ner_synth import Composer, Sentence, Span, render
from training.ner_templates import AFTER, BOUNDARY, FUNCTION_CHARS, NEWS, SERVICE, VERBS

_SKIP_TAGS = {"nr", "nrfg", "nrt", "x", "eng"}
# Everyday words starting with a surname character that jieba happens to tag as names.
_EXTRA_NEGATIVES = (
    "张开",
    "李子",
    "王国",
    "高达",
    "周到",
    "方向",
    "金属",
    "马路",
    "钱包",
    "江河",
    "田地",
    "石头",
    "常常",
    "万一",
    "文件",
    "包括",
    "关心",
    "安全",
    "宁可",
    "向来",
)


class Fillers:
    """Words and phrases for the template slots, drawn from the jieba dictionary."""

    def __init__(
        self, rng: random.Random, entries: list[tuple[str, int, str]], surnames: set[str]
    ) -> None:
        self.rng = rng
        words = [(w, f) for w, f, t in entries if t not in _SKIP_TAGS and f >= 3 and len(w) <= 4]
        self.words = [w for w, _ in words]
        self.cum = list(itertools.accumulate(f**0.5 for _, f in words))
        self.negatives = sorted(
            {
                w
                for w, f, t in entries
                if w[0] in surnames
                and len(w) in (2, 3)
                and f >= 300
                and t not in _SKIP_TAGS | {"ns"}
            }
            | set(_EXTRA_NEGATIVES)
        )
        # Places, organisations and other proper nouns: name-like, yet not persons.
        self.proper = sorted(
            {w for w, f, t in entries if t in ("ns", "nt", "nz") and f >= 20 and 2 <= len(w) <= 6}
        )

    def phrase(self, low: int = 2, high: int = 7) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cum, k=self.rng.randint(low, high))
        if self.rng.random() < 0.2:
            words.insert(self.rng.randrange(len(words) + 1), self.rng.choice(self.negatives))
        if self.rng.random() < 0.2:
            words.insert(self.rng.randrange(len(words) + 1), self.rng.choice(self.proper))
        return "".join(words)

    def slot_values(self) -> dict[str, list[str]]:
        rng = self.rng
        return {
            "W": [self.phrase() for _ in range(20000)],
            "NEG": self.negatives,
            "AMT": [
                f"{rng.randint(1, 99999)}{rng.choice(['元', '.00元', '块钱', '万元'])}"
                for _ in range(500)
            ],
            "PHONE": [f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}" for _ in range(500)],
            "DATE": [
                f"{rng.randint(2015, 2025)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
                for _ in range(500)
            ],
            "POLICY": [f"P{rng.randint(10**9, 10**10 - 1)}" for _ in range(500)],
            "ORG": [
                "本行",
                "平安保险",
                "招商银行",
                "信用卡中心",
                "中国人寿",
                "本公司",
                "工商银行",
                "太平洋保险",
                "浦发银行",
                "理赔部",
                "客服中心",
                "市分行",
                "营业部",
                "新华社",
                "国家队",
                "该公司",
            ],
            "FUNC": FUNCTION_CHARS,
            "AFTER": AFTER,
            "VERB": VERBS,
            "PROD": [
                "定期存款",
                "货币基金",
                "年金险",
                "重疾险",
                "结构性存款",
                "国债",
                "车险",
                "信用贷",
            ],
        }


def salad(composer: Composer, fillers: Fillers) -> Sentence:
    """Dictionary words with names and look-alike words at random places."""
    rng = composer.rng
    text = ""
    spans: list[Span] = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.45:
            mention, start, end = composer.person()
            spans.append((len(text) + start, len(text) + end, "PER"))
            text += mention
        elif roll < 0.6:
            text += rng.choice(fillers.negatives)
        elif roll < 0.8:
            text += rng.choice(fillers.proper)
        text += fillers.phrase(1, 5)
        if rng.random() < 0.3:
            text += rng.choice("，、。；：！？ ")
    return Sentence(text, spans)


def training_corpus(
    seed: int, size: int, composer: Composer, stats: NameStats, entries: list[tuple[str, int, str]]
) -> list[Sentence]:
    del stats
    rng = random.Random(seed)
    composer.rng = rng
    fillers = Fillers(rng, entries, set(composer.surnames.single))
    values = fillers.slot_values()
    corpus = []
    for _ in range(size):
        roll = rng.random()
        if roll < 0.3:
            corpus.append(render(rng.choice(SERVICE), composer, values))
        elif roll < 0.5:
            corpus.append(render(rng.choice(NEWS), composer, values))
        elif roll < 0.7:
            corpus.append(render(rng.choice(BOUNDARY), composer, values))
        else:
            corpus.append(salad(composer, fillers))
    return corpus
