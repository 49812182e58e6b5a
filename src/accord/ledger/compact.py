"""O(log n) appends and proofs for a *stored* RFC 6962 log.

Two pieces, both free of any storage engine:

* :class:`Frontier` (a "compact range" over [0, size)): the roots of the perfect subtrees that
  make up the current tree, largest first — one per set bit of ``size``.  That is all an append
  needs.  :meth:`Frontier.append` returns every complete-subtree node the append creates so the
  caller can persist them; :meth:`Frontier.to_bytes` / :meth:`Frontier.to_json` give a compact
  form to keep in the log's DB row.

* Proof builders over a node store.  Node ``(level, index)`` is the root of the complete subtree
  covering leaves ``[index·2^level, (index+1)·2^level)``; level 0 nodes are leaf hashes.  Every
  proof element of RFC 6962 is the hash of a range ``[a, b)`` whose perfect decomposition is
  made only of such stored nodes, so a proof is served by: ``keys = inclusion_proof_nodes(...)``
  → ONE batched lookup → ``assemble_inclusion_proof(..., nodes)``.  An incomplete right-hand
  subtree is folded from its complete sub-subtrees (right to left), exactly as MTH splits it.

Typical use with a database::

    keys = inclusion_proof_nodes(index, size)
    rows = Node.objects.filter(log=log, level__in=..., index__in=...)   # or an OR of the keys
    proof = assemble_inclusion_proof(index, size, {(r.level, r.index): r.hash for r in rows})
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence

from accord.ledger.merkle import EMPTY_ROOT, HASH_SIZE, split_point

__all__ = [
    "Frontier",
    "NodeKey",
    "assemble_consistency_proof",
    "assemble_inclusion_proof",
    "assemble_root",
    "consistency_proof_nodes",
    "extend_hashes",
    "inclusion_proof_nodes",
    "range_nodes",
    "root_nodes",
]

_sha256 = hashlib.sha256

NodeKey = tuple[int, int]
"""(level, index) of a complete subtree."""

_MAX_SIZE = (1 << 64) - 1


def _node(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


# --------------------------------------------------------------------------- frontier


class Frontier:
    """Compact range [0, size): the perfect-subtree roots of the tree, largest (leftmost) first.

    Levels are implied by ``size``: the i-th hash belongs to the i-th set bit of ``size`` counted
    from the most significant one.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if type(size) is not int or not 0 <= size <= _MAX_SIZE:
            raise ValueError(f"invalid frontier size {size!r}")
        hashes = [bytes(h) for h in hashes]
        if len(hashes) != size.bit_count():
            raise ValueError(
                f"a frontier of size {size} needs {size.bit_count()} hashes, got {len(hashes)}"
            )
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError("frontier hashes must be 32 bytes")
        self._size = size
        self._hashes = hashes

    # -- inspection

    @property
    def size(self) -> int:
        """Number of leaves covered."""
        return self._size

    def __len__(self) -> int:
        return self._size

    def nodes(self) -> list[tuple[int, int, bytes]]:
        """The (level, index, hash) of each perfect subtree, leftmost first."""
        out = []
        pos = 0
        for level, h in zip(_levels_desc(self._size), self._hashes, strict=True):
            out.append((level, pos >> level, h))
            pos += 1 << level
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frontier):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __repr__(self) -> str:
        return f"Frontier(size={self._size})"

    def copy(self) -> Frontier:
        """An independent copy (appends to it leave this one untouched)."""
        f = Frontier.__new__(Frontier)
        f._size = self._size
        f._hashes = list(self._hashes)
        return f

    # -- growth

    def append(self, leaf_digest: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the new complete nodes (level, index, hash), leaf first.

        The caller persists them as the node store.  Amortised one node hash per append.
        """
        if len(leaf_digest) != HASH_SIZE:
            raise ValueError("append takes a 32-byte leaf hash (merkle.leaf_hash(data))")
        if self._size >= _MAX_SIZE:
            raise OverflowError("log is full")
        idx = self._size
        h = bytes(leaf_digest)
        created = [(0, idx, h)]
        hashes = self._hashes
        level = 0
        while idx & 1:
            h = _sha256(b"\x01" + hashes.pop() + h).digest()
            idx >>= 1
            level += 1
            created.append((level, idx, h))
        hashes.append(h)
        self._size += 1
        return created

    def extend(self, leaf_digests: Iterable[bytes]) -> None:
        """Append many leaf hashes without collecting the created nodes (fast path)."""
        nodes = [bytes(h) for h in leaf_digests]
        if any(len(h) != HASH_SIZE for h in nodes):
            raise ValueError("extend takes 32-byte leaf hashes")
        if self._size + len(nodes) > _MAX_SIZE:
            raise OverflowError("log is full")
        count = len(nodes)
        extend_hashes(self._hashes, self._size, nodes)  # consumes nodes
        self._size += count

    # -- root

    def root(self) -> bytes:
        """MTH of the covered leaves: fold the perfect subtrees from the right."""
        hashes = self._hashes
        if not hashes:
            return EMPTY_ROOT
        r = hashes[-1]
        for h in reversed(hashes[:-1]):
            r = _sha256(b"\x01" + h + r).digest()
        return r

    # -- storage

    def to_bytes(self) -> bytes:
        """8-byte big-endian size, then the hashes: 8 + 32·popcount(size) bytes."""
        return self._size.to_bytes(8, "big") + b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, data: bytes) -> Frontier:
        """Inverse of :meth:`to_bytes`; ``b""`` (a fresh DB row) is the empty frontier."""
        data = bytes(data)
        if not data:
            return cls()
        if len(data) < 8:
            raise ValueError("frontier bytes too short")
        size = int.from_bytes(data[:8], "big")
        body = data[8:]
        if len(body) != HASH_SIZE * size.bit_count():
            raise ValueError(f"frontier bytes do not match size {size}")
        return cls(size, [body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE)])

    def to_json(self) -> str:
        """``{"size": n, "hashes": [hex, ...]}`` for text columns or debugging."""
        return json.dumps(
            {"size": self._size, "hashes": [h.hex() for h in self._hashes]},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Frontier:
        """Inverse of :meth:`to_json`."""
        obj = json.loads(text)
        if not isinstance(obj, dict) or not isinstance(obj.get("hashes"), list):
            raise ValueError("not a frontier JSON object")
        return cls(obj.get("size"), [bytes.fromhex(h) for h in obj["hashes"]])

    @classmethod
    def from_nodes(cls, size: int, nodes: Mapping[NodeKey, bytes]) -> Frontier:
        """Rebuild the frontier of an older or lost size from the node store (keys: root_nodes)."""
        return cls(size, [nodes[k] for k in root_nodes(size)])

    @classmethod
    def from_leaf_hashes(cls, leaf_digests: Iterable[bytes]) -> Frontier:
        """Frontier over the given leaf hashes."""
        f = cls()
        f.extend(leaf_digests)
        return f


def extend_hashes(stack: list[bytes], size: int, nodes: list[bytes]) -> None:
    """Grow a frontier hash list (``stack``, for ``size`` leaves) by the leaf hashes ``nodes``.

    Works level by level with one list comprehension per level instead of one Python loop step
    per node — the same hashes as repeated :meth:`Frontier.append`, about twice as fast.  At
    level L the new nodes start at index ``size >> L``; when that is odd, the old frontier's
    level-L node (the top of ``stack``) is their left neighbour.  An unpaired last node at a
    level becomes the new frontier's node for that level.  ``nodes`` is consumed.
    """
    sha = _sha256
    start = size
    carry: list[bytes] = []
    while nodes:
        if start & 1:
            nodes.insert(0, stack.pop())
        if len(nodes) & 1:
            carry.append(nodes.pop())
        it = iter(nodes)
        nodes = [sha(b"\x01" + a + b).digest() for a, b in zip(it, it, strict=False)]
        start >>= 1
    stack.extend(reversed(carry))


def _levels_desc(size: int) -> list[int]:
    """Levels of the perfect subtrees of [0, size), largest first (set bits, high to low)."""
    return [b for b in range(size.bit_length() - 1, -1, -1) if size >> b & 1]


# --------------------------------------------------------------------------- ranges → node keys


def range_nodes(start: int, end: int) -> list[NodeKey]:
    """Perfect decomposition of the leaf range [start, end) as node keys, left to right.

    Valid for every range RFC 6962 hashes as a proof element (they are aligned: ``start`` is a
    multiple of the largest power of two <= end - start); other ranges raise ValueError.
    """
    n = end - start
    if n <= 0:
        raise ValueError(f"empty range [{start}, {end})")
    keys: list[NodeKey] = []
    pos = start
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            if pos & ((1 << level) - 1):
                raise ValueError(f"range [{start}, {end}) is not aligned to stored subtrees")
            keys.append((level, pos >> level))
            pos += 1 << level
    return keys


def root_nodes(size: int) -> list[NodeKey]:
    """Node keys whose right fold is the root of the tree of ``size`` (its frontier)."""
    return range_nodes(0, size) if size else []


def _check_size(size: int) -> None:
    if type(size) is not int or not 0 <= size <= _MAX_SIZE:
        raise ValueError(f"invalid tree size {size!r}")


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges hashed by PATH(index, D[size]), in proof order (leaf upwards)."""
    _check_size(size)
    if type(index) is not int or not 0 <= index < size:
        raise IndexError(f"leaf index {index} out of range for tree size {size}")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index - lo < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges hashed by PROOF(old_size, D[new_size]), in proof order."""
    _check_size(old_size)
    _check_size(new_size)
    if old_size > new_size:
        raise ValueError(f"old size {old_size} exceeds new size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                ranges.append((lo, hi))
            break
        k = split_point(n)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            m -= k
            complete = False
    ranges.reverse()
    return ranges


def _unique(groups: list[list[NodeKey]]) -> list[NodeKey]:
    seen: dict[NodeKey, None] = {}
    for g in groups:
        for k in g:
            seen[k] = None
    return list(seen)


def inclusion_proof_nodes(index: int, size: int) -> list[NodeKey]:
    """Node keys needed for the inclusion proof of leaf ``index`` in the tree of ``size``."""
    return _unique([range_nodes(a, b) for a, b in _inclusion_ranges(index, size)])


def consistency_proof_nodes(old_size: int, new_size: int) -> list[NodeKey]:
    """Node keys needed for the consistency proof from ``old_size`` to ``new_size``."""
    return _unique([range_nodes(a, b) for a, b in _consistency_ranges(old_size, new_size)])


# --------------------------------------------------------------------------- assembly


def _fold(keys: list[NodeKey], nodes: Mapping[NodeKey, bytes]) -> bytes:
    try:
        r = nodes[keys[-1]]
        for k in reversed(keys[:-1]):
            r = _node(nodes[k], r)
    except KeyError as exc:
        raise KeyError(f"node store is missing node (level, index) = {exc.args[0]}") from None
    return bytes(r)


def assemble_inclusion_proof(index: int, size: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """Build the RFC 6962 audit path from fetched nodes (keys from inclusion_proof_nodes)."""
    return [_fold(range_nodes(a, b), nodes) for a, b in _inclusion_ranges(index, size)]


def assemble_consistency_proof(
    old_size: int, new_size: int, nodes: Mapping[NodeKey, bytes]
) -> list[bytes]:
    """Build the RFC 6962 consistency proof from fetched nodes (keys: consistency_proof_nodes)."""
    return [_fold(range_nodes(a, b), nodes) for a, b in _consistency_ranges(old_size, new_size)]


def assemble_root(size: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """Root of the tree of ``size`` from fetched nodes (keys from root_nodes)."""
    _check_size(size)
    return _fold(root_nodes(size), nodes) if size else EMPTY_ROOT
