"""The character and word knowledge the person tagger reads, as flat numpy tables.

Everything is indexed by Unicode code point or by packed code-point n-grams so that feature
extraction is a handful of vectorised look-ups per text rather than a Python loop per
character (the throughput goal is 1 MB/s per core). The tables are built once by
``training/train_person_tagger.py`` (from the project's surname table and the MIT-licensed jieba
dictionary) and shipped inside the model file, so nothing is parsed or downloaded at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

# Character classes (``CharInfo.ctype``).
CT_PAD, CT_CJK, CT_UPPER, CT_LOWER, CT_DIGIT, CT_OTHER, CT_DOT, CT_PUNCT = range(8)
PAD_CODE = 0x10FFFF  # stands for "before the start / after the end" in n-gram features

SHIFT = 21  # bits per code point in a packed n-gram (code points are < 2**21)
MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX_INT = int(MIX)
_U64 = (1 << 64) - 1

# Salts that keep the keys of the four tables apart in one hash index.
SALTS = tuple(
    np.uint64(v)
    for v in (
        0x5A5A_0000_0000_0000,
        0x3C3C_0000_0000_0001,
        0x0F0F_0000_0000_0002,
        0x6969_0000_0000_0003,
    )
)

# Word-table flag bits (``Lexicon.*_info``): low 3 bits are a frequency bucket 1..4.
WORD_NAME = 8  # jieba tags the word as a person name (nr, nrfg, nrt)
WORD_PLACE = 16  # jieba tags the word as a place name (ns)

IntArray = npt.NDArray[np.int64]
U8Array = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Lexicon:
    """Per-code-point classes and sorted n-gram word tables.

    ``char_class`` packs, for each BMP code point, ``ctype | surname_bucket << 3 |
    given_bucket << 5 | translit_bucket << 7`` (see ``char_fields``).
    """

    char_class: npt.NDArray[np.uint16]  # shape (65536,)
    compound_surnames: IntArray  # sorted packed bigram codes of compound surnames
    words2: IntArray  # sorted packed bigram codes
    words2_info: U8Array
    words3: IntArray
    words3_info: U8Array
    words4: npt.NDArray[np.uint64]  # sorted hashed 4-gram codes
    words4_info: U8Array
    index: HashIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # One hash index over all four tables (keys salted by table), built at load time:
        # cheaper to rebuild than to ship, and one probe pass per text instead of four.
        keys = np.concatenate(
            [
                self.words2.astype(np.uint64) ^ SALTS[0],
                self.words3.astype(np.uint64) ^ SALTS[1],
                self.words4 ^ SALTS[2],
                self.compound_surnames.astype(np.uint64) ^ SALTS[3],
            ]
        )
        values = np.concatenate(
            [
                self.words2_info,
                self.words3_info,
                self.words4_info,
                np.ones(self.compound_surnames.size, dtype=np.uint8),
            ]
        )
        object.__setattr__(self, "index", HashIndex(keys, values))

    def pair_info(self, pair: str) -> int:
        """Word-table info of the two-character word ``pair`` (0 if it is not a word)."""
        return self.index.get_one((ord(pair[0]) << SHIFT | ord(pair[1])) ^ int(SALTS[0]))

    def given_bucket(self, ch: str) -> int:
        """How common ``ch`` is in given names, 0 (never) to 3."""
        return (int(self.char_class[min(ord(ch), 0xFFFF)]) >> 5) & 3

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        return {
            "lex_char_class": self.char_class,
            "lex_compound_surnames": self.compound_surnames,
            "lex_words2": self.words2,
            "lex_words2_info": self.words2_info,
            "lex_words3": self.words3,
            "lex_words3_info": self.words3_info,
            "lex_words4": self.words4,
            "lex_words4_info": self.words4_info,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[np.generic]]) -> Lexicon:
        return cls(
            char_class=np.asarray(arrays["lex_char_class"], dtype=np.uint16),
            compound_surnames=np.asarray(arrays["lex_compound_surnames"], dtype=np.int64),
            words2=np.asarray(arrays["lex_words2"], dtype=np.int64),
            words2_info=np.asarray(arrays["lex_words2_info"], dtype=np.uint8),
            words3=np.asarray(arrays["lex_words3"], dtype=np.int64),
            words3_info=np.asarray(arrays["lex_words3_info"], dtype=np.uint8),
            words4=np.asarray(arrays["lex_words4"], dtype=np.uint64),
            words4_info=np.asarray(arrays["lex_words4_info"], dtype=np.uint8),
        )


def code_points(text: str) -> IntArray:
    """The text's code points as int64 (one per Python string index)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def pack2(a: IntArray, b: IntArray) -> IntArray:
    return (a << SHIFT) | b


def pack3(a: IntArray, b: IntArray, c: IntArray) -> IntArray:
    return (a << (2 * SHIFT)) | (b << SHIFT) | c


def pack4(a: IntArray, b: IntArray, c: IntArray, d: IntArray) -> npt.NDArray[np.uint64]:
    return pack3(a, b, c).astype(np.uint64) * MIX + d.astype(np.uint64)


def word_codes(words: list[str]) -> tuple[IntArray, IntArray, npt.NDArray[np.uint64]]:
    """Packed codes of the 2-, 3- and 4-character words in ``words`` (others ignored)."""
    by_len: dict[int, list[list[int]]] = {2: [], 3: [], 4: []}
    for word in words:
        if len(word) in by_len:
            by_len[len(word)].append([ord(ch) for ch in word])
    two = np.array(by_len[2] or np.zeros((0, 2)), dtype=np.int64).reshape(-1, 2)
    three = np.array(by_len[3] or np.zeros((0, 3)), dtype=np.int64).reshape(-1, 3)
    four = np.array(by_len[4] or np.zeros((0, 4)), dtype=np.int64).reshape(-1, 4)
    return (
        pack2(two[:, 0], two[:, 1]),
        pack3(three[:, 0], three[:, 1], three[:, 2]),
        pack4(four[:, 0], four[:, 1], four[:, 2], four[:, 3]),
    )


def lookup(
    table: npt.NDArray[np.generic], info: U8Array, codes: npt.NDArray[np.generic]
) -> U8Array:
    """``info`` of each code found in the sorted ``table``; 0 where absent."""
    if table.size == 0:
        return np.zeros(codes.shape, dtype=np.uint8)
    idx = np.searchsorted(table, codes)
    idx_clipped = np.minimum(idx, table.size - 1)
    found = table[idx_clipped] == codes
    return np.where(found, info[idx_clipped], 0).astype(np.uint8)


def char_fields(
    char_class: npt.NDArray[np.uint16],
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Unpack ``char_class`` values into (ctype, surname, given-name, transliteration) buckets."""
    cc = char_class.astype(np.int64)
    return cc & 7, (cc >> 3) & 3, (cc >> 5) & 3, (cc >> 7) & 3


class HashIndex:
    """An open-addressing hash map from uint64 codes to small ints, probed for many keys at once.

    ``get`` resolves every query in a few vectorised rounds: each round looks at one more slot,
    and only the queries that have met neither their key nor an empty slot go on to the next.
    """

    def __init__(self, keys: npt.NDArray[np.uint64], values: npt.NDArray[np.uint8]) -> None:
        bits = max(4, int(np.ceil(np.log2(max(keys.size, 1) * 2))) + 1)
        self._shift = np.uint64(64 - bits)
        self._mask = np.uint64((1 << bits) - 1)
        self._shift_int, self._mask_int = 64 - bits, (1 << bits) - 1
        self._keys = np.zeros(1 << bits, dtype=np.uint64)  # 0 marks an empty slot
        self._values = np.zeros(1 << bits, dtype=np.uint8)
        pending = np.unique(keys.astype(np.uint64), return_index=True)
        todo_keys, todo_vals = pending[0], values[pending[1]]
        todo_keys, todo_vals = todo_keys[todo_keys != 0], todo_vals[todo_keys != 0]
        slot = self._home(todo_keys)
        while todo_keys.size:
            free = self._keys[slot] == 0
            # Among keys that want the same free slot, the first one takes it.
            cand = np.flatnonzero(free)
            _, first = np.unique(slot[cand], return_index=True)
            placed = cand[first]
            self._keys[slot[placed]] = todo_keys[placed]
            self._values[slot[placed]] = todo_vals[placed]
            keep = np.ones(todo_keys.size, dtype=bool)
            keep[placed] = False
            todo_keys, todo_vals = todo_keys[keep], todo_vals[keep]
            slot = (slot[keep] + np.uint64(1)) & self._mask

    def _home(self, codes: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        return (codes * MIX) >> self._shift

    @property
    def capacity(self) -> int:
        return int(self._keys.size)

    def get(self, codes: npt.NDArray[np.generic]) -> U8Array:
        """The value stored for each code; 0 where the code is absent."""
        slots = self.slots(codes)
        return np.where(slots >= 0, self._values[np.maximum(slots, 0)], 0).astype(np.uint8)

    def get_one(self, code: int) -> int:
        """``get`` for a single code, in plain Python: the person recogniser asks about a few
        word pairs per text, where one numpy call costs more than the whole probe."""
        slot = ((code * _MIX_INT) & _U64) >> self._shift_int
        while True:
            stored = int(self._keys[slot])
            if stored == code:
                return int(self._values[slot])
            if stored == 0:
                return 0
            slot = (slot + 1) & self._mask_int

    def slots(self, codes: npt.NDArray[np.generic]) -> npt.NDArray[np.int64]:
        """The slot holding each code; -1 where the code is absent."""
        pending: npt.NDArray[np.uint64] = codes.astype(np.uint64, copy=False)
        out = np.full(pending.shape, -1, dtype=np.int64)
        active = np.arange(pending.size)
        slot = self._home(pending)
        while active.size:
            stored = self._keys[slot]
            hit = stored == pending
            out[active[hit]] = slot[hit].astype(np.int64)
            go_on = ~hit & (stored != 0)
            active, pending = active[go_on], pending[go_on]
            slot = (slot[go_on] + np.uint64(1)) & self._mask
        return out


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def has_han(text: str) -> bool:
    """Chinese names and addresses are written in Han characters: a text with none (a phone
    number, a card number, an English note) skips the models, which is most record fields."""
    return _HAN.search(text) is not None
