"""RFC 6962 hashing and proofs: the published test vectors, and random trees checked against an
independent recomputation."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.ledger.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    roots_at,
    verify_consistency,
    verify_inclusion,
)

# RFC 6962 test leaves and the roots of the trees of their first n leaves
# (../shared/reference/facts-carbon-identifiers-ledger-consent.md).
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]  # fmt: skip
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]  # fmt: skip


def test_rfc6962_roots() -> None:
    hashed = [leaf_hash(d) for d in LEAVES]
    for n, expected in enumerate(ROOTS):
        assert root(hashed[:n]) == expected, n


def test_rfc6962_proofs_of_the_test_tree() -> None:
    hashed = [leaf_hash(d) for d in LEAVES]
    for n in range(1, 9):
        for i in range(n):
            proof = inclusion_proof(i, hashed[:n])
            assert verify_inclusion(i, n, hashed[i], proof, ROOTS[n])
        for m in range(0, n + 1):
            proof = consistency_proof(m, hashed[:n])
            assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof), (m, n)


def stack_root(leaves: list[bytes]) -> bytes:
    """An independent MTH: the iterative, append-only way a log computes its root."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    stack: list[tuple[int, bytes]] = []  # (height, hash) of perfect subtrees
    for h in leaves:
        height, node = 0, h
        while stack and stack[-1][0] == height:
            node = node_hash(stack.pop()[1], node)
            height += 1
        stack.append((height, node))
    node = stack.pop()[1]
    while stack:
        node = node_hash(stack.pop()[1], node)
    return node


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.data())
def test_random_trees_against_an_independent_recomputation(n: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    expected = stack_root(leaves)
    assert root(leaves) == expected
    i = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(i, leaves)
    assert verify_inclusion(i, n, leaves[i], proof, expected)
    # any change breaks it: another leaf, another index, a flipped proof byte
    assert not verify_inclusion(i, n, leaf_hash(b"forged"), proof, expected)
    if n > 1:
        assert not verify_inclusion((i + 1) % n, n, leaves[i], proof, expected)
    if proof:
        bad = [*proof]
        bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
        assert not verify_inclusion(i, n, leaves[i], bad, expected)
    m = data.draw(st.integers(0, n))
    cproof = consistency_proof(m, leaves)
    first = stack_root(leaves[:m])
    assert verify_consistency(m, n, first, expected, cproof)
    if 0 < m < n:
        assert not verify_consistency(m, n, leaf_hash(b"other"), expected, cproof)
        assert not verify_consistency(m, n, first, leaf_hash(b"other"), cproof)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 200), st.lists(st.integers(0, 220), max_size=12))
def test_roots_at_many_sizes_in_one_pass(n: int, sizes: list[int]) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    expected = {m: root(leaves[:m]) for m in sizes if m <= n}
    assert roots_at(leaves, sizes) == expected
    assert roots_at(leaves, [0]) == {0: ROOTS[0]}
