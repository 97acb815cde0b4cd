"""Interning byte spans inside a scanning kernel: a code per distinct span, taken while the bytes are in cache.

Grouping rows by the distinct values of a few keys in a second pass
re-reads every span from wherever the block's 4 MiB left it (a cache miss
per row and key cost more than the hashing). A scanner that calls
``intern`` right after it found a value hashes it (``words.span_hash``) and
compares it with the first span of the same bytes (``words.same``: exact,
a hash alone is never trusted) while both are in the first-level cache.

The table holds at most ``capacity`` distinct spans (a quarter of its
slots); past that ``intern`` returns ``FULL`` and the caller groups that
column another way (``words.row_codes``). ``int_codes`` then combines the
codes of a few columns, over the rows a caller keeps, into one code per
distinct combination.

>>> import numba as nb
>>> import numpy as np
>>> data = np.frombuffer(b'"a" "bb" "a" null "bb"', np.uint8)
>>> state = span_table(5)
>>> run = nb.njit(lambda d, s: [intern(d, a, z, s) for a, z in [(0, 3), (4, 8), (9, 12), (13, 17), (18, 22)]])
>>> run(data, state)
[0, 1, 0, 2, 1]
>>> codes, firsts = int_codes(np.array([[0, 5], [1, 5], [0, 5], [0, 6]]))
>>> codes.tolist(), firsts.tolist()
([0, 1, 0, 2], [0, 1, 3])
>>> [a.tolist() for a in int_codes(np.array([[4], [-1], [4], [7], [-1]]))]
[[0, 1, 0, 2, 1], [0, 1, 3]]
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.words import row_codes, same, span_hash

FULL = -2  # the table is full: this span got no code
_NO_BYTES = np.zeros(8, np.uint8)
_NO_COLUMNS = np.zeros(0, np.int64)


def span_table(rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A fresh table for a block of ``rows`` rows: (slots, hash per code, first start, first end, count)."""
    size = 64
    while size < 8 * rows:
        size *= 2
    capacity = size // 4  # two distinct spans a row, a quarter of the slots: short probes
    return (np.full(size, -1, np.int64), np.empty(capacity, np.uint64), np.empty(capacity, np.int64),
            np.empty(capacity, np.int64), np.zeros(1, np.int64))


@nb.njit(inline="always")
def intern(data, a, z, state):  # noqa: ANN001, ANN201
    """The code of the bytes ``data[a:z]`` (equal bytes, equal code; new bytes get the next code), or ``FULL``."""
    slots, hashes, fa, fz, count = state
    h = span_hash(data, a, z)
    mask = len(slots) - 1
    slot = np.int64(h & np.uint64(mask))
    while True:
        c = slots[slot]
        if c < 0:
            c = count[0]
            if c >= len(fa):
                return FULL
            slots[slot], hashes[c], fa[c], fz[c] = c, h, a, z
            count[0] = c + 1
            return c
        if hashes[c] == h and fz[c] - fa[c] == z - a and same(data, fa[c], data, a, z - a):
            return c
        slot = (slot + 1) & mask


def int_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, first row per code) of the distinct rows of an (n, m) int64 matrix, in order of first
    appearance (``words.row_codes`` with no spans; one column of small codes: an array look-up)."""
    n = len(values)
    values = np.ascontiguousarray(values, np.int64)
    if values.shape[1] == 1 and n:
        low, high = int(values.min()), int(values.max())
        if high - low < 8 * n + 64:
            return _dense_codes(values[:, 0], low, high - low + 1)
    none = np.zeros((n, 0), np.int64)
    return row_codes(_NO_BYTES, none, none, _NO_COLUMNS, values)


@nb.njit(cache=True)
def _dense_codes(values, low, size):  # noqa: ANN001, ANN202
    index = np.full(size, -1, np.int64)
    codes = np.empty(len(values), np.int64)
    firsts = np.empty(len(values), np.int64)
    count = 0
    for i in range(len(values)):
        v = values[i] - low
        c = index[v]
        if c < 0:
            c = count
            index[v], firsts[c] = c, i
            count += 1
        codes[i] = c
    return codes, firsts[:count]
