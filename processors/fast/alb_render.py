"""Compiled NDJSON rendering of fast ALB rows: one pass writes a whole block.

Each line is the document ``ElbParser`` + the enrichers + the NDJSON sink
write for the same input, key for key (``tests/fast/test_alb.py``). Strings
are copied from the token spans (``alb_scan`` admitted only JSON-safe
bytes; spans are copied eight bytes at a time, the output overwriting each
word's overshoot; addresses are copied from their canonical text);
integers and processing times are rendered from their digits; what
needs Python semantics (URLs, user agents, TLS versions, GeoIP) comes as
fragments computed once per distinct value (``alb_tables``), picked by the
codes in ``fc`` (columns ``URL``, ``AGENT``, ``TLS``, ``GEO``): -1 is none.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import leading_zeros, trailing_zeros

from processors.fast.alb_scan import CIP, CLIENT, CPORT, RECV, SENT, STATUS, TARGET, TIME, TIP, TPORT, TSTATUS, _absent
from processors.fast.nrt import borrowing
from processors.fast.render import _copy as _copy_bytes
from processors.fast.render import _copy8, _copy16, _load8, _store8

URL, AGENT, TLS, GEO = range(4)  # fragment columns
FLOAT_KEYS = ("request_processing_time", "backend_processing_time", "response_processing_time")
# (token index, literal before, literal after) of the plain string fields of aws.elb after the TLS ones
_ELB_STRINGS = [(16, ',"target_group":{"arn":"', '"}'), (17, ',"trace_id":"', '"'), (19, ',"chosen_cert":{"arn":"', '"}'),
                (20, ',"matched_rule_priority":"', '"')]
_ELB_TAIL = [(23, ',"redirect_url":"', '"'), (27, ',"classification":"', '"'), (28, ',"classification_reason":"', '"'),
             (30, ',"transformed_host":"', '"'), (31, ',"transformed_uri":"', '"'),
             (32, ',"request_transform_status":"', '"'), (24, ',"error":{"reason":"', '"}'),
             (29, ',"connection_trace_id":"', '"')]
_LISTS = [(22, ',"action_executed":'), (25, ',"target_port":'), (26, ',"target_status_code":')]
_PIECES: list[str] = []


def _piece(text: str) -> int:
    _PIECES.append(text)
    return len(_PIECES) - 1


L_ID, L_ID_END, L_OPEN = _piece('{"_id":"'), _piece('",'), _piece("{")
L_NAME, L_TYPE, L_PROTO = _piece('"aws":{"elb":{"name":"'), _piece('","type":"'), _piece('","protocol":"http"')
L_BACKEND, L_BPORT, L_QUOTE = _piece(',"backend":{"ip":"'), _piece('","port":"'), _piece('"')
L_BSTATUS, L_CLOSE2, L_CLOSE = _piece(',"http":{"response":{"status_code":'), _piece("}}"), _piece("}")
L_FLOAT = np.array([_piece(f',"{k}":{{"sec":') for k in FLOAT_KEYS], np.int64)
L_CIPHER, L_SSLPROTO = _piece(',"ssl_cipher":"'), _piece(',"ssl_protocol":"')
STRINGS = np.array([[t, _piece(a), _piece(b)] for t, a, b in _ELB_STRINGS], np.int64)
TAIL = np.array([[t, _piece(a), _piece(b)] for t, a, b in _ELB_TAIL], np.int64)
LISTS = np.array([[t, _piece(a)] for t, a in _LISTS], np.int64)
L_QCLOSE = _piece('"}')
L_EVENT = _piece('}},"event":{"kind":"event","category":["web"],"end":"')
L_SUCCESS, L_FAILURE = _piece('","outcome":"success"'), _piece('","outcome":"failure"')
L_START = _piece(',"start":"')
L_DATASET = _piece(',"dataset":"aws.elb_logs"},"@timestamp":"')
L_SOURCE, L_IP, L_PORT = _piece('","source":{"address":"'), _piece('","ip":"'), _piece('","port":')
L_RELATED, L_SEP, L_RELATED_END = _piece('},"related":{"ip":["'), _piece('","'), _piece('"]}')
L_HTTP, L_BODY, L_REQUEST = _piece(',"http":{"response":{"status_code":'), _piece(',"body":{"bytes":'), _piece(',"request":{')
L_RBODY, L_COMMA, L_METHOD = _piece('"body":{"bytes":'), _piece(","), _piece('"method":"')
L_VERSION = _piece(',"version":"')
L_TLS, L_TCIPHER = _piece(',"tls":{'), _piece('"cipher":"')
L_TRACE, L_DEST = _piece(',"trace":{"id":"'), _piece(',"destination":{"domain":"')
L_CLOUD, L_NETWORK, L_END = _piece(',"cloud":{"provider":"aws"}'), _piece(',"network":{"type":"ipv4"}'), _piece("}\n")
LITERALS = np.frombuffer("".join(_PIECES).encode(), np.uint8).copy()
LIT_OFF = np.cumsum([0] + [len(p.encode()) for p in _PIECES]).astype(np.int64)
MAX_FIXED = 2 * int(LIT_OFF[-1]) + 32 + 8 * 20  # every literal at most twice, the id, 8 rendered ints


@nb.njit(inline="always")
def _copy(out, pos, src, a, b):  # noqa: ANN001
    """Eight bytes at a time where ``src`` has eight bytes after the span (every span but the block's last ones)."""
    if b + 8 <= len(src):
        return _copy8(out, pos, src, a, b)
    return _copy_bytes(out, pos, src, a, b)


@nb.njit(inline="always")
def _lit(out, pos, k):  # noqa: ANN001
    return _copy_bytes(out, pos, LITERALS, LIT_OFF[k], LIT_OFF[k + 1])


@nb.njit(inline="always")
def _int(out, pos, value):  # noqa: ANN001
    width, v = 1, value
    while v >= 10:
        v //= 10
        width += 1
    for i in range(width - 1, -1, -1):
        out[pos + i] = 48 + value % 10
        value //= 10
    return pos + width


_SEVEN, _LOW = np.uint64(0x7F7F7F7F7F7F7F7F), np.uint64(0x0101010101010101)
_COLONS = np.uint64(0x3A3A3A3A3A3A3A3A)


@nb.njit(inline="always")
def _zeros(v):  # noqa: ANN001
    """The high bit of every zero byte of ``v``, exactly (no borrow between bytes)."""
    return ~(((v & _SEVEN) + _SEVEN) | v | _SEVEN)


@nb.njit(inline="always")
def _colon(data, a, b):  # noqa: ANN001
    """The colon of an ``a.b.c.d:port`` token ``data[a:b]``: the last colon of its last eight bytes (a token is
    at least ``0.0.0.0:0``), one load and no loop; byte by byte for ports of more than seven digits."""
    m = _zeros(_load8(data, b - 8) ^ _COLONS)
    if m != np.uint64(0):
        return b - 8 + np.int64((np.uint64(63) - leading_zeros(m)) >> np.uint64(3))
    colon = b - 2
    while data[colon] != 58:
        colon -= 1
    return colon


@nb.njit(inline="always")
def _address(out, pos, data, a, colon):  # noqa: ANN001
    """The address of an ``a.b.c.d:port`` token ``data[a:b]`` (``colon``: ``_colon``): ``alb_scan`` admitted
    canonical dotted quads only, so their text is what ``str(ip_address)`` gives. A fast line has more than 16
    bytes after its client and target tokens: two unconditional words."""
    return _copy16(out, pos, data, a, colon)


@nb.njit(inline="always")
def _port(out, pos, data, colon, b, value):  # noqa: ANN001
    """The port after ``colon`` as its own text when that is canonical (one word: at most seven digits after a
    colon ``_colon`` found in the token's last eight bytes), else rendered from ``value``."""
    if b - colon <= 8 and (b - colon == 2 or data[colon + 1] != 48):
        _store8(out, pos, _load8(data, colon + 1))
        return pos + b - colon - 1
    return _int(out, pos, value)


@nb.njit(inline="always")
def _iso(out, pos, data, a, b):  # noqa: ANN001
    """``iso_ms`` on its fast branch: the first 19 characters, three fraction digits, ``Z``."""
    pos = _copy(out, pos, data, a, a + 19)
    out[pos] = 46
    frac = a + 20 if b - a > 20 and data[a + 19] == 46 else b - 1
    for i in range(3):
        out[pos + 1 + i] = data[frac + i] if frac + i < b - 1 else 48
    out[pos + 4] = 90
    return pos + 5


@nb.njit(inline="always")
def _seconds(out, pos, data, a, b):  # noqa: ANN001
    """orjson's text of ``float(data[a:b])`` for what ``alb_scan.seconds_ok`` admits: ``0.0``, ``12.0``, ``0.035``."""
    if b - a == 5 and data[a + 1] == 46:  # D.DDD (the usual form): the fraction without its trailing zeros, or 0
        out[pos], out[pos + 1], out[pos + 2], out[pos + 3], out[pos + 4] = (
            data[a], 46, data[a + 2], data[a + 3], data[a + 4])
        return pos + (5 if data[a + 4] != 48 else 4 if data[a + 3] != 48 else 3)
    dot = b
    for i in range(a, b):
        if data[i] == 46:
            dot = i
    i = a
    while i < dot - 1 and data[i] == 48:
        i += 1
    pos = _copy(out, pos, data, i, dot)
    out[pos] = 46
    end = b
    while end > dot + 1 and data[end - 1] == 48:
        end -= 1
    if end > dot + 1:
        return _copy(out, pos + 1, data, dot + 1, end)
    out[pos + 1] = 48
    return pos + 2


@nb.njit(inline="always")
def _frag(out, pos, fbuf, foff, code):  # noqa: ANN001
    return _copy(out, pos, fbuf, foff[code], foff[code + 1])


@nb.njit(inline="always")
def _has(data, a, b, byte):  # noqa: ANN001
    """Whether ``data[a:b]`` holds ``byte``: a word at a time while eight bytes can be read, then byte by byte."""
    pattern = _LOW * np.uint64(byte)
    i = a
    while i < b and i + 8 <= len(data):
        m = _zeros(_load8(data, i) ^ pattern)
        if m != np.uint64(0):
            return i + np.int64(trailing_zeros(m) >> np.uint64(3)) < b
        i += 8
    while i < b:
        if data[i] == byte:
            return True
        i += 1
    return False


@nb.njit(inline="always")
def _list(out, pos, data, a, b, comma):  # noqa: ANN001
    """``[`` + the items of ``value.split(",")`` (``comma``) or ``value.split()`` as JSON strings + ``]``.

    ``data[a:b]`` is not empty (``_absent`` spans are not rendered): without a separator it is the one item.
    """
    sep = 44 if comma else 32
    if not _has(data, a, b, sep):
        out[pos], out[pos + 1] = 91, 34
        pos = _copy(out, pos + 2, data, a, b)
        out[pos], out[pos + 1] = 34, 93
        return pos + 2
    out[pos] = 91
    pos += 1
    first, i = True, a
    while i <= b:
        if comma:
            j = i
            while j < b and data[j] != 44:
                j += 1
        else:
            while i < b and data[i] == 32:
                i += 1
            if i >= b:
                break
            j = i
            while j < b and data[j] != 32:
                j += 1
        if not first:
            out[pos] = 44
            pos += 1
        first = False
        out[pos] = 34
        pos = _copy(out, pos + 1, data, i, j)
        out[pos] = 34
        pos += 1
        i = j + 1
    out[pos] = 93
    return pos + 1


def render_alb(data, ts, te, ints, req, fc, fbuf, foff, ids, include_id, network, out):  # noqa: ANN001, ANN201
    """Write one NDJSON line per row to ``out``; returns the end offset of every line. ``ids``: 32 bytes a row, flat."""
    ends = np.empty(len(ts), np.int64)
    _render(data, ts, te, ints, req, fc, fbuf, foff, ids, include_id, network, out, ends)
    return ends


@borrowing(cache=True)
def _render(data, ts, te, ints, req, fc, fbuf, foff, ids, include_id, network, out, ends):  # noqa: ANN001, ANN202, C901
    """``render_alb``'s kernel: allocates nothing and keeps no view, so it runs without reference counting
    (``nrt.borrowing``: each inlined copy would otherwise pay an atomic incref and decref of its arrays)."""
    n = len(ts)
    pos = 0
    for r in range(n):
        if include_id:
            pos = _lit(out, _copy(out, _lit(out, pos, L_ID), ids, 32 * r, 32 * r + 32), L_ID_END)
        else:
            pos = _lit(out, pos, L_OPEN)
        pos = _lit(out, pos, L_NAME)
        pos = _copy(out, pos, data, ts[r, 2], te[r, 2])
        pos = _lit(out, pos, L_TYPE)
        pos = _copy(out, pos, data, ts[r, 0], te[r, 0])
        pos = _lit(out, pos, L_PROTO)
        ta = tb = tc = 0
        target = ints[r, TIP] >= 0
        if target:
            ta, tb = ts[r, TARGET], te[r, TARGET]
            tc = _colon(data, ta, tb)
            pos = _address(out, _lit(out, pos, L_BACKEND), data, ta, tc)
            pos = _lit(out, _port(out, _lit(out, pos, L_BPORT), data, tc, tb, ints[r, TPORT]), L_QUOTE)
            if ints[r, TSTATUS] >= 0:  # a canonical number (``alb_scan._number``): its text
                pos = _lit(out, _copy(out, _lit(out, pos, L_BSTATUS), data, ts[r, 9], te[r, 9]), L_CLOSE2)
            pos = _lit(out, pos, L_CLOSE)
        for k in range(3):
            a, b = ts[r, 5 + k], te[r, 5 + k]
            if not _absent(data, a, b) and not (b - a == 2 and data[a] == 45 and data[a + 1] == 49):
                pos = _lit(out, _seconds(out, _lit(out, pos, L_FLOAT[k]), data, a, b), L_CLOSE)
        cipher = not _absent(data, ts[r, 14], te[r, 14])
        if cipher:
            pos = _lit(out, _copy(out, _lit(out, pos, L_CIPHER), data, ts[r, 14], te[r, 14]), L_QUOTE)
        if not _absent(data, ts[r, 15], te[r, 15]):
            pos = _lit(out, _copy(out, _lit(out, pos, L_SSLPROTO), data, ts[r, 15], te[r, 15]), L_QUOTE)
        for k in range(len(STRINGS)):
            t = STRINGS[k, 0]
            if not _absent(data, ts[r, t], te[r, t]):
                pos = _lit(out, _copy(out, _lit(out, pos, STRINGS[k, 1]), data, ts[r, t], te[r, t]), STRINGS[k, 2])
        for k in range(len(LISTS)):
            t = LISTS[k, 0]
            if not _absent(data, ts[r, t], te[r, t]):
                pos = _list(out, _lit(out, pos, LISTS[k, 1]), data, ts[r, t], te[r, t], k == 0)
        for k in range(len(TAIL)):
            t = TAIL[k, 0]
            if not _absent(data, ts[r, t], te[r, t]):
                pos = _lit(out, _copy(out, _lit(out, pos, TAIL[k, 1]), data, ts[r, t], te[r, t]), TAIL[k, 2])
        end = _lit(out, pos, L_EVENT)
        pos = _iso(out, end, data, ts[r, TIME], te[r, TIME])
        status = ints[r, STATUS]
        pos = _lit(out, pos, L_FAILURE if status >= 400 or status < 100 else L_SUCCESS)
        if not _absent(data, ts[r, 21], te[r, 21]):
            pos = _lit(out, _iso(out, _lit(out, pos, L_START), data, ts[r, 21], te[r, 21]), L_QUOTE)
        pos = _copy8(out, _lit(out, pos, L_DATASET), out, end, end + 24)  # @timestamp: event.end's text
        ca, cb = ts[r, CLIENT], te[r, CLIENT]
        cc = _colon(data, ca, cb)
        pos = _address(out, _lit(out, pos, L_SOURCE), data, ca, cc)
        pos = _address(out, _lit(out, pos, L_IP), data, ca, cc)
        pos = _port(out, _lit(out, pos, L_PORT), data, cc, cb, ints[r, CPORT])
        if fc[r, GEO] >= 0:
            pos = _frag(out, pos, fbuf, foff, fc[r, GEO])
        pos = _address(out, _lit(out, pos, L_RELATED), data, ca, cc)
        if target and ints[r, TIP] != ints[r, CIP]:
            pos = _address(out, _lit(out, pos, L_SEP), data, ta, tc)
        pos = _lit(out, pos, L_RELATED_END)
        pos = _copy(out, _lit(out, pos, L_HTTP), data, ts[r, 8], te[r, 8])  # canonical numbers: their text
        if ints[r, SENT] >= 0:
            pos = _lit(out, _copy(out, _lit(out, pos, L_BODY), data, ts[r, 11], te[r, 11]), L_CLOSE)
        pos = _lit(out, pos, L_CLOSE)
        method = req[r, 0] >= 0
        if ints[r, RECV] >= 0 or method:
            pos = _lit(out, pos, L_REQUEST)
            if ints[r, RECV] >= 0:
                pos = _lit(out, _copy(out, _lit(out, pos, L_RBODY), data, ts[r, 10], te[r, 10]), L_CLOSE)
                if method:
                    pos = _lit(out, pos, L_COMMA)
            if method:
                pos = _lit(out, _copy(out, _lit(out, pos, L_METHOD), data, req[r, 0], req[r, 1]), L_QUOTE)
            pos = _lit(out, pos, L_CLOSE)
        if req[r, 4] >= 0:
            pos = _lit(out, _copy(out, _lit(out, pos, L_VERSION), data, req[r, 4], req[r, 5]), L_QUOTE)
        pos = _lit(out, pos, L_CLOSE)
        for k in (URL, AGENT):  # whole members
            if fc[r, k] >= 0:
                pos = _frag(out, pos, fbuf, foff, fc[r, k])
        if cipher or fc[r, TLS] >= 0:
            pos = _lit(out, pos, L_TLS)
            if cipher:
                pos = _lit(out, _copy(out, _lit(out, pos, L_TCIPHER), data, ts[r, 14], te[r, 14]), L_QUOTE)
                if fc[r, TLS] >= 0:
                    pos = _lit(out, pos, L_COMMA)
            if fc[r, TLS] >= 0:
                pos = _frag(out, pos, fbuf, foff, fc[r, TLS])
            pos = _lit(out, pos, L_CLOSE)
        if not _absent(data, ts[r, 17], te[r, 17]):
            pos = _lit(out, _copy(out, _lit(out, pos, L_TRACE), data, ts[r, 17], te[r, 17]), L_QCLOSE)
        if not _absent(data, ts[r, 18], te[r, 18]):
            pos = _lit(out, _copy(out, _lit(out, pos, L_DEST), data, ts[r, 18], te[r, 18]), L_QCLOSE)
        pos = _lit(out, pos, L_CLOUD)
        if network:
            pos = _lit(out, pos, L_NETWORK)
        pos = _lit(out, pos, L_END)
        ends[r] = pos
    return ends
