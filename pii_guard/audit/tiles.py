"""Where the Merkle tree lives: tiles of 256 hashes, as in Go's tlog and Sunlight.

Tile (L, t) holds the hashes of tree level 8L, nodes 256t .. 256t+255 (fewer while the tile is
the rightmost, still filling). Any complete perfect subtree (h, i) is the perfect root of at
most 128 consecutive hashes of one tile, so the root of any tree size, an inclusion proof and
a consistency proof each read a handful of rows: O(log n) work, whatever the log's length. A
full tile never changes; the sequencer rewrites only the rightmost tile of each level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pii_guard.audit.errors import AuditPruned, TreeCorrupt
from pii_guard.audit.merkle import (
    Node,
    consistency_ranges,
    fold,
    inclusion_ranges,
    perfect_root,
    perfect_subtrees,
)
from pii_guard.store.models.audit import AuditTile

HEIGHT = 8
WIDTH = 1 << HEIGHT
HASH_BYTES = 32
TileKey = tuple[int, int]


def split_hashes(data: bytes) -> list[bytes]:
    return [data[i:i + HASH_BYTES] for i in range(0, len(data), HASH_BYTES)]


def tile_of(node: Node) -> TileKey:
    height, index = node
    level, rest = divmod(height, HEIGHT)
    return level, (index << rest) >> HEIGHT


def node_hash(tiles: Mapping[TileKey, bytes], node: Node) -> bytes:
    """The hash of a complete perfect subtree, from the tile that holds its bottom hashes."""
    height, index = node
    level, rest = divmod(height, HEIGHT)
    first = index << rest
    data = tiles.get((level, first >> HEIGHT))
    if data is None:
        raise AuditPruned("tree_node_unavailable",
                          "that part of the tree is not stored (pruned or never written)")
    start = (first & (WIDTH - 1)) * HASH_BYTES
    chunk = data[start:start + (HASH_BYTES << rest)]
    if len(chunk) != HASH_BYTES << rest:
        raise TreeCorrupt("tree_incomplete", f"tile {level}/{first >> HEIGHT} is too short")
    return perfect_root(split_hashes(chunk))


def load_tiles(session: Session, keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = session.execute(
        select(AuditTile.level, AuditTile.idx, AuditTile.hashes)
        .where(tuple_(AuditTile.level, AuditTile.idx).in_(wanted)))
    return {(level, idx): bytes(hashes) for level, idx, hashes in rows}


def save_tiles(session: Session, tiles: Mapping[TileKey, bytes]) -> None:
    """Insert or replace tiles (only the rightmost tile of a level is ever replaced)."""
    if not tiles:
        return
    values = [{"level": level, "idx": idx, "hashes": data}
              for (level, idx), data in sorted(tiles.items())]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(AuditTile).values(values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["level", "idx"], set_={"hashes": statement.excluded.hashes}))


class TreeReader:
    """Roots and proofs for any size up to the current tree, read from stored tiles."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _resolve(self, ranges: list[tuple[int, int]]) -> list[bytes]:
        nodes = [perfect_subtrees(a, b) for a, b in ranges]
        tiles = load_tiles(self._session, (tile_of(n) for group in nodes for n in group))
        return [fold([node_hash(tiles, n) for n in group]) for group in nodes]

    def root(self, size: int) -> bytes:
        return self._resolve([(0, size)])[0]

    def subtree(self, node: Node) -> bytes:
        height, index = node
        return self._resolve([(index << height, (index + 1) << height)])[0]

    def leaf(self, index: int) -> bytes:
        return self._resolve([(index, index + 1)])[0]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return self._resolve(inclusion_ranges(index, size))

    def consistency(self, first: int, second: int) -> list[bytes]:
        if first == second:
            return []
        return self._resolve(consistency_ranges(first, second))


class TileAppender:
    """Appends leaf hashes to the right edge of the tree, in memory, then saves the tiles
    it touched. Built from the stored rightmost tiles for the current size."""

    def __init__(self, size: int, edge: Mapping[TileKey, bytes]) -> None:
        self.size = size
        self._edge = dict(edge)
        self.touched: dict[TileKey, bytes] = {}

    @staticmethod
    def edge_keys(size: int) -> list[TileKey]:
        """The rightmost, partly filled tile of each level for a tree of ``size`` leaves."""
        keys = []
        level = 0
        while size >> (HEIGHT * level):
            count = size >> (HEIGHT * level)
            if count & (WIDTH - 1):
                keys.append((level, count >> HEIGHT))
            level += 1
        return keys

    @classmethod
    def load(cls, session: Session, size: int) -> TileAppender:
        keys = cls.edge_keys(size)
        edge = load_tiles(session, keys)
        for level, idx in keys:
            expected = ((size >> (HEIGHT * level)) & (WIDTH - 1)) * HASH_BYTES
            if len(edge.get((level, idx), b"")) != expected:
                raise TreeCorrupt("tree_edge_mismatch",
                                  f"tile {level}/{idx} does not match tree size {size}")
        return cls(size, edge)

    def append(self, leaf: bytes) -> None:
        position = self.size
        value, level = leaf, 0
        while True:
            key = (level, position >> (HEIGHT * (level + 1)))
            data = self._edge.get(key, b"") + value
            self.touched[key] = data
            if len(data) < WIDTH * HASH_BYTES:
                self._edge[key] = data
                break
            self._edge.pop(key, None)
            value = perfect_root(split_hashes(data))
            level += 1
        self.size += 1

    def root(self) -> bytes:
        return fold([node_hash(self._edge, node) for node in perfect_subtrees(0, self.size)])
