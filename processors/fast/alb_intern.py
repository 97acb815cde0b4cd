"""Codes that stay the same across blocks: span bytes and integers interned in persistent compiled tables.

A block of the ALB fast path has ~6.5k rows but only a few distinct URLs,
user agents and TLS versions and ~800 distinct clients, most of them seen
in earlier blocks. ``SpanCodes`` and ``IntCodes`` give every row the code
of its value in one kernel call per column: a hash table that lives across
blocks (span bytes are kept in the table's own byte buffer and compared
exactly, a hash alone is never trusted), so only values never seen before
reach Python (``new`` codes, numbered in order of first appearance). A
table grows by doubling up to its ``limit`` of distinct values; past that
``codes`` returns None and the owner starts over with fresh tables
(``alb_tables``), so memory stays bounded. ``compact`` renumbers a block's
stable codes densely for the detectors' columns.

Absent spans (start -1), empty spans and ``-`` get code -1, as do negative
integers.

>>> data = np.frombuffer(b"GET - POST GET", np.uint8)
>>> spans = SpanCodes(limit=8)
>>> spans.codes(data, np.array([0, 4, 6, 11, -1]), np.array([3, 5, 10, 14, -1])).tolist(), spans.count
([0, -1, 1, 0, -1], 2)
>>> spans.codes(data, np.array([6, 0]), np.array([10, 3])).tolist(), spans.text(1)
([1, 0], b'POST')
>>> ints = IntCodes(limit=2)
>>> ints.codes(np.array([7, 7, -1, 9])).tolist(), ints.codes(np.array([9, 7])).tolist(), ints.value(1)
([0, 0, -1, 1], [1, 0], 9)
>>> ints.codes(np.array([5])) is None  # a third distinct value: over the limit
True
>>> local, uniq = compact(np.array([5, 2, -1, 5]), np.full(8, -1, np.int64))
>>> local.tolist(), uniq.tolist()
([0, 1, -1, 0], [5, 2])
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.words import copy, same, span_hash

_MUL = np.uint64(0x9E3779B97F4A7C15)


def _slots(capacity: int) -> np.ndarray:
    size = 16
    while size < 2 * capacity:
        size *= 2
    return np.full(size, -1, np.int64)  # at most half full: short probes


@nb.njit(cache=True)
def _intern_spans(data, fs, fe, start, slots, hashes, koff, keys, count, codes):  # noqa: ANN001, ANN202, PLR0913
    """Codes of rows ``start..`` into ``codes``; returns the first row it could not place (the table or its
    byte buffer is full) or ``len(fs)``. ``count`` holds (distinct values, bytes used)."""
    mask = len(slots) - 1
    for r in range(start, len(fs)):
        a, b = fs[r], fe[r]
        if a < 0 or b <= a or (b - a == 1 and data[a] == 45):
            codes[r] = -1
            continue
        h = span_hash(data, a, b)
        slot = np.int64(h & np.uint64(mask))
        while True:
            c = slots[slot]
            if c < 0:
                c, used = count[0], count[1]
                if c >= len(hashes) or used + (b - a) > len(keys):
                    return r
                copy(keys, used, data, a, b)
                slots[slot], hashes[c], koff[c + 1] = c, h, used + b - a
                count[0], count[1] = c + 1, used + b - a
                break
            if hashes[c] == h and koff[c + 1] - koff[c] == b - a and same(keys, koff[c], data, a, b - a):
                break
            slot = (slot + 1) & mask
        codes[r] = c
    return len(fs)


@nb.njit(cache=True)
def _intern_ints(values, start, slots, keys, count, codes):  # noqa: ANN001, ANN202
    """``_intern_spans`` for non-negative integers (negative ones: -1)."""
    mask = len(slots) - 1
    for r in range(start, len(values)):
        v = values[r]
        if v < 0:
            codes[r] = -1
            continue
        slot = np.int64((np.uint64(v) * _MUL) >> np.uint64(32)) & mask  # Fibonacci hashing
        while True:
            c = slots[slot]
            if c < 0:
                c = count[0]
                if c >= len(keys):
                    return r
                slots[slot], keys[c] = c, v
                count[0] = c + 1
                break
            if keys[c] == v:
                break
            slot = (slot + 1) & mask
        codes[r] = c
    return len(values)


@nb.njit(cache=True)
def _rehash(slots, hashes, count):  # noqa: ANN001, ANN202
    mask = len(slots) - 1
    for c in range(count):
        slot = np.int64(hashes[c] & np.uint64(mask))
        while slots[slot] >= 0:
            slot = (slot + 1) & mask
        slots[slot] = c


@nb.njit(cache=True)
def _rehash_ints(slots, keys, count):  # noqa: ANN001, ANN202
    mask = len(slots) - 1
    for c in range(count):
        slot = np.int64((np.uint64(keys[c]) * _MUL) >> np.uint64(32)) & mask
        while slots[slot] >= 0:
            slot = (slot + 1) & mask
        slots[slot] = c


@nb.njit(cache=True)
def compact(codes, scratch):  # noqa: ANN001, ANN201
    """(block code per row, stable code per block code): the distinct stable codes in order of first appearance.

    ``scratch`` (-1 everywhere, longer than the largest code) is left as it came; code -1 stays -1.
    """
    local = np.empty(len(codes), np.int64)
    uniq = np.empty(len(codes), np.int64)
    count = 0
    for r in range(len(codes)):
        c = codes[r]
        if c < 0:
            local[r] = -1
            continue
        k = scratch[c]
        if k < 0:
            k = scratch[c] = count
            uniq[count] = c
            count += 1
        local[r] = k
    for k in range(count):
        scratch[uniq[k]] = -1
    return local, uniq[:count]


class SpanCodes:
    """Byte spans -> codes stable across blocks, at most ``limit`` distinct values."""

    def __init__(self, limit: int, capacity: int = 256):
        self.limit = limit
        self.count = 0  # distinct values held
        self.new = 0  # the first code given by the last ``codes`` call (codes new..count-1 are new)
        self._capacity = min(capacity, limit)
        self._slots = _slots(self._capacity)
        self._hashes = np.empty(self._capacity, np.uint64)
        self._koff = np.zeros(self._capacity + 1, np.int64)
        self._keys = np.empty(64 * self._capacity, np.uint8)
        self._count = np.zeros(2, np.int64)

    def codes(self, data: np.ndarray, fs: np.ndarray, fe: np.ndarray) -> np.ndarray | None:
        """The code of every span (-1: absent, empty or ``-``), or None when that takes over ``limit`` values."""
        out = np.empty(len(fs), np.int64)
        self.new = self.count
        row = 0
        while True:
            row = _intern_spans(data, fs, fe, row, self._slots, self._hashes, self._koff, self._keys, self._count,
                                out)
            self.count = int(self._count[0])
            if row == len(fs):
                return out
            if self.count >= self._capacity and not self._grow_table():
                return None
            if int(self._count[1]) + int(fe[row] - fs[row]) > len(self._keys):
                self._keys = np.concatenate([self._keys, np.empty(len(self._keys) + int(fe[row] - fs[row]), np.uint8)])

    def _grow_table(self) -> bool:
        if self._capacity >= self.limit:
            return False
        self._capacity = min(2 * self._capacity, self.limit)
        self._hashes = np.concatenate([self._hashes, np.empty(self._capacity - len(self._hashes), np.uint64)])
        self._koff = np.concatenate([self._koff, np.zeros(self._capacity + 1 - len(self._koff), np.int64)])
        self._slots = _slots(self._capacity)
        _rehash(self._slots, self._hashes, self.count)
        return True

    def text(self, code: int) -> bytes:
        """The bytes of ``code``."""
        return self._keys[self._koff[code]:self._koff[code + 1]].tobytes()


class IntCodes:
    """Non-negative integers -> codes stable across blocks, at most ``limit`` distinct values."""

    def __init__(self, limit: int, capacity: int = 1024):
        self.limit = limit
        self.count = 0
        self.new = 0
        self._keys = np.empty(min(capacity, limit), np.int64)
        self._slots = _slots(len(self._keys))
        self._count = np.zeros(1, np.int64)

    def codes(self, values: np.ndarray) -> np.ndarray | None:
        """The code of every value (-1: negative), or None when that takes over ``limit`` values."""
        out = np.empty(len(values), np.int64)
        self.new = self.count
        row = 0
        while True:
            row = _intern_ints(values, row, self._slots, self._keys, self._count, out)
            self.count = int(self._count[0])
            if row == len(values):
                return out
            if len(self._keys) >= self.limit:
                return None
            self._keys = np.concatenate([self._keys, np.empty(min(len(self._keys), self.limit - len(self._keys)),
                                                              np.int64)])
            self._slots = _slots(len(self._keys))
            _rehash_ints(self._slots, self._keys, self.count)

    def value(self, code: int) -> int:
        """The integer of ``code``."""
        return int(self._keys[code])

    def values(self, codes: np.ndarray) -> np.ndarray:
        """The integers of ``codes`` (all valid)."""
        return self._keys[codes]


class FragmentStore:
    """Byte fragments kept across blocks in one buffer: what the render copies by fragment id (``buf``, ``offsets``).

    ``buf`` always has at least 16 bytes after the last fragment (a renderer may copy words).

    >>> store = FragmentStore()
    >>> store.add(b"ab"), store.add(b"cde"), store.longest
    (0, 1, 3)
    >>> buf, offsets = store.packed()
    >>> offsets.tolist(), buf[offsets[1]:offsets[2]].tobytes()
    ([0, 2, 5], b'cde')
    """

    SLACK = 16

    def __init__(self, size: int = 1 << 16):
        self.buf = np.zeros(size, np.uint8)
        self.offsets = np.zeros(1024, np.int64)
        self.count = 0
        self.longest = 0

    def add(self, frag: bytes) -> int:
        """Store ``frag``; returns its id."""
        at, n = int(self.offsets[self.count]), len(frag)
        if at + n + self.SLACK > len(self.buf):
            self.buf = np.concatenate([self.buf, np.zeros(max(len(self.buf), n + self.SLACK), np.uint8)])
        if self.count + 2 > len(self.offsets):
            self.offsets = np.concatenate([self.offsets, np.zeros(len(self.offsets), np.int64)])
        self.buf[at:at + n] = np.frombuffer(frag, np.uint8)
        self.count += 1
        self.offsets[self.count] = at + n
        self.longest = max(self.longest, n)
        return self.count - 1

    def packed(self) -> tuple[np.ndarray, np.ndarray]:
        """(bytes, offsets): fragment k is ``bytes[offsets[k]:offsets[k + 1]]``."""
        return self.buf, self.offsets[:self.count + 1]
