"""RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs, and their checks.

Pure functions over lists of leaf hashes; nothing here touches storage. The verifiers follow the
algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step, so a bank can check a proof with
this module alone (it is what `chanrong verify` uses).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


# A tree is reached through `subtree(lo, hi)`: the hash of the leaves lo..hi-1, so the same proof
# algorithms serve a list in memory and the stored log (which keeps every perfect subtree's node).
Subtree = Callable[[int, int], bytes]


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes (already hashed with `leaf_hash`)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def roots_at(leaves: Sequence[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """MTH of the first n leaves for every n in `sizes` (n <= len(leaves)), in one pass: the
    perfect subtrees so far are kept as a stack and folded right to left at each size asked for."""
    wanted = iter(sorted({n for n in sizes if 0 <= n <= len(leaves)}))
    out: dict[int, bytes] = {}
    nxt = next(wanted, None)
    if nxt == 0:
        out[0], nxt = EMPTY_ROOT, next(wanted, None)
    stack: list[tuple[int, bytes]] = []  # (height, hash) of perfect subtrees, left to right
    for n, h in enumerate(leaves, 1):
        height = 0
        while stack and stack[-1][0] == height:
            h, height = node_hash(stack.pop()[1], h), height + 1
        stack.append((height, h))
        while nxt == n:
            r = stack[-1][1]
            for _, left in reversed(stack[:-1]):
                r = node_hash(left, r)
            out[n], nxt = r, next(wanted, None)
    return out


def over(leaves: Sequence[bytes]) -> Subtree:
    """The subtree function of a list of leaf hashes."""
    return lambda lo, hi: root(leaves[lo:hi])


def inclusion_path(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """PATH(m, D[n]) (RFC 9162 2.1.3.1): the audit path of leaf `index` in a tree of `size`."""
    if not 0 <= index < size:
        raise IndexError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree(lo, lo + k))
            lo += k
    return path[::-1]


def consistency_path(first: int, size: int, subtree: Subtree) -> list[bytes]:
    """PROOF(m, D[n]) (RFC 9162 2.1.4.1): that the first `first` leaves are a prefix of the tree."""
    if not 0 <= first <= size:
        raise IndexError(f"a tree of {first} is not a prefix of a tree of {size}")
    if first in (0, size):
        return []
    path: list[bytes] = []
    lo, hi, m, complete = 0, size, first, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            path.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree(lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        path.append(subtree(lo, hi))
    return path[::-1]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    return inclusion_path(index, len(leaves), over(leaves))


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    return consistency_path(first, len(leaves), over(leaves))


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2 (with the trivial cases: equal trees, and the empty first tree)."""
    if first < 0 or second < first:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two
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
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
