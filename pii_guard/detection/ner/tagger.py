"""The person-name tagger at run time: hashed features, a linear-chain CRF, numpy only.

Decoding: where the O tag beats the others by more than any path through the transitions could
make up, O is taken as given; the text then falls apart into short doubtful segments (around
candidate names), each decoded exactly by Viterbi with O on both sides, in Python when they are
few and batched by length in numpy when there are many.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from pii_guard.detection.ner.errors import NerDataError
from pii_guard.detection.ner.features import feature_ids
from pii_guard.detection.ner.lexicon import Lexicon, code_points

TAG_O, TAG_B, TAG_I = 0, 1, 2  # outside, begins a name, inside a name
_PY_LIMIT = 96  # doubtful positions below which decoding in Python beats numpy overhead
_FORCE_O = np.array([0.0, -1e4, -1e4], dtype=np.float32)
_CHUNK = 1 << 16  # characters per feature pass, to bound memory on long texts

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class TaggedSpan:
    start: int
    end: int
    score: float


class PersonTagger:
    """A trained CRF: ``weights[feature_id] -> tag scores`` plus transition scores."""

    def __init__(
        self,
        weights: FloatArray,
        transitions: FloatArray,
        start: FloatArray,
        bits: int,
        lexicon: Lexicon,
    ) -> None:
        if weights.shape != (1 << bits, 3) or transitions.shape != (3, 3):
            raise NerDataError(message="person tagger weights have the wrong shape")
        self._weights = weights
        self._transitions = transitions
        self._start = start
        self._transitions_list: list[list[float]] = transitions.tolist()
        self._start_list: list[float] = start.tolist()
        # How far O must lead at a position to be taken as O: what entering, leaving and staying
        # in a name can gain over O -> O, plus a safety margin. Not a proof, so measured: on
        # CLUENER dev the decoded tags equal full-text Viterbi at all but 2 of 1,436 name
        # positions (a margin of +8 makes them equal, at half the speed).
        t = transitions.astype(np.float64)
        stay = t[TAG_O, TAG_O]
        entry = float(start[TAG_B] - start[TAG_O])
        gain_in = max(t[TAG_O, TAG_B] - stay, t[TAG_O, TAG_I] - stay, entry, 0.0)
        gain_out = max(t[TAG_B, TAG_O] - stay, t[TAG_I, TAG_O] - stay, 0.0)
        gain_mid = max(float(t[1:, 1:].max()) - stay, 0.0)
        self._margin = float(gain_in + gain_out + gain_mid + 5.0)
        self._bits = bits
        self.lexicon = lexicon

    @classmethod
    def load(cls, path: Path) -> PersonTagger:
        try:
            with np.load(path) as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError) as exc:
            raise NerDataError(message=f"cannot read the person tagger {path.name}") from exc
        try:
            return cls(
                weights=arrays["weights"].astype(np.float32),
                transitions=arrays["transitions"].astype(np.float32),
                start=arrays["start"].astype(np.float32),
                bits=int(arrays["bits"]),
                lexicon=Lexicon.from_arrays(arrays),
            )
        except KeyError as exc:
            raise NerDataError(message=f"{path.name} lacks {exc.args[0]}") from exc

    def emissions(self, text: str) -> FloatArray:
        cps = code_points(text)
        out = np.empty((cps.size, 3), dtype=np.float32)
        for lo in range(0, cps.size, _CHUNK):
            # Overlap by two characters each side so window features match the whole text.
            a, b = max(0, lo - 2), min(cps.size, lo + _CHUNK + 2)
            ids = feature_ids(cps[a:b], self.lexicon, self._bits)
            em = np.take(self._weights, ids, axis=0).sum(axis=0)
            hi = min(cps.size, lo + _CHUNK)
            out[lo:hi] = em[lo - a : lo - a + hi - lo]
        return out

    def tags(self, text: str) -> npt.NDArray[np.int64]:
        em = self.emissions(text)
        n = em.shape[0]
        tags = np.zeros(n, dtype=np.int64)
        if n == 0:
            return tags
        # Where O beats both other tags by more than the transitions could make up, take O as
        # given: the chain then falls apart into short independent doubtful segments.
        doubtful = em[:, TAG_O] - em[:, TAG_B:].max(axis=1) <= self._margin
        if not doubtful.any():
            return tags
        edges = np.diff(np.concatenate(([0], doubtful.view(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        if int((ends - starts).sum()) <= _PY_LIMIT:
            rows = em.tolist()
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                tags[s:e] = self._viterbi_py(rows[s:e], first=s == 0)
            return tags
        # All segments at once, padded at the end with positions that must be O.
        lengths = ends - starts
        width = int(lengths.max())
        offsets = np.arange(width)
        index = starts[:, None] + offsets[None, :]
        inside = offsets[None, :] < lengths[:, None]
        x = np.where(inside[:, :, None], em[np.minimum(index, n - 1)], _FORCE_O)
        path = self._viterbi_np(x.astype(np.float32), starts == 0)
        tags[index[inside]] = path[inside]
        return tags

    def _viterbi_py(self, rows: list[list[float]], first: bool) -> list[int]:
        """Viterbi over one segment with O on both sides, for few short segments."""
        t = self._transitions_list
        prev = self._start_list if first else t[TAG_O]
        score = [prev[k] + rows[0][k] for k in range(3)]
        back: list[tuple[int, int, int]] = []
        for row in rows[1:]:
            step, new = [], []
            for to in range(3):
                cands = [score[0] + t[0][to], score[1] + t[1][to], score[2] + t[2][to]]
                best = max(range(3), key=cands.__getitem__)
                step.append(best)
                new.append(cands[best] + row[to])
            back.append((step[0], step[1], step[2]))
            score = new
        final = [score[k] + t[k][TAG_O] for k in range(3)]
        state = max(range(3), key=final.__getitem__)
        path = [state]
        for step_back in reversed(back):
            state = step_back[state]
            path.append(state)
        return path[::-1]

    def _viterbi_np(self, x: FloatArray, first: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        """Viterbi over segments of equal length ``x`` (segments, length, 3), O on both sides."""
        t = self._transitions
        count, length, _ = x.shape
        entry = np.where(first[:, None], self._start[None, :], t[TAG_O][None, :])
        score = entry + x[:, 0]
        back = np.zeros((length, count, 3), dtype=np.int64)
        # cand[segment, to, from]: numpy reduces a short last axis fast with argmax but slowly
        # with max, so the best score is the maximum of the three "from" slices.
        cand = np.empty((count, 3, 3), dtype=np.float32)
        t_to_from = np.ascontiguousarray(t.T)[None, :, :]
        for step in range(1, length):
            np.add(score[:, None, :], t_to_from, out=cand)
            back[step] = cand.argmax(axis=2)
            score = np.maximum(np.maximum(cand[:, :, 0], cand[:, :, 1]), cand[:, :, 2])
            score += x[:, step]
        score = score + t[:, TAG_O][None, :]
        path = np.empty((count, length), dtype=np.int64)
        path[:, -1] = score.argmax(axis=1)
        rows = np.arange(count)
        for step in range(length - 1, 0, -1):
            path[:, step - 1] = back[step, rows, path[:, step]]
        return path

    def spans(self, text: str) -> list[TaggedSpan]:
        """Name spans: a B followed by I's (an I after O starts a span too)."""
        tags = self.tags(text)
        if tags.size == 0:
            return []
        inside = tags != TAG_O
        after_outside = ~np.concatenate(([False], inside[:-1]))
        starts = np.flatnonzero(inside & ((tags == TAG_B) | after_outside))
        result = []
        for s in starts.tolist():
            e = s + 1
            while e < tags.size and tags[e] == TAG_I:
                e += 1
            result.append(TaggedSpan(s, e, 0.85))
        return result
