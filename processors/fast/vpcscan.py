"""One pass over a VPC flow block: lines found, fields split and checked, eight bytes at a time.

``scan_block(data)`` gives what ``scan.split_lines`` followed by
``scan.scan_v2`` give, in one kernel (the columns of ``FAST`` lines only): the walk loads a word, flags its
spaces (exactly) and its bytes that no fast line holds (controls, ``"``,
``\\``, 127, non-ASCII: ``words.special``), records the spaces before the
first flagged byte as field boundaries and stops at the line's newline.
A line that meets anything else first (a carriage return, a tab, an empty
field, a field too many, the block's last few bytes) is found byte by byte
and checked by ``scan_v2``'s own per-line code, so the statuses, offsets
and values are the same for every line (``tests/fast/test_vpcscan.py``
compares both on random and mutated blocks).

>>> import numpy as np
>>> data = np.frombuffer(b"2 1 eni-1 10.0.0.1 8.8.8.8 5 53 17 1 60 100 160 ACCEPT OK\\r\\n\\n2 x\\n", np.uint8)
>>> starts, ends, status, fs, fe, ints, ips = scan_block(data)
>>> starts.tolist(), ends.tolist(), status.tolist(), ints.tolist(), ips.tolist()
([0, 59, 60], [57, 59, 63], [0, 2, 1], [[5, 53, 17, 1, 60, 100, 160]], [[167772161, 134744072]])
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from processors.fast.buffers import ScanBuffers as _Pools
from processors.fast.buffers import scan_rows
from processors.fast.scan import (
    FAST,
    FIELDS,
    SLOW,
    _check_line,
    _check_values,
    line_at,
)
from processors.fast.words import load, special

_M7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_SPACES = np.uint64(0x2020202020202020)


@nb.njit(inline="always")
def _spaces(w):  # noqa: ANN001, ANN202
    """The high bit of every byte of ``w`` that is a space, exactly (no carry crosses a byte)."""
    v = w ^ _SPACES
    return ~(((v & _M7) + _M7) | v | _M7)


@nb.njit(inline="always")
def _walk(data, a, r, fs, fe):  # noqa: ANN001, ANN202
    """The newline ending the plain line that starts at ``a`` (its fields recorded in row ``r``), or -1 when
    the line holds anything else first (or the block ends within eight bytes): the caller checks it bytewise."""
    size = len(data)
    field, begin, i = 0, a, a
    while i + 8 <= size:
        w = load(data, i)
        stop = special(w)
        limit = np.int64(8) if stop == np.uint64(0) else np.int64(trailing_zeros(stop) >> 3)
        sp = _spaces(w)
        while sp != np.uint64(0):
            j = i + np.int64(trailing_zeros(sp) >> 3)
            if j >= i + limit:
                break
            if j == begin or field == FIELDS - 1:
                return -1
            fs[r, field], fe[r, field] = begin, j
            field += 1
            begin = j + 1
            sp &= sp - np.uint64(1)
        if limit < 8:
            j = i + limit
            if data[j] != 10 or field != FIELDS - 1 or j == begin:
                return -1
            fs[r, field], fe[r, field] = begin, j
            return j
        i += 8
    return -1


_COLUMNS = [((), np.int64), ((), np.int64), ((), np.int8), ((FIELDS,), np.int32), ((FIELDS,), np.int32),
            ((7,), np.int64), ((2,), np.int64)]


class ScanBuffers(_Pools):
    """The scanner's output arrays, reused for the next block once nothing refers to them."""

    def __init__(self) -> None:
        super().__init__(_COLUMNS)


def scan_block(data: np.ndarray, buffers: ScanBuffers | None = None) -> tuple[np.ndarray, ...]:
    """(starts, ends, status) of every line of ``data`` and (fs, fe, ints, ips) of its ``FAST`` lines only, in
    order: ``split_lines`` + ``scan_v2`` with the other rows' columns left out (no compaction pass later).

    The arrays are views of ``buffers``' (fresh ones without): valid while the caller holds them.
    """
    return scan_rows(_scan, data, _COLUMNS, buffers, len(data) // 64 + 64)


@nb.njit(cache=True)
def _scan(data, starts, ends, status, fs, fe, ints, ips):  # noqa: ANN001, ANN202 - numba kernel
    """Fills the arrays; the number of lines and of fast lines, or -1 when the arrays have too few rows.

    A line's columns go to the next free slot ``k``, which only a ``FAST`` line keeps.
    """
    size, rows = len(data), len(starts)
    r, k, a = 0, 0, 0
    while a < size:
        if r == rows:
            return -1, 0
        newline = _walk(data, a, k, fs, fe)
        if newline >= 0:
            starts[r], ends[r] = a, newline
            status[r] = SLOW if data[a] == 123 else _check_values(data, k, fs, fe, ints, ips)
        else:
            newline, end = line_at(data, a)
            starts[r], ends[r] = a, end
            status[r] = _check_line(data, a, end, k, fs, fe, ints, ips)
        k += status[r] == FAST
        r += 1
        a = newline + 1
    return r, k
