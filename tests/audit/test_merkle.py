"""RFC 6962 / RFC 9162 hashing and proofs agree with the RFC's own recursive definitions and
with the published test vectors, and the verifiers refuse anything altered."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pii_guard.audit import merkle
from pii_guard.audit.tiles import TileAppender, node_hash

# The leaves of the certificate-transparency reference tests (merkle_tree_test).
CT_LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243",
                                        "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
CT_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, literally."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return merkle.hash_leaf(leaves[0])
    k = merkle.split_point(len(leaves))
    return merkle.hash_children(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = merkle.split_point(len(leaves))
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = merkle.split_point(n)
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def resolver(leaves: list[bytes]):  # type: ignore[no-untyped-def]
    return lambda h, i: mth(leaves[i << h:(i + 1) << h])


@pytest.mark.parametrize(("size", "root"), sorted(CT_ROOTS.items()))
def test_roots_match_the_certificate_transparency_vectors(size: int, root: str) -> None:
    compact = merkle.CompactRange()
    for leaf in CT_LEAVES[:size]:
        compact.append(merkle.hash_leaf(leaf))
    assert compact.root().hex() == root


def test_the_empty_tree_has_the_hash_of_the_empty_string() -> None:
    assert merkle.CompactRange().root().hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_proofs_are_the_rfc_path_and_verify(leaves: list[bytes], data: st.DataObject
                                                      ) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = merkle.resolve(merkle.inclusion_ranges(index, len(leaves)), resolver(leaves))
    assert proof == path(index, leaves)
    assert merkle.verify_inclusion(merkle.hash_leaf(leaves[index]), index, len(leaves), proof,
                                   mth(leaves))


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_consistency_proofs_are_the_rfc_subproof_and_verify(leaves: list[bytes],
                                                            data: st.DataObject) -> None:
    first = data.draw(st.integers(1, len(leaves)))
    proof = merkle.resolve(merkle.consistency_ranges(first, len(leaves)), resolver(leaves))
    assert proof == subproof(first, leaves, True)
    assert merkle.verify_consistency(first, len(leaves), mth(leaves[:first]), mth(leaves), proof)


def test_an_altered_leaf_or_root_fails_inclusion() -> None:
    leaves = CT_LEAVES
    proof = path(3, leaves)
    root = mth(leaves)
    assert merkle.verify_inclusion(merkle.hash_leaf(leaves[3]), 3, 8, proof, root)
    assert not merkle.verify_inclusion(merkle.hash_leaf(b"forged"), 3, 8, proof, root)
    assert not merkle.verify_inclusion(merkle.hash_leaf(leaves[3]), 4, 8, proof, root)
    assert not merkle.verify_inclusion(merkle.hash_leaf(leaves[3]), 3, 8, proof, mth(leaves[:7]))


def test_a_rewritten_history_fails_consistency() -> None:
    leaves = CT_LEAVES
    rewritten = [*leaves[:2], b"forged", *leaves[3:]]
    proof = subproof(5, rewritten, True)
    assert not merkle.verify_consistency(5, 8, mth(leaves[:5]), mth(rewritten), proof)


@pytest.mark.parametrize("size", [1, 255, 256, 257, 65_535, 65_536, 65_537])
def test_tiles_give_the_same_root_as_the_tree_across_tile_boundaries(size: int) -> None:
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)]
    store: dict[tuple[int, int], bytes] = {}
    done = 0
    for step in (1, 300, 70_000):  # appends in batches, each from the stored edge
        batch = leaves[done:done + step]
        appender = TileAppender(done, {k: store[k] for k in TileAppender.edge_keys(done)})
        for leaf in batch:
            appender.append(leaf)
        store.update(appender.touched)
        done += len(batch)
    compact = merkle.CompactRange()
    for leaf in leaves:
        compact.append(leaf)
    nodes = merkle.perfect_subtrees(0, size)
    assert merkle.fold([node_hash(store, node) for node in nodes]) == compact.root()
