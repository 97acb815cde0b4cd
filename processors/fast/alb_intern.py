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
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from processors.fast.words import copy, same, span_hash

_MUL = np.uint64(0x9E3779B97F4A7C15)


@intrinsic
def prefetch(typingctx, arr, index):  # noqa: ANN001, ANN201, ARG001
    """Ask for the cache line of ``arr[index]`` (a hint: no fault, no result)."""
    if not isinstance(arr, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        offset = context.cast(builder, args[1], signature.args[1], types.intp)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = builder.module.declare_intrinsic("llvm.prefetch", fnty=ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]))
        pointer = builder.bitcast(builder.gep(ary.data, [offset]), i8p)
        builder.call(fn, [pointer, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])  # read, keep, data
        return context.get_dummy_value()

    return types.void(arr, index), codegen


def _slots(capacity: int) -> np.ndarray:
    size = 16
    while size < 2 * capacity:
        size *= 2
    return np.full(size, -1, np.int64)  # at most half full: short probes


@nb.njit(cache=True)
def intern_rows(data, s0, e0, s1, e1, spec, start, stop, slots, hashes, owner, koff, keys, count, codes):  # noqa: ANN001, ANN201, PLR0913
    """Codes of rows ``start..stop`` into ``codes`` (n, k). Column j: ``spec[j]`` = (matrix pair p, start column,
    end column, kind): its spans are ``s<p>[r, start]:e<p>[r, end]``, values of that kind (equal bytes of two
    kinds are two values). Returns the first row it could not finish (the table or its byte buffer is full)
    or ``stop``. ``count`` holds (distinct values, bytes used)."""
    mask = len(slots) - 1
    for r in range(start, stop):
        for j in range(spec.shape[0]):  # ask for every span of the row first: their cache misses overlap
            a = s0[r, spec[j, 1]] if spec[j, 0] == 0 else s1[r, spec[j, 1]]
            if a >= 0:
                prefetch(data, a)
        for j in range(spec.shape[0]):
            if spec[j, 0] == 0:
                a, b = s0[r, spec[j, 1]], e0[r, spec[j, 2]]
            else:
                a, b = s1[r, spec[j, 1]], e1[r, spec[j, 2]]
            kind = spec[j, 3]
            if a < 0 or b <= a or (b - a == 1 and data[a] == 45):
                codes[r, j] = -1
                continue
            h = (span_hash(data, a, b) ^ np.uint64(kind)) * _MUL
            h ^= h >> np.uint64(29)
            slot = np.int64(h & np.uint64(mask))
            while True:
                c = slots[slot]
                if c < 0:
                    c, used = count[0], count[1]
                    if c >= len(hashes) or used + (b - a) > len(keys):
                        return r
                    copy(keys, used, data, a, b)
                    slots[slot], hashes[c], owner[c], koff[c + 1] = c, h, kind, used + b - a
                    count[0], count[1] = c + 1, used + b - a
                    break
                if (hashes[c] == h and owner[c] == kind and koff[c + 1] - koff[c] == b - a
                        and same(keys, koff[c], data, a, b - a)):
                    break
                slot = (slot + 1) & mask
            codes[r, j] = c
    return stop


@nb.njit(cache=True)
def _intern_ints(values, start, slots, keys, count, codes):  # noqa: ANN001, ANN202
    """``intern_rows`` for non-negative integers (negative ones: -1)."""
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
    """Byte spans of several kinds -> codes stable across blocks, at most ``limit`` distinct values in all."""

    def __init__(self, limit: int, capacity: int = 256):
        self.limit = limit
        self.count = 0  # distinct values held
        self.new = 0  # the first code given by the last ``codes`` call (codes new..count-1 are new)
        self._capacity = min(capacity, limit)
        self._slots = _slots(self._capacity)
        self._hashes = np.empty(self._capacity, np.uint64)
        self._owner = np.empty(self._capacity, np.int64)
        self._koff = np.zeros(self._capacity + 1, np.int64)
        self._keys = np.empty(64 * self._capacity, np.uint8)
        self._count = np.zeros(2, np.int64)

    def codes(self, data: np.ndarray, fs: np.ndarray, fe: np.ndarray, kind: int = 0) -> np.ndarray | None:
        """The code of every span ``data[fs[r]:fe[r]]`` (-1: absent, empty or ``-``) as a value of ``kind``,
        or None when that takes over ``limit`` values."""
        fs, fe = fs.reshape(-1, 1), fe.reshape(-1, 1)
        out = self.columns(data, (fs, fe), (fs, fe), np.array([[0, 0, 0, kind]], np.int64))
        return None if out is None else out[:, 0]

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The table's arrays as ``intern_rows`` takes them (valid until the table grows)."""
        return self._slots, self._hashes, self._owner, self._koff, self._keys, self._count

    def columns(self, data: np.ndarray, pair0: tuple[np.ndarray, np.ndarray], pair1: tuple[np.ndarray, np.ndarray],
                spec: np.ndarray, done: tuple[np.ndarray, int, int] | None = None) -> np.ndarray | None:
        """Codes (n, k) of k span columns read from two (starts, ends) matrix pairs in one pass over the rows
        (a row's spans are read while its bytes are in cache): column j is ``spec[j]`` = (pair, start column,
        end column, kind). None when that takes over ``limit`` values. ``done``: (codes, rows, count before)
        of a pass that interned the first rows already (``alb_block.scan_interned``): it goes on from there."""
        if done is None:
            out, row, self.new = np.empty((len(pair0[0]), len(spec)), np.int64), 0, self.count
        else:
            out, row, self.new = done
            self.count = int(self._count[0])
        while True:
            row = intern_rows(data, *pair0, *pair1, spec, row, len(out), self._slots, self._hashes, self._owner,
                              self._koff, self._keys, self._count, out)
            self.count = int(self._count[0])
            if row == len(out):
                return out
            if self.count >= self._capacity and not self._grow_table():
                return None
            pairs = (pair0, pair1)
            need = int(self._count[1]) + sum(max(0, int(pairs[p][1][row, e] - pairs[p][0][row, a]))
                                             for p, a, e, _ in spec.tolist())
            if need > len(self._keys):
                self._keys = np.concatenate([self._keys, np.empty(max(len(self._keys), need), np.uint8)])

    def _grow_table(self) -> bool:
        if self._capacity >= self.limit:
            return False
        self._capacity = min(2 * self._capacity, self.limit)
        grow = self._capacity - len(self._hashes)
        self._hashes = np.concatenate([self._hashes, np.empty(grow, np.uint64)])
        self._owner = np.concatenate([self._owner, np.empty(grow, np.int64)])
        self._koff = np.concatenate([self._koff, np.zeros(grow, np.int64)])
        self._slots = _slots(self._capacity)
        _rehash(self._slots, self._hashes, self.count)
        return True

    def text(self, code: int) -> bytes:
        """The bytes of ``code``."""
        return self._keys[self._koff[code]:self._koff[code + 1]].tobytes()

    def kind(self, code: int) -> int:
        """The kind of ``code``."""
        return int(self._owner[code])


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

