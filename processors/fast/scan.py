"""Compiled line scanning for VPC flow log v2 blocks: split, validate, convert.

``split_lines`` finds the lines of a block exactly as the file source does
(split after each ``\\n``, trailing ``\\r``/``\\n`` removed, whitespace-only
lines skipped but counted). ``scan_v2`` classifies each line:

* ``FAST``: 14 fields separated by single spaces, printable ASCII without
  ``"`` or ``\\``, no ``-``, canonical decimal integers (ports <= 65535,
  protocol <= 255 and not 58, times within years 1970..9999), canonical
  dotted-quad IPv4 addresses, action ACCEPT or REJECT. Such a line renders
  to the very document the reference parser builds.
* ``SLOW``: anything else (headers, NODATA, IPv6, bad values ...): the
  reference parser handles it, so odd input keeps its exact behaviour.
* ``BLANK``: whitespace only (the file source skips these).

>>> import numpy as np
>>> data = np.frombuffer(b"2 1 eni-1 10.0.0.1 8.8.8.8 5 53 17 1 60 100 160 ACCEPT OK\\r\\n\\n2 x\\n", np.uint8)
>>> starts, ends = split_lines(data)
>>> status, fs, fe, ints, ips = scan_v2(data, starts, ends)
>>> status.tolist(), ints[0].tolist(), ips[0].tolist()
([0, 2, 1], [5, 53, 17, 1, 60, 100, 160], [167772161, 134744072])
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.words import load, row_codes

FAST, SLOW, BLANK = 0, 1, 2
FIELDS = 14
# field index -> slot in ``ints``: srcport dstport protocol packets bytes start end
INT_FIELDS = np.array([5, 6, 7, 8, 9, 10, 11], dtype=np.int64)
INT_LIMITS = np.array([65535, 65535, 255, 10**18, 10**18, 253402300799, 253402300799], dtype=np.int64)
ACCEPT = np.frombuffer(b"ACCEPT", np.uint8).copy()
REJECT = np.frombuffer(b"REJECT", np.uint8).copy()
VERSION = np.frombuffer(b"version", np.uint8).copy()


def split_lines(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of every line; ``ends`` exclude the trailing ``\\r``/``\\n`` run.

    The newlines are found by a vectorised comparison (a byte loop cost
    ~5 ns a byte); only the per-line ``\\r`` trimming is a kernel.
    """
    newlines = np.flatnonzero(data == 10)
    return _line_bounds(data, newlines)


@nb.njit(cache=True)
def _line_bounds(data, newlines):  # noqa: ANN001, ANN201 - numba kernel
    size = len(data)
    tail = 1 if size and data[size - 1] != 10 else 0
    n = len(newlines) + tail
    starts = np.empty(n, np.int64)
    ends = np.empty(n, np.int64)
    begin = 0
    for k in range(n):
        stop = newlines[k] if k < len(newlines) else size
        end = stop
        while end > begin and data[end - 1] == 13:
            end -= 1
        starts[k], ends[k] = begin, end
        begin = stop + 1
    return starts, ends


@nb.njit(inline="always")
def line_at(data, a):  # noqa: ANN001, ANN201
    """(the newline ending the line that starts at ``a``, or the block's size; the line's end without its
    trailing ``\\r`` run): ``_line_bounds`` for one line, byte by byte (the block scanners' odd lines)."""
    newline = a
    while newline < len(data) and data[newline] != 10:
        newline += 1
    end = newline
    while end > a and data[end - 1] == 13:
        end -= 1
    return newline, end


@nb.njit(inline="always")
def _equals(data, a, b, word):  # noqa: ANN001
    if b - a != len(word):
        return False
    for i in range(len(word)):
        if data[a + i] != word[i]:
            return False
    return True


@nb.njit(inline="always")
def _int(data, a, b, limit):  # noqa: ANN001
    """Canonical non-negative decimal below ``limit``, else -1."""
    if b - a < 1 or b - a > 18 or (b - a > 1 and data[a] == 48):
        return -1
    value = 0
    for i in range(a, b):
        c = data[i]
        if c < 48 or c > 57:
            return -1
        value = value * 10 + (c - 48)
    return value if value <= limit else -1


_F0 = np.uint64(0xF0F0F0F0F0F0F0F0)
_ZEROS = np.uint64(0x3030303030303030)


@nb.njit(inline="always")
def _eight_digits(w):  # noqa: ANN001, ANN202
    """The value of eight ASCII digits (first digit in the low byte), or -1 when a byte is not a digit."""
    if ((w & _F0) | (((w + np.uint64(0x0606060606060606)) & _F0) >> np.uint64(4))) != np.uint64(0x3333333333333333):
        return -1
    w = ((w & np.uint64(0x0F0F0F0F0F0F0F0F)) * np.uint64(2561)) >> np.uint64(8)
    w = ((w & np.uint64(0x00FF00FF00FF00FF)) * np.uint64(6553601)) >> np.uint64(16)
    return np.int64(((w & np.uint64(0x0000FFFF0000FFFF)) * np.uint64(42949672960001)) >> np.uint64(32))


@nb.njit(inline="always")
def _digits_before(data, b, n):  # noqa: ANN001, ANN202
    """The value of the ``n`` (1-8) digits ending at ``b`` (``b >= 8``), or -1: one load, the bytes before the
    span replaced by zero digits."""
    z = np.uint64(8 * (8 - n))
    w = load(data, b - 8)
    if n < 8:
        w = ((w >> z) << z) | (_ZEROS >> np.uint64(8 * n))
    return _eight_digits(w)


@nb.njit(inline="always")
def _int_words(data, a, b, limit):  # noqa: ANN001, ANN202
    """``_int`` (canonical non-negative decimal up to ``limit``, else -1) eight digits per step."""
    n = b - a
    if n < 1 or n > 16 or b < 16:
        return _int(data, a, b, limit)
    if n > 1 and data[a] == 48:
        return -1
    if n <= 8:
        value = _digits_before(data, b, n)
    else:
        high, low = _digits_before(data, b - 8, n - 8), _digits_before(data, b, 8)
        value = -1 if high < 0 or low < 0 else high * 100_000_000 + low
    return value if value <= limit else -1


@nb.njit(inline="always")
def _ipv4(data, a, b):  # noqa: ANN001
    """A canonical dotted quad as an int, else -1."""
    value, octet, digits, dots = 0, 0, 0, 0
    for i in range(a, b + 1):
        c = data[i] if i < b else 46
        if c == 46:
            if digits == 0 or octet > 255 or (digits > 1 and data[i - digits] == 48):
                return -1
            value = value * 256 + octet
            octet, digits = 0, 0
            dots += 1
        elif 48 <= c <= 57:
            octet = octet * 10 + (c - 48)
            digits += 1
            if digits > 3:
                return -1
        else:
            return -1
    return value if dots == 4 else -1


@nb.njit(cache=True)
def _blank(data, a, b):  # noqa: ANN001
    for i in range(a, b):
        c = data[i]
        if c != 32 and not (9 <= c <= 13):
            return False
    return True


@nb.njit(inline="always")
def _check_line(data, a, b, r, fs, fe, ints, ips):  # noqa: ANN001, ANN202
    """The status of the line ``data[a:b]`` (row ``r``); splits and converts its fields into the row's slots."""
    if _blank(data, a, b):
        return BLANK
    if data[a] == 123:  # '{': maybe a JSON-wrapped line
        return SLOW
    field, begin = 0, a
    for i in range(a, b):  # the last field ends at ``b``, after the loop
        c = data[i]
        if c == 32:
            if i == begin or field >= FIELDS - 1:
                return SLOW
            fs[r, field], fe[r, field] = begin, i
            field += 1
            begin = i + 1
        elif c < 33 or c > 126 or c == 34 or c == 92:
            return SLOW
    if b > begin and field == FIELDS - 1:
        fs[r, field], fe[r, field] = begin, b
        field += 1
    if field != FIELDS:
        return SLOW
    return _check_values(data, r, fs, fe, ints, ips)


@nb.njit(inline="always")
def _check_values(data, r, fs, fe, ints, ips):  # noqa: ANN001, ANN202
    """FAST when the 14 fields of row ``r`` (split, printable, no quote or backslash) are what the renderer copies."""
    if data[fs[r, 0]] == 123 or _equals(data, fs[r, 0], fe[r, 0], VERSION):
        return SLOW
    ok = True
    for f in range(FIELDS):
        if fe[r, f] - fs[r, f] == 1 and data[fs[r, f]] == 45:  # "-": absent
            ok = False
    for k in range(7):
        f = INT_FIELDS[k]
        value = _int_words(data, fs[r, f], fe[r, f], INT_LIMITS[k])
        if value < 0:
            ok = False
        ints[r, k] = value
    if ints[r, 2] == 58:  # ICMPv6 over IPv4 addresses: leave it to the reference
        ok = False
    for k in range(2):
        ips[r, k] = _ipv4(data, fs[r, 3 + k], fe[r, 3 + k])
        if ips[r, k] < 0:
            ok = False
    if not (_equals(data, fs[r, 12], fe[r, 12], ACCEPT) or _equals(data, fs[r, 12], fe[r, 12], REJECT)):
        ok = False
    return FAST if ok else SLOW


@nb.njit(cache=True)
def scan_v2(data, starts, ends):  # noqa: ANN001, ANN201
    """Per line: status, field starts/ends (n, 14), ints (n, 7), IPv4 pair (n, 2), in one pass.

    Offsets and values are only defined for ``FAST`` rows (the arrays are not zeroed).
    """
    n = len(starts)
    status = np.empty(n, np.int8)
    fs = np.empty((n, FIELDS), np.int32)  # blocks are far below 2 GiB: half the memory of int64 offsets
    fe = np.empty((n, FIELDS), np.int32)
    ints = np.empty((n, 7), np.int64)  # rows that are not FAST keep garbage: nobody reads them
    ips = np.empty((n, 2), np.int64)
    for r in range(n):
        status[r] = _check_line(data, starts[r], ends[r], r, fs, fe, ints, ips)
    return status, fs, fe, ints, ips


@nb.njit(cache=True)
def distinct_codes(values):  # noqa: ANN001, ANN201 - numba kernel
    """(code per value, distinct values in order of first appearance) of non-negative integers.

    A hash table instead of ``np.unique``'s sort: a block has ~300k
    addresses but only a few thousand distinct ones.

    >>> codes, uniq = distinct_codes(np.array([7, 3, 7, 9, 3]))
    >>> codes.tolist(), uniq.tolist()
    ([0, 1, 0, 2, 1], [7, 3, 9])
    """
    n = len(values)
    size = 16
    while size < 2 * n:
        size *= 2
    mask = size - 1
    table = np.full(size, -1, np.int64)
    codes = np.empty(n, np.int64)
    uniq = np.empty(n, np.int64)
    count = 0
    for i in range(n):
        v = values[i]
        slot = np.int64((np.uint64(v) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)) & mask  # Fibonacci hashing
        while True:
            code = table[slot]
            if code < 0:
                table[slot] = count
                uniq[count] = v
                codes[i] = count
                count += 1
                break
            if uniq[code] == v:
                codes[i] = code
                break
            slot = (slot + 1) & mask
    return codes, uniq[:count]


def token_codes(data: np.ndarray, fs: np.ndarray, fe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code per token, first row per code): ``words.row_codes`` on one column (hashed and compared exactly,
    eight bytes at a time), codes in order of first appearance."""
    n = len(fs)
    return row_codes(data, np.ascontiguousarray(fs, np.int64).reshape(n, 1),
                     np.ascontiguousarray(fe, np.int64).reshape(n, 1), _ONE_COLUMN, np.zeros((n, 0), np.int64))


_ONE_COLUMN = np.zeros(1, np.int64)


def dictionary(data: np.ndarray, fs: np.ndarray, fe: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes and distinct texts of one token column, in order of first appearance.

    >>> d = np.frombuffer(b"a b a c", np.uint8)
    >>> codes, values = dictionary(d, np.array([0, 2, 4, 6]), np.array([1, 3, 5, 7]))
    >>> codes.tolist(), values
    ([0, 1, 0, 2], ['a', 'b', 'c'])
    """
    codes, firsts = token_codes(data, fs, fe)
    return codes, [data[fs[r]:fe[r]].tobytes().decode() for r in firsts.tolist()]
