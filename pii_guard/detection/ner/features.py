"""Hashed character features for the person tagger, computed for a whole text at once.

Each position gets ``N_FEATURES`` feature ids in ``[0, 2**bits)``: character and character-pair
identities around it, the surname / given-name / transliteration classes of its neighbours,
and whether the characters around it form dictionary words (and whether those words are known
names or places). Training (``training/train_person_tagger.py``) and inference share this one
function, so what the model learned is exactly what it sees.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pii_guard.detection.ner.lexicon import (
    CT_DIGIT,
    MIX,
    PAD_CODE,
    SALTS,
    IntArray,
    Lexicon,
    char_fields,
    pack2,
    pack3,
    pack4,
)

N_FEATURES = 24
_PAD = 3  # positions of padding on each side (the widest window looks 3 back)
# Each feature's values hash apart from the others' (feature k adds k * FNV prime).
_FEATURE_SALTS = (np.arange(N_FEATURES, dtype=np.uint64) * np.uint64(0x100000001B3))[:, None]


def feature_ids(cps: IntArray, lexicon: Lexicon, bits: int) -> npt.NDArray[np.int64]:
    """Feature ids of shape ``(N_FEATURES, len(cps))`` for the code points ``cps``."""
    n = cps.size
    # Work on arrays padded by _PAD on both sides: a shifted view is then a slice, and the pad
    # (a code point no word contains, class 0) stands for "outside the text".
    padded = np.full(n + 2 * _PAD, PAD_CODE, dtype=np.int64)
    padded[_PAD : _PAD + n] = cps
    cls = lexicon.char_class[np.minimum(padded, 0xFFFF)].astype(np.int64)
    cls[padded > 0xFFFF] = 5
    cls[:_PAD] = 0
    cls[_PAD + n :] = 0
    ctype, sur, given, trans = char_fields(cls.astype(np.uint16))
    ident = np.where(ctype == CT_DIGIT, ord("0"), padded)

    def at(arr: IntArray, k: int) -> IntArray:
        return arr[_PAD + k : _PAD + k + n]

    nxt = np.append(ident[1:], PAD_CODE)
    nxt2 = np.append(nxt[1:], PAD_CODE)
    nxt3 = np.append(nxt2[1:], PAD_CODE)
    two = pack2(ident, nxt).astype(np.uint64)
    found = (
        lexicon.index.get(
            np.concatenate(
                [
                    two ^ SALTS[0],
                    pack3(ident, nxt, nxt2).astype(np.uint64) ^ SALTS[1],
                    pack4(ident, nxt, nxt2, nxt3) ^ SALTS[2],
                    two ^ SALTS[3],
                ]
            )
        )
        .astype(np.int64)
        .reshape(4, -1)
    )
    w2, w3, w4, comp_all = found[0], found[1], found[2], found[3]
    c_m2, c_m1, c_0, c_p1, c_p2 = (at(ident, k) for k in (-2, -1, 0, 1, 2))
    cls_m1, cls_0, cls_p1 = at(cls, -1), at(cls, 0), at(cls, 1)
    w2s, w2e, w2s_p1 = at(w2, 0), at(w2, -1), at(w2, 1)
    w3s, w3m, w3e = at(w3, 0), at(w3, -1), at(w3, -2)
    w4s, w4e, w4m1, w4m2 = at(w4, 0), at(w4, -3), at(w4, -1), at(w4, -2)
    word_sig = (
        w2s
        | (w2e << 5)
        | (w3s << 10)
        | (w3m << 15)
        | (w3e << 20)
        | (w4s << 25)
        | (w4e << 30)
        | (w4m1 << 35)
        | (w4m2 << 40)
    )
    present = (
        (w2s > 0).astype(np.int64)
        | ((w2e > 0) << 1)
        | ((w3s > 0) << 2)
        | ((w3m > 0) << 3)
        | ((w3e > 0) << 4)
        | (((w4s | w4e | w4m1 | w4m2) > 0) << 5)
    )
    comp, comp_prev, comp_m2 = at(comp_all, 0), at(comp_all, -1), at(comp_all, -2)

    sur_m2, sur_m1, sur_0 = at(sur, -2), at(sur, -1), at(sur, 0)
    giv_m1, giv_0, giv_p1, giv_p2 = at(given, -1), at(given, 0), at(given, 1), at(given, 2)
    ctype_0 = at(ctype, 0)
    name_window = (
        sur_m2
        | (at(given, -2) << 2)
        | (sur_m1 << 4)
        | (giv_m1 << 6)
        | (sur_0 << 8)
        | (giv_0 << 10)
        | (at(sur, 1) << 12)
        | (giv_p1 << 14)
        | (giv_p2 << 16)
    )
    trans_window = (
        at(trans, -2)
        | (at(trans, -1) << 2)
        | (at(trans, 0) << 4)
        | (at(trans, 1) << 6)
        | (at(trans, 2) << 8)
        | (ctype_0 << 10)
    )
    values: list[IntArray | int] = [
        0,
        c_m2,
        c_m1,
        c_0,
        c_p1,
        c_p2,
        pack2(c_m2, c_m1),
        pack2(c_m1, c_0),
        pack2(c_0, c_p1),
        pack2(c_p1, c_p2),
        pack2(c_m1, c_p1),
        cls_0,
        cls_m1 | (cls_0 << 10) | (cls_p1 << 20),
        name_window,
        word_sig,
        present | (sur_0 << 6) | (giv_0 << 8) | (comp << 10) | (comp_prev << 11),
        pack2(c_0, present),
        comp | (comp_prev << 1) | (comp_m2 << 2) | (giv_p1 << 3) | (giv_p2 << 5),
        sur_0 | (giv_p1 << 2) | (giv_p2 << 4) | (at(ctype, -1) << 6) | (w2s_p1 << 10),
        sur_m1 | (giv_0 << 2) | (giv_p1 << 4) | (w2e << 6) | (w2s << 11),
        sur_m2 | (giv_m1 << 2) | (giv_0 << 4) | (w2e << 6) | (w2s << 11),
        pack2(c_m1, cls_0),
        pack2(c_p1, cls_0),
        trans_window,
    ]
    stacked = np.empty((N_FEATURES, n), dtype=np.int64)
    for k, value in enumerate(values):
        stacked[k] = value
    out = stacked.view(np.uint64)
    out += _FEATURE_SALTS
    out *= MIX
    out >>= np.uint64(64 - bits)
    return stacked
