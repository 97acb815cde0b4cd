"""Eight bytes at a time in compiled kernels: unaligned 64-bit loads and stores on uint8 arrays.

Numba compiles ``data[i]`` to one byte load (plus a wrap-around check), so
a kernel that copies, hashes or compares byte spans in a loop runs at
about 1 ns a byte. ``load`` and ``store`` are one unaligned machine
load/store of eight bytes (little-endian; no bounds check: the caller
keeps ``i + 8 <= len``), on which ``copy``, ``span_hash``, ``same`` and
``plain8`` work a word at a time. A span's last word overlaps the one
before; a span shorter than a word is read as the word that ends where it
ends (the bytes before it are shifted out) or, at the very start of the
array, byte by byte: nothing outside the array is read, nothing outside
the target span written.

>>> import numpy as np
>>> a = np.frombuffer(b'0123456789abcdef{"k":"v"}', np.uint8).copy()
>>> import numba as nb
>>> hex(int(nb.njit(lambda arr, i: load(arr, i))(a, 1)))  # intrinsics run in compiled code only
'0x3837363534333231'
>>> out = np.zeros(12, np.uint8)
>>> copy(out, 1, a, 3, 13), bytes(out)
(11, b'\\x003456789abc\\x00')
>>> bool(same(a, 0, a, 0, 10)), bool(same(a, 0, a, 1, 10)), span_hash(a, 0, 10) == span_hash(a.copy(), 0, 10)
(True, False, True)
>>> plain = nb.njit(lambda arr, i: plain8(load(arr, i)))
>>> plain(a, 0), plain(a, 14), plain(np.frombuffer(b"abc\\tdef", np.uint8).copy(), 0)  # ok; a quote; a backslash
(True, False, False)
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

_I64 = ir.IntType(64)


def _byte_array(arr: types.Type) -> bool:
    return isinstance(arr, types.Array) and arr.dtype == types.uint8 and arr.ndim == 1 and arr.layout == "C"


def _address(context, builder, arrty, arr, index, indexty):  # noqa: ANN001, ANN202
    ary = context.make_array(arrty)(context, builder, arr)
    offset = context.cast(builder, index, indexty, types.intp)
    return builder.bitcast(builder.gep(ary.data, [offset]), _I64.as_pointer())


@intrinsic
def load(typingctx, arr, index):  # noqa: ANN001, ANN201, ARG001
    """The eight bytes ``arr[index:index + 8]`` as a little-endian uint64 (one unaligned load)."""
    if not _byte_array(arr) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        ptr = _address(context, builder, signature.args[0], args[0], args[1], signature.args[1])
        return builder.load(ptr, align=1)

    return types.uint64(arr, index), codegen


@intrinsic
def store(typingctx, arr, index, value):  # noqa: ANN001, ANN201, ARG001
    """Write ``value`` (uint64, little-endian) to ``arr[index:index + 8]`` (one unaligned store)."""
    if not _byte_array(arr) or not isinstance(index, types.Integer) or value != types.uint64:
        return None

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        ptr = _address(context, builder, signature.args[0], args[0], args[1], signature.args[1])
        builder.store(args[2], ptr, align=1)
        return context.get_dummy_value()

    return types.none(arr, index, value), codegen


@nb.njit(inline="always")
def copy(out, pos, src, a, b):  # noqa: ANN001, ANN201
    """``out[pos:pos + b - a] = src[a:b]`` a word at a time; returns the position after the copy."""
    n = b - a
    if n < 8:
        for i in range(n):
            out[pos + i] = src[a + i]
        return pos + n
    i = 0
    while i + 8 <= n:
        store(out, pos + i, load(src, a + i))
        i += 8
    if i < n:
        store(out, pos + n - 8, load(src, b - 8))
    return pos + n


@nb.njit(inline="always")
def copy_ahead(out, pos, src, a, b):  # noqa: ANN001, ANN201
    """``copy`` that may write up to 8 bytes past ``pos + b - a`` (zeros or copied bytes): for a caller that
    writes ``out`` in order and leaves 8 bytes of slack at its end. A short span is one load and one store."""
    n = b - a
    if n >= 8 or b < 8:
        return copy(out, pos, src, a, b)
    if n > 0:
        store(out, pos, _tail(src, a, b))
    return pos + n


@nb.njit(inline="always")
def _tail(data, a, b):  # noqa: ANN001, ANN202
    """The ``b - a`` (< 8) bytes ``data[a:b]`` as the low bytes of a word: one load of the eight bytes ending at
    ``b`` when the array has them (the bytes before ``a`` are shifted out), else byte by byte."""
    m = b - a
    if m == 0:
        return np.uint64(0)
    if b >= 8:
        return load(data, b - 8) >> np.uint64(8 * (8 - m))
    w = np.uint64(0)
    for k in range(m):
        w |= np.uint64(data[a + k]) << np.uint64(8 * k)
    return w


@nb.njit(inline="always")
def span_hash(data, a, b):  # noqa: ANN001, ANN201
    """A 64-bit hash of ``data[a:b]`` (equal spans hash equal; compare with ``same`` to be exact)."""
    mul = np.uint64(0x9E3779B97F4A7C15)
    h = np.uint64(0xCBF29CE484222325) ^ np.uint64(b - a)
    while a + 8 <= b:
        h = (h ^ load(data, a)) * mul
        h ^= h >> np.uint64(29)
        a += 8
    h = (h ^ _tail(data, a, b)) * mul
    return h ^ (h >> np.uint64(32))


@nb.njit(inline="always")
def same(x, a, y, c, n):  # noqa: ANN001, ANN201
    """Whether ``x[a:a + n] == y[c:c + n]``, a word at a time."""
    i = 0
    while i + 8 <= n:
        if load(x, a + i) != load(y, c + i):
            return False
        i += 8
    if i < n:
        if n >= 8:
            return load(x, a + n - 8) == load(y, c + n - 8)
        return _tail(x, a, a + n) == _tail(y, c, c + n)
    return True


_LOW = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)


@nb.njit(inline="always")
def special(w):  # noqa: ANN001, ANN201
    """A mask whose lowest set bit is the high bit of the first byte of ``w`` that is not plain in a JSON string
    (a control byte, ``"``, ``\\``, 127 or non-ASCII); 0 when all eight are plain. Bits above the lowest may be
    false positives (borrows and carries only run upwards from a flagged byte).
    """
    return ((w & _HIGH) | ((w + _LOW) & _HIGH) | ((w - _LOW * np.uint64(32)) & ~w & _HIGH)
            | _zero_bytes(w ^ (_LOW * np.uint64(34))) | _zero_bytes(w ^ (_LOW * np.uint64(92))))


@nb.njit(inline="always")
def _zero_bytes(v):  # noqa: ANN001, ANN202
    return (v - _LOW) & ~v & _HIGH


@nb.njit(inline="always")
def first_special(w):  # noqa: ANN001, ANN201
    """The index (0-7) of the first byte of ``w`` that ``special`` flags, 8 when none."""
    m = special(w)
    return np.int64(8) if m == np.uint64(0) else np.int64(trailing_zeros(m) >> 3)


@nb.njit(inline="always")
def plain8(w):  # noqa: ANN001, ANN201
    """All eight bytes are printable ASCII other than ``"`` and ``\\`` (plain JSON string body)."""
    return special(w) == np.uint64(0)


@nb.njit(cache=True)
def byte_positions(data, byte):  # noqa: ANN001, ANN201
    """The offsets of every ``byte`` in ``data``, eight bytes at a time (no temporary the size of ``data``).

    >>> byte_positions(np.frombuffer(b"a\\nbb\\n\\n0123456789\\n", np.uint8), 10).tolist()
    [1, 4, 5, 16]
    """
    out = np.empty(1024, np.int64)
    n = 0
    pattern = _LOW * np.uint64(byte)
    size = len(data)
    i = 0
    while i <= size - 8:
        w = load(data, i) ^ pattern
        m = (w - _LOW) & ~w & _HIGH  # every matching byte flagged (others may be, just above a match)
        while m != np.uint64(0):
            j = i + np.int64(trailing_zeros(m) >> 3)
            if data[j] == byte:
                if n == len(out):
                    out = np.concatenate((out, np.empty(len(out), np.int64)))
                out[n] = j
                n += 1
            m &= m - np.uint64(1)
        i += 8
    for j in range(i, size):
        if data[j] == byte:
            if n == len(out):
                out = np.concatenate((out, np.empty(len(out), np.int64)))
            out[n] = j
            n += 1
    return out[:n]


@nb.njit(cache=True)
def row_codes(data, vs, ve, cols, extra):  # noqa: ANN001, ANN201
    """(code per row, first row per code) for the combination of the spans ``data[vs[r, c]:ve[r, c]]`` of the
    columns ``cols`` and the integers ``extra[r]``: an open-addressing table on ``span_hash``, spans compared
    exactly (``same``). Codes are numbered in order of first appearance.
    """
    n = vs.shape[0]
    size = 16
    while size < 2 * n:
        size *= 2
    table = np.full(size, -1, np.int64)
    hashes = np.empty(n, np.uint64)
    codes = np.empty(n, np.int64)
    firsts = np.empty(n, np.int64)
    mul = np.uint64(0x9E3779B97F4A7C15)
    count = 0
    for i in range(n):
        h = np.uint64(len(cols))
        for c in cols:
            h = (h ^ span_hash(data, vs[i, c], ve[i, c])) * mul
        for e in range(extra.shape[1]):
            h = (h ^ np.uint64(extra[i, e])) * mul
        h ^= h >> np.uint64(31)
        hashes[i] = h
        slot = np.int64(h & np.uint64(size - 1))
        while True:
            code = table[slot]
            if code < 0:
                table[slot] = count
                firsts[count] = i
                codes[i] = count
                count += 1
                break
            r = firsts[code]
            if hashes[r] == h and _same_row(data, vs, ve, cols, extra, r, i):
                codes[i] = code
                break
            slot = (slot + 1) & (size - 1)
    return codes, firsts[:count]


@nb.njit(inline="always")
def _same_row(data, vs, ve, cols, extra, r, i):  # noqa: ANN001, ANN202
    for c in cols:
        n = ve[i, c] - vs[i, c]
        if ve[r, c] - vs[r, c] != n or not same(data, vs[r, c], data, vs[i, c], n):
            return False
    for e in range(extra.shape[1]):
        if extra[r, e] != extra[i, e]:
            return False
    return True
