"""Compiled tokenizing and checking of ALB access-log lines for the fast path.

``scan_alb`` classifies each line of a block and records where its tokens are:

* ``FAST``: printable ASCII without backslashes, starting with an ALB type
  (``http``, ``https``, ``h2``, ``grpcs``, ``ws``, ``wss``) and a space, at
  least 17 tokens separated by spaces, every quote opening a token and
  closing it before a space or the end of the line (so ``_http.tokens``
  splits it the same way), an ISO time the parser reads on its fast branch
  (and ``datetime.fromisoformat`` reads too, for the detectors' clock),
  a client ``a.b.c.d:port`` with a canonical IPv4 address, a target that is
  such an address or absent, an ELB status code, integer or absent target
  status and byte counts, and a request creation time that is ISO or absent.
  Such a line renders to the very document ``ElbParser`` builds.
* ``SLOW``: anything else (Classic ELB, NLB, connection logs, escapes, IPv6,
  odd values ...): the reference chain handles it.
* ``BLANK``: whitespace only.

Token spans exclude the quotes. ``ints`` holds, per line: client address and
port, target address and port (-1: none), ELB and target status, received
and sent bytes (-1: absent); ``req`` the method, URL and version spans of the
request (-1: absent).

>>> import numpy as np
>>> line = (b'http 2018-07-02T22:23:00.186641Z app/lb/1 192.168.1.9:2817 10.0.0.1:80 0.000 0.001 0.000 200 - 34 366 '
...         b'"GET http://x.com:80/ HTTP/1.1" "curl/7.46.0" - - arn "Root=1" "-" "-" 0 - "forward" "-" "-" "" "" "-" "-"')
>>> data = np.frombuffer(line + b"\\nhttp x\\n", np.uint8)
>>> status, ts, te, ints, req = scan_alb(data, np.array([0, len(line) + 1]), np.array([len(line), len(line) + 7]))
>>> status.tolist(), ints[0].tolist()
([0, 1], [3232235785, 2817, 167772161, 80, 200, -1, 34, 366])
>>> data[req[0, 2]:req[0, 3]].tobytes(), data[ts[0, 13]:te[0, 13]].tobytes()
(b'http://x.com:80/', b'curl/7.46.0')
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.alb_words import DAYS, _digit, usual_seconds, usual_time
from processors.fast.nrt import borrowing
from processors.fast.scan import BLANK, FAST, SLOW, _blank, _int, _ipv4

NTOK = 33  # ElbParser.ALB_FIELDS: later tokens are checked but not used
MIN_TOKENS = 17
CIP, CPORT, TIP, TPORT, STATUS, TSTATUS, RECV, SENT = range(8)
TIME, CLIENT, TARGET, REQUEST, CREATED = 1, 3, 4, 12, 21
_TYPES = (b"http", b"https", b"h2", b"grpcs", b"ws", b"wss")
TYPES = np.zeros((len(_TYPES), 6), np.uint8)
TYPE_LEN = np.array([len(t) for t in _TYPES], np.int64)
for _k, _t in enumerate(_TYPES):
    TYPES[_k, :len(_t)] = np.frombuffer(_t, np.uint8)
HTTP_SLASH = np.frombuffer(b"HTTP/", np.uint8).copy()
# byte classes: 0 token byte, 1 space, 2 quote, 3 what the kernel declines (controls, backslash, non-ASCII)
CLASS = np.full(256, 3, np.uint8)
CLASS[33:127] = 0
CLASS[32], CLASS[34], CLASS[92] = 1, 2, 3


@nb.njit(inline="always")
def _absent(data, a, b):  # noqa: ANN001, ANN201
    """``put`` and ``_num`` skip missing tokens, ``-`` and empty strings."""
    return a < 0 or b == a or (b - a == 1 and data[a] == 45)


@nb.njit(inline="always")
def _number(data, a, b):  # noqa: ANN001, ANN201
    """``_num(value, kind=int)``: -1 for absent or -1, -2 for what the kernel leaves to the parser (signs, zeros in front)."""
    if _absent(data, a, b) or (b - a == 2 and data[a] == 45 and data[a + 1] == 49):
        return -1
    value = _int(data, a, b, 10**15)
    return -2 if value < 0 else value


@nb.njit(inline="always")
def seconds_ok(data, a, b):  # noqa: ANN001, ANN201
    """A processing time the kernel renders as orjson does ``float(text)``: ``D{1,6}[.D{0,6}]``, 0 or >= 0.001.

    Absent values (``-``, empty, ``-1``) are fine too (``_num`` gives None); anything else goes to the parser.
    """
    if _absent(data, a, b) or (b - a == 2 and data[a] == 45 and data[a + 1] == 49):
        return True
    dot, nonzero, visible = -1, False, False
    for i in range(a, b):
        c = data[i]
        if c == 46 and dot < 0:
            dot = i
        elif 48 <= c <= 57:
            if c != 48:
                nonzero = True
                if dot < 0 or i - dot <= 3:
                    visible = True  # a digit worth >= 0.001
        else:
            return False
    whole = (dot if dot >= 0 else b) - a
    return 1 <= whole <= 6 and (dot < 0 or b - dot - 1 <= 6) and (visible or not nonzero)


@nb.njit(inline="always")
def _host_port(data, a, b, out, at):  # noqa: ANN001, ANN201
    """``host_port`` of a canonical ``a.b.c.d:port`` into ``out[at]``, ``out[at+1]``; False otherwise."""
    colon = -1
    for i in range(b - 1, a - 1, -1):
        if data[i] == 58:
            colon = i
            break
    if colon < 0 or b - colon - 1 < 1 or b - colon - 1 > 9:
        return False
    port = 0
    for i in range(colon + 1, b):
        c = data[i]
        if c < 48 or c > 57:
            return False
        port = port * 10 + (c - 48)
    ip = _ipv4(data, a, colon)
    if ip < 0:
        return False
    out[at], out[at + 1] = ip, port
    return True


@nb.njit(cache=True)
def iso_fast(data, a, b):  # noqa: ANN001, ANN201
    """True when ``_time.iso_ms`` takes its fast branch on ``data[a:b]`` (``text[:19]`` + milliseconds)."""
    n = b - a
    if n < 20 or data[b - 1] != 90 or data[a + 10] != 84 or data[a + 4] != 45 or data[a + 13] != 58:
        return False
    if n > 20 and data[a + 19] == 46:  # a fraction: digits (or none); without a dot there is none
        for i in range(a + 20, b - 1):
            if not _digit(data[i]):
                return False
    for k in (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18):
        if not _digit(data[a + k]):
            return False
    month = (data[a + 5] - 48) * 10 + data[a + 6] - 48
    day = (data[a + 8] - 48) * 10 + data[a + 9] - 48
    hour = (data[a + 11] - 48) * 10 + data[a + 12] - 48
    minute = (data[a + 14] - 48) * 10 + data[a + 15] - 48
    second = (data[a + 17] - 48) * 10 + data[a + 18] - 48
    return 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60


@nb.njit(inline="always")
def _calendar(data, a):  # noqa: ANN001, ANN201
    """``YYYY-MM-DDTHH:MM`` with a real day of its month: what ``datetime.fromisoformat`` (the detectors' clock) reads."""
    if data[a + 7] != 45 or data[a + 16] != 58:
        return False
    year = 0
    for k in range(4):
        year = year * 10 + data[a + k] - 48
    month = (data[a + 5] - 48) * 10 + data[a + 6] - 48
    day = (data[a + 8] - 48) * 10 + data[a + 9] - 48
    days = DAYS[month]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        days = 29
    return year >= 1 and day <= days


@nb.njit(inline="always")
def _alb_type(data, a, b):  # noqa: ANN001, ANN201
    for k in range(len(TYPE_LEN)):
        if b - a == TYPE_LEN[k]:
            same = True
            for i in range(b - a):
                if data[a + i] != TYPES[k, i]:
                    same = False
                    break
            if same:
                return True
    return False


ONES, HIGH = np.uint64(0x0101010101010101), np.uint64(0x8080808080808080)


@nb.njit(inline="always")
def _has(x, byte):  # noqa: ANN001, ANN201
    """Whether a byte of the word ``x`` equals ``byte`` (SWAR: exact as a yes/no)."""
    v = x ^ (ONES * np.uint64(byte))
    return ((v - ONES) & ~v & HIGH) != 0


@nb.njit(inline="always")
def _plain8(x, space):  # noqa: ANN001, ANN201
    """Whether the eight bytes of ``x`` are class-0 (or, inside quotes, spaces): printable ASCII, no quote or backslash."""
    low = ((x - ONES * np.uint64(32)) & ~x & HIGH) != 0  # a byte < 32
    return not (low or (x & HIGH) != 0 or _has(x, 127) or _has(x, 34) or _has(x, 92) or (space and _has(x, 32)))


@nb.njit(inline="always")
def _run(data, words, j, b, stop):  # noqa: ANN001, ANN201
    """Index of the first byte of class ``stop`` from ``j`` (``b`` if none); -1 when a declined byte comes first.

    Inside quotes (``stop`` 2) spaces are token bytes; outside (``stop`` 1) a quote is declined.
    """
    if b - j >= 24:  # long runs (user agents, URLs, ARNs): aligned eight-byte words first
        while j & 7 and CLASS[data[j]] == 0:
            j += 1
        if not j & 7:
            while j + 8 <= b and _plain8(words[j >> 3], stop == 1):
                j += 8
    while j < b:
        k = CLASS[data[j]]
        if k == stop:
            return j
        if k == 3 or k == 2:
            return -1
        j += 1
    return j


@nb.njit(inline="always")
def _tokens(data, words, a, b, ts, te, r):  # noqa: ANN001, ANN201
    """Token spans of one line into ``ts[r]``, ``te[r]``; the token count, or -1 when the kernel declines."""
    count, i = 0, a
    while i < b:
        c = CLASS[data[i]]
        if c == 1:
            i += 1
            continue
        if c == 2:
            j = _run(data, words, i + 1, b, 2)
            if j < 0 or j >= b or (j + 1 < b and data[j + 1] != 32):
                return -1
            start, stop, i = i + 1, j, j + 1
        elif c == 0:
            j = _run(data, words, i + 1, b, 1)
            if j < 0:
                return -1
            start, stop, i = i, j, j
        else:
            return -1
        if count < NTOK:
            ts[r, count], te[r, count] = start, stop
        count += 1
    return count


@nb.njit(inline="always")
def _request(data, a, b, req, r):  # noqa: ANN001, ANN201
    """``split_request``: method, URL (stripped) and version spans into ``req[r]``."""
    space = -1
    for i in range(a, b):
        if data[i] == 32:
            space = i
            break
    if space <= a or (space - a == 1 and data[a] == 45):
        return
    req[r, 0], req[r, 1] = a, space
    rest, last = space + 1, space  # rpartition without a space: all of it is the version candidate
    for i in range(b - 1, rest - 1, -1):
        if data[i] == 32:
            last = i
            break
    url_end, version = b, False
    if b - last - 1 >= 5:
        version = True
        for k in range(5):
            if data[last + 1 + k] != HTTP_SLASH[k]:
                version = False
        if version:
            url_end = last
            if b - last - 1 > 5:
                req[r, 4], req[r, 5] = last + 6, b
    while rest < url_end and data[rest] == 32:
        rest += 1
    while url_end > rest and data[url_end - 1] == 32:
        url_end -= 1
    if url_end > rest:
        req[r, 2], req[r, 3] = rest, url_end


@borrowing(cache=True)
def check_line(data, a, count, ts, te, ints, req, r):  # noqa: ANN001, ANN201
    """The status of a non-blank line starting at ``a`` whose ``count`` tokens are in ``ts[r]``, ``te[r]`` (the
    other slots of the row -1); fills ``ints[r]`` and ``req[r]``."""
    if count < MIN_TOKENS or ts[r, 0] != a or not _alb_type(data, a, te[r, 0]):
        return SLOW
    usual = usual_time(data, ts[r, TIME], te[r, TIME])  # the common shape a word at a time, else byte by byte
    if usual == 0 or (usual < 0 and not (iso_fast(data, ts[r, TIME], te[r, TIME]) and _calendar(data, ts[r, TIME]))):
        return SLOW
    if not _host_port(data, ts[r, CLIENT], te[r, CLIENT], ints[r], CIP):
        return SLOW
    if not _absent(data, ts[r, TARGET], te[r, TARGET]) and not _host_port(
            data, ts[r, TARGET], te[r, TARGET], ints[r], TIP):
        return SLOW
    ok = True
    for k in range(4):
        value = _number(data, ts[r, 8 + k], te[r, 8 + k])
        ints[r, STATUS + k] = value
        if value == -2:
            ok = False
    if not ok or ints[r, STATUS] < 0 or (ints[r, TIP] < 0 and ints[r, TSTATUS] >= 0):
        return SLOW
    if not _absent(data, ts[r, CREATED], te[r, CREATED]):
        usual = usual_time(data, ts[r, CREATED], te[r, CREATED], False)
        if usual == 0 or (usual < 0 and not iso_fast(data, ts[r, CREATED], te[r, CREATED])):
            return SLOW
    for k in range(5, 8):
        if not usual_seconds(data, ts[r, k], te[r, k]) and not seconds_ok(data, ts[r, k], te[r, k]):
            return SLOW
    _request(data, ts[r, REQUEST], te[r, REQUEST], req, r)
    return FAST


@borrowing(cache=True)
def line_status(data, words, a, b, ts, te, ints, req, r):  # noqa: ANN001, ANN201
    """The status of the line ``data[a:b]``, checked byte by byte, its columns in row ``r`` (all -1 before)."""
    if _blank(data, a, b):
        return BLANK
    return check_line(data, a, _tokens(data, words, a, b, ts, te, r), ts, te, ints, req, r)


@nb.njit(cache=True)
def scan_alb(data, starts, ends):  # noqa: ANN001, ANN201
    """Per line: status, token starts/ends (n, 33), ints (n, 8), request spans (n, 6)."""
    n = len(starts)
    status = np.full(n, SLOW, np.int8)
    ts = np.full((n, NTOK), -1, np.int64)
    te = np.full((n, NTOK), -1, np.int64)
    ints = np.full((n, 8), -1, np.int64)
    req = np.full((n, 6), -1, np.int64)
    words = data[:len(data) // 8 * 8].view(np.uint64)  # word k: bytes 8k..8k+7 (little-endian)
    for r in range(n):
        status[r] = line_status(data, words, starts[r], ends[r], ts, te, ints, req, r)
    return status, ts, te, ints, req
