"""One pass over an ALB block: lines found, tokens split and checked, eight bytes at a time.

``scan_block(data)`` gives what ``scan.split_lines`` followed by
``alb_scan.scan_alb`` give, in one kernel, with the columns of ``FAST``
lines only (in order, so the render needs no row selection): a token's end
is found by loading a word and taking its first byte that is a space or
that no fast line holds (controls, ``\\n`` among them, ``"``, ``\\``, 127,
non-ASCII: ``words.special``); inside quotes only the latter count, and the
first must be the closing quote. The line ends at the ``\\n`` that ends its
last token. A line that meets anything else first (a carriage return, a
tab, two spaces, a space at either end, a quote inside a token, fewer than
17 tokens, the block's last eight bytes) is found byte by byte and checked
by ``scan_alb``'s own per-line code, so statuses, spans and values are the
same for every line (``tests/fast/test_alb_block.py`` compares both on
generated, odd and mutated blocks).

>>> import numpy as np
>>> line = (b'http 2018-07-02T22:23:00.186641Z app/lb/1 192.168.1.9:2817 10.0.0.1:80 0.000 0.001 0.000 200 - 34 366 '
...         b'"GET http://x.com:80/ HTTP/1.1" "curl/7.46.0" - - arn "Root=1" "-" "-" 0 - "forward" "-" "-" "" "" "-" "-"')
>>> data = np.frombuffer(b"http x\\r\\n \\n" + line + b"\\n" + line, np.uint8)
>>> starts, ends, status, ts, te, ints, req, times = scan_block(data)
>>> starts.tolist(), ends.tolist(), status.tolist(), len(ts)
([0, 8, 10, 219], [6, 9, 218, 427], [1, 2, 0, 0], 2)
>>> data[req[0, 2]:req[0, 3]].tobytes(), data[ts[1, 13]:te[1, 13]].tobytes(), ints[1].tolist()
(b'http://x.com:80/', b'curl/7.46.0', [3232235785, 2817, 167772161, 80, 200, -1, 34, 366])
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from processors.fast.alb_clock import epoch
from processors.fast.alb_intern import SpanCodes, intern_rows
from processors.fast.alb_scan import CLASS, NTOK, TIME, check_line, line_status
from processors.fast.buffers import ScanBuffers as _Pools
from processors.fast.buffers import scan_rows
from processors.fast.scan import FAST, line_at
from processors.fast.words import load, special

_ONES, _HIGH = np.uint64(0x0101010101010101), np.uint64(0x8080808080808080)


@nb.njit(inline="always")
def ends(w):  # noqa: ANN001, ANN201
    """``words.special(w) | vpcscan._spaces(w)`` in 14 operations instead of 21: a mask whose lowest set bit is
    the high bit of the first byte of ``w`` that is <= 32, >= 127, a quote or a backslash (bits above it may be
    false positives: borrows and carries only run upwards from a flagged byte)."""
    q, b = w ^ (_ONES * np.uint64(34)), w ^ (_ONES * np.uint64(92))
    return (((w - _ONES * np.uint64(33)) & ~w) | ((w + _ONES) | w) | ((q - _ONES) & ~q) | ((b - _ONES) & ~b)) & _HIGH


# ``_stop`` and ``_walk`` are plain compiled functions, not ``inline="always"``: numba's own inlining gave every
# inlined call an incref and a decref of ``data`` (and of ``ts``, ``te``), two atomic calls a token; LLVM still
# inlines ``_stop`` into ``_walk``, and ``_walk`` costs one call a line.
@nb.njit
def _stop(data, j, quoted):  # noqa: ANN001, ANN202
    """The first byte from ``j`` that ends a token: one ``special`` flags (a quote, a newline ...) or, outside
    quotes, a space (``ends``); -1 when the block ends within eight bytes first."""
    size = len(data)
    while j + 8 <= size:
        w = load(data, j)
        m = special(w) if quoted else ends(w)
        if m != np.uint64(0):
            return j + np.int64(trailing_zeros(m) >> 3)
        j += 8
    return -1


@nb.njit
def _walk(data, a, r, ts, te):  # noqa: ANN001, ANN202
    """(the newline ending the plain line at ``a``, its token count), its tokens in row ``r``; (-1, 0) when the
    line holds anything else first: the caller checks it byte by byte."""
    size, i, count = len(data), a, 0
    while i + 8 <= size:
        c = data[i]
        if c == 34:
            j = _stop(data, i + 1, True)
            if j < 0 or data[j] != 34:
                return -1, 0
            start, stop, i = i + 1, j, j + 1
        elif CLASS[c] == 0:
            j = _stop(data, i + 1, False)
            if j < 0:
                return -1, 0
            start, stop, i = i, j, j
        else:
            return -1, 0
        if count < NTOK:
            ts[r, count], te[r, count] = start, stop
        count += 1
        if i >= size:
            return -1, 0
        c = data[i]
        if c == 10:
            return i, count
        if c != 32:
            return -1, 0
        i += 1
    return -1, 0


_COLUMNS = [((), np.int64), ((), np.int64), ((), np.int8), ((NTOK,), np.int64), ((NTOK,), np.int64),
            ((8,), np.int64), ((6,), np.int64), ((), np.float64)]


SPANS = 4  # span columns the scanner can intern (``scan_interned``)
_INTERNED = [*_COLUMNS, ((SPANS,), np.int64)]
CHUNK = 256  # fast rows interned at a time, while their bytes are still in the L2 cache


class ScanBuffers(_Pools):
    """The scanner's output arrays, reused for the next block once nothing refers to them."""

    def __init__(self, interned: bool = False) -> None:
        super().__init__(_INTERNED if interned else _COLUMNS)


_NONE = np.zeros((0, 4), np.int64)


def scan_block(data: np.ndarray, buffers: ScanBuffers | None = None) -> tuple[np.ndarray, ...]:
    """(starts, ends, status) of every line of ``data`` and (ts, te, ints, req, epochs) of its ``FAST`` lines only,
    in order: ``split_lines`` + ``scan_alb`` with the other rows' columns left out, and ``alb_clock.epoch`` of
    the time spans (the detectors' clock), computed while the line is in the cache.

    The arrays are views of ``buffers``' (fresh ones without): valid while the caller holds them.
    """
    return scan_rows(lambda *a: _scan(*a, np.zeros((0, SPANS), np.int64), *_no_table()), data, _COLUMNS, buffers,
                     len(data) // 256 + 64)


def _no_table() -> tuple[np.ndarray, ...]:
    return (_NONE, np.zeros(16, np.int64), np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(1, np.int64),
            np.zeros(0, np.uint8), np.zeros(2, np.int64), np.zeros(1, np.int64))


def scan_interned(data: np.ndarray, buffers: ScanBuffers | None, table: SpanCodes,
                  spec: np.ndarray) -> tuple[tuple[np.ndarray, ...], int]:
    """``scan_block`` plus the codes (fast rows, ``SPANS``) of ``table`` for the span columns ``spec``
    (``SpanCodes.columns``; up to ``SPANS``), interned ``CHUNK`` fast rows at a time while their bytes are in
    the cache, and the number of fast rows done: the table has no room for the next one (``SpanCodes.columns``
    finishes them, growing it). ``buffers``: ``ScanBuffers(interned=True)``.
    """
    assert len(spec) <= SPANS
    done = np.zeros(1, np.int64)
    arrays = table.arrays()
    out = scan_rows(lambda *a: _scan(*a, spec, *arrays, done), data, _INTERNED, buffers, len(data) // 256 + 64)
    return out, int(done[0])


@nb.njit(cache=True)
def _scan(data, starts, ends, status, ts, te, ints, req, times, codes,  # noqa: ANN001, ANN202, PLR0913 - numba kernel
          spec, slots, hashes, owner, koff, keys, filled, done):
    """Fills the arrays; the number of lines and of fast lines, or (-1, 0) when the arrays have too few rows.

    A line's columns go to the next free slot ``k``, which only a ``FAST`` line keeps. With span columns in
    ``spec``, every ``CHUNK`` fast rows are interned into ``codes`` (``intern_rows``) until the table is full;
    ``done[0]``: the fast rows interned.
    """
    live = len(spec) > 0
    done[0] = 0
    size, rows = len(data), len(starts)
    words = data[:size // 8 * 8].view(np.uint64)  # word k: bytes 8k..8k+7 (little-endian)
    r, k, a = 0, 0, 0
    while a < size:
        if r == rows:
            return -1, 0
        ts[k, :], te[k, :], ints[k, :], req[k, :] = -1, -1, -1, -1
        newline, count = _walk(data, a, k, ts, te)
        if newline >= 0:
            starts[r], ends[r] = a, newline
            status[r] = check_line(data, a, count, ts, te, ints, req, k)
        else:
            ts[k, :], te[k, :] = -1, -1
            newline, end = line_at(data, a)
            starts[r], ends[r] = a, end
            status[r] = line_status(data, words, a, end, ts, te, ints, req, k)
        if status[r] == FAST:
            times[k] = epoch(data, ts[k, TIME], te[k, TIME])
            k += 1
            if live and k - done[0] >= CHUNK:
                got = intern_rows(data, ts, te, req, req, spec, done[0], k, slots, hashes, owner, koff, keys, filled,
                                  codes)
                live, done[0] = got == k, got
        r += 1
        a = newline + 1
    if live and k > done[0]:
        done[0] = intern_rows(data, ts, te, req, req, spec, done[0], k, slots, hashes, owner, koff, keys, filled, codes)
    return r, k
