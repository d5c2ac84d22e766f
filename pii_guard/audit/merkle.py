"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification: pure functions.

A tree over leaves d[0..n) has the root MTH: the empty string's SHA-256 for no leaves,
SHA-256(0x00 || d) for one, and otherwise SHA-256(0x01 || MTH(left) || MTH(right)) where the
left part holds the largest power of two strictly below n. A *perfect subtree* ``(h, i)`` is
the subtree over leaves [i * 2**h, (i+1) * 2**h); once complete its hash never changes, which
is what storage keeps (``pii_guard.audit.tiles``). Proofs are computed here as lists of leaf
ranges whose hashes the caller resolves, so storage and logic stay apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
Range = tuple[int, int]
Node = tuple[int, int]


def hash_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[Node]:
    """The perfect subtrees whose hashes, folded from the right, give MTH(d[start:end]).

    ``start`` must be a multiple of the smallest power of two >= end - start, which holds for
    every range the RFC's recursions produce.
    """
    nodes: list[Node] = []
    size = end - start
    at = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, at >> level))
            at += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine perfect-subtree hashes of descending size into the root of their range."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = hash_children(left, root)
    return root


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect tree given its 2**k bottom hashes."""
    level = list(hashes)
    while len(level) > 1:
        level = [hash_children(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 9162 PATH(m, D[n]): the ranges whose roots form the audit path, bottom first."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """RFC 9162 PROOF(m, D[n]): the ranges whose roots form the consistency proof."""
    if not 0 < first <= second:
        raise ValueError("consistency needs 0 < first <= second")
    ranges: list[Range] = []
    start, end, m, whole = 0, second, first, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            whole = False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def resolve(ranges: Sequence[Range], node: Callable[[int, int], bytes]) -> list[bytes]:
    return [fold([node(h, i) for h, i in perfect_subtrees(a, b)]) for a, b in ranges]


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


class CompactRange:
    """The right edge of a growing tree: one hash per set bit of its size.

    ``append`` returns the perfect subtrees it completed (level, index, hash), bottom first,
    so callers can store or compare them.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        self.size = size
        self._stack: list[tuple[int, bytes]] = []
        levels = [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
        if len(levels) != len(hashes):
            raise ValueError("one hash per perfect subtree of the size is needed")
        self._stack = list(zip(levels, hashes, strict=True))

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        completed: list[tuple[int, int, bytes]] = []
        level, value = 0, leaf
        index = self.size
        self.size += 1
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            value = hash_children(left, value)
            level += 1
            index >>= 1
            completed.append((level, index, value))
        self._stack.append((level, value))
        return completed

    @property
    def hashes(self) -> list[bytes]:
        return [value for _, value in self._stack]

    def root(self) -> bytes:
        return fold([value for _, value in self._stack])
