"""Train the person-name tagger and write the shipped model file.

    .venv/bin/pip install -e ".[train]"      # PyTorch (CPU) and jieba, development only
    .venv/bin/python -m training.train_person_tagger [--out PATH] [--sentences N] [--epochs E]

A linear-chain CRF over hashed character features (``pii_guard.detection.ner.features``),
trained on the seeded synthetic corpus (``training.ner_corpus``); nothing from
``../shared/eval`` is read. The output is one ``.npz`` with the weights (float16), the
transition scores and the lexicon tables, loadable with numpy alone.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch

from pii_guard.detection.ner.features import N_FEATURES, feature_ids
from pii_guard.detection.ner.lexicon import code_points
from pii_guard.detection.ner.surnames import SurnameTable
from training.ner_corpus import training_corpus
from training.ner_lexicon import build_lexicon, name_stats, read_jieba
from training.ner_synth import Composer, Sentence

OUT = Path(__file__).resolve().parent.parent / "pii_guard/detection/ner/data/person_tagger.npz"
TAGS = ("O", "B", "I")
SEED = 20240611


def bio(sentence: Sentence) -> np.ndarray:
    labels = np.zeros(len(sentence.text), dtype=np.int64)
    for start, end, kind in sentence.spans:
        if kind == "PER" and end > start:
            labels[start] = 1
            labels[start + 1 : end] = 2
    return labels


class Crf(torch.nn.Module):
    def __init__(self, buckets: int) -> None:
        super().__init__()
        self.weights = torch.nn.Embedding(buckets, len(TAGS), sparse=True)
        torch.nn.init.zeros_(self.weights.weight)
        self.trans = torch.nn.Parameter(torch.zeros(len(TAGS), len(TAGS)))
        self.start = torch.nn.Parameter(torch.zeros(len(TAGS)))

    def nll(self, feats: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        em = self.weights(feats).sum(2)  # (B, L, T)
        bsz, length, _ = em.shape
        # Score of the gold path.
        gold = self.start[tags[:, 0]] + (em.gather(2, tags.unsqueeze(2)).squeeze(2) * mask).sum(1)
        gold = gold + (self.trans[tags[:, :-1], tags[:, 1:]] * mask[:, 1:]).sum(1)
        # Log partition.
        alpha = self.start + em[:, 0]
        for t in range(1, length):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.trans.unsqueeze(0), dim=1) + em[:, t]
            alpha = torch.where(mask[:, t : t + 1] > 0, nxt, alpha)
        return (torch.logsumexp(alpha, dim=1) - gold).sum() / bsz


def encode(corpus: list[Sentence], lexicon, bits: int) -> list[tuple[np.ndarray, np.ndarray]]:  # type: ignore[no-untyped-def]
    return [
        (feature_ids(code_points(s.text), lexicon, bits).T.copy(), bio(s)) for s in corpus if s.text
    ]


def batches(data: list[tuple[np.ndarray, np.ndarray]], size: int, rng: random.Random):  # type: ignore[no-untyped-def]
    order = sorted(range(len(data)), key=lambda i: len(data[i][1]))
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(chunks)
    for chunk in chunks:
        length = max(len(data[i][1]) for i in chunk)
        feats = np.zeros((len(chunk), length, N_FEATURES), dtype=np.int64)
        tags = np.zeros((len(chunk), length), dtype=np.int64)
        mask = np.zeros((len(chunk), length), dtype=np.float32)
        for row, i in enumerate(chunk):
            f, y = data[i]
            feats[row, : len(y)] = f
            tags[row, : len(y)] = y
            mask[row, : len(y)] = 1
        yield torch.from_numpy(feats), torch.from_numpy(tags), torch.from_numpy(mask)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--bits", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    started = time.time()
    surnames = SurnameTable.default()
    entries = read_jieba()
    stats = name_stats(entries, surnames)
    lexicon = build_lexicon(entries, surnames, stats)
    composer = Composer(random.Random(SEED), surnames, stats)
    corpus = training_corpus(SEED, args.sentences, composer, stats, entries)
    data = encode(corpus, lexicon, args.bits)
    print(
        f"corpus: {len(data)} sentences, {sum(len(y) for _, y in data)} characters "
        f"({time.time() - started:.0f}s)"
    )
    model = Crf(1 << args.bits)
    sparse_opt = torch.optim.Adagrad(list(model.weights.parameters()), lr=0.2)
    dense_opt = torch.optim.Adam([model.trans, model.start], lr=0.05)
    rng = random.Random(SEED)
    for epoch in range(args.epochs):
        total, count = 0.0, 0
        for feats, tags, mask in batches(data, 128, rng):
            sparse_opt.zero_grad()
            dense_opt.zero_grad()
            loss = model.nll(feats, tags, mask)
            loss.backward()
            sparse_opt.step()
            dense_opt.step()
            total += float(loss.detach())
            count += 1
            if count % 100 == 0:
                print(
                    f"  batch {count}: loss {total / count:.4f} ({time.time() - started:.0f}s)",
                    flush=True,
                )
        print(f"epoch {epoch + 1}: loss {total / count:.4f} ({time.time() - started:.0f}s)")
    weights = model.weights.weight.detach().numpy().astype(np.float16)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        weights=weights,
        transitions=model.trans.detach().numpy().astype(np.float32),
        start=model.start.detach().numpy().astype(np.float32),
        bits=np.array(args.bits),
        **lexicon.arrays(),
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
