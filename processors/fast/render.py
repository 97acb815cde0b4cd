"""Compiled NDJSON rendering of fast VPC flow rows: one pass writes a whole batch.

Each document is the one the reference path (``VpcFlowParser`` + ``network``
+ ``community_id`` + ``geoip`` enrichers + the NDJSON sink) writes for the
same line, key for key; ``tests/fast`` checks that on every fixture. Values
come straight from the input bytes (the scanner admitted only canonical,
JSON-safe tokens) or from small tables computed per distinct value in
Python (GeoIP fragments per address, transport per protocol, service per
port), so no per-line Python object is created.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from processors.fast.hashes import blake2b_scratch, hex_into
from processors.fast.lanes import community_ids_lanes as community_ids  # noqa: F401 - re-exported for the paths
from processors.fast.lanes import event_ids_lanes

_PIECES = [
    b'{"_id":"', b'",', b"{",  # 0 1 2
    b'"aws":{"vpcflow":{"version":"', b'","account_id":"', b'","interface_id":"', b'","action":"',  # 3 4 5 6
    b'","log_status":"', b'"}},"event":{"kind":"event","category":["network"],"type":["connection"',  # 7 8
    b',"denied"', b'],"start":"', b'","end":"', b'","outcome":"success', b'","outcome":"failure',  # 9 10 11 12 13
    b'","dataset":"aws.vpcflow"},"cloud":{"account":{"id":"', b'"},"provider":"aws"},"@timestamp":"',  # 14 15
    b'","source":{"address":"', b'","ip":"', b'","port":', b',"packets":', b',"bytes":',  # 16 17 18 19 20
    b'},"destination":{"address":"', b'},"network":{"type":"ipv4","packets":', b',"iana_number":"',  # 21 22 23
    b',"community_id":"1:', b'},"related":{"ip":["', b'","', b'"]}}\n', b'"', b'","action":"',  # 24-29
]
LITERALS = np.frombuffer(b"".join(_PIECES) + bytes(8), np.uint8).copy()  # 8 bytes of slack for ``_copy8``
LIT_OFF = np.cumsum([0] + [len(p) for p in _PIECES]).astype(np.int64)
MAX_FIXED = int(LIT_OFF[-1]) + 64 + 3 * 24 + 28


@nb.njit(inline="always")
def _lit(out, pos, k):  # noqa: ANN001
    a, b = LIT_OFF[k], LIT_OFF[k + 1]
    return _copy(out, pos, LITERALS, a, b)


@nb.njit(inline="always")
def _copy(out, pos, src, a, b):  # noqa: ANN001
    # unsigned indices: no negative-index wraparound check, so LLVM can vectorise the copy
    p, s = np.uint64(pos), np.uint64(a)
    for i in range(np.uint64(b - a)):
        out[p + i] = src[s + i]
    return pos + b - a


@intrinsic
def _load8(typingctx, arr, idx):  # noqa: ANN001, ANN202 - numba intrinsic
    """The 8 bytes at ``arr[idx:idx+8]`` as one unaligned little-endian word."""
    sig = types.uint64(arr, idx)

    def codegen(context, builder, sig, args):  # noqa: ANN001, ANN202
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), ir.IntType(64).as_pointer())
        return builder.load(ptr, align=1)

    return sig, codegen


@intrinsic
def _store8(typingctx, arr, idx, word):  # noqa: ANN001, ANN202 - numba intrinsic
    """Write one word to ``arr[idx:idx+8]`` (unaligned)."""
    sig = types.void(arr, idx, word)

    def codegen(context, builder, sig, args):  # noqa: ANN001, ANN202
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), ir.IntType(64).as_pointer())
        builder.store(args[2], ptr, align=1)
        return context.get_dummy_value()

    return sig, codegen


@nb.njit(inline="always")
def _copy8(out, pos, src, a, b):  # noqa: ANN001
    """``_copy`` eight bytes at a time: reads up to 7 bytes past ``src[b]`` and writes up to 7 past the end.

    Only for sources with that much slack after every span (``LITERALS``, packed tables, a line's
    middle fields) and an output with room; the overshoot is overwritten by the next piece.
    """
    i = 0
    while i < b - a:
        _store8(out, pos + i, _load8(src, a + i))
        i += 8
    return pos + b - a


@nb.njit(inline="always")
def _copy16(out, pos, src, a, b):  # noqa: ANN001
    """A span of at most 16 bytes as two unconditional word copies (no length-dependent branch): reads 16 bytes
    from ``src[a]`` and writes 16 at ``out[pos]``. For fields followed by at least 16 bytes of their line (the
    addresses, ports and protocol of a fast line are)."""
    _store8(out, pos, _load8(src, a))
    _store8(out, pos + 8, _load8(src, a + 8))
    return pos + b - a


@nb.njit(inline="always")
def _copy_short(out, pos, src, a, b):  # noqa: ANN001
    """``_copy8`` for spans that are nearly always at most eight bytes: one word copy then, no loop."""
    if b - a <= 8:
        _store8(out, pos, _load8(src, a))
        return pos + b - a
    return _copy8(out, pos, src, a, b)


@nb.njit(inline="always")
def _lit8(out, pos, k):  # noqa: ANN001
    return _copy8(out, pos, LITERALS, LIT_OFF[k], LIT_OFF[k + 1])


@nb.njit(inline="always")
def _digits(out, pos, value, width):  # noqa: ANN001
    for i in range(width - 1, -1, -1):
        out[pos + i] = 48 + value % 10
        value //= 10
    return pos + width


@nb.njit(inline="always")
def _clock_into(out, pos, seconds):  # noqa: ANN001
    """``HH:MM:SS`` of ``seconds`` (0 <= seconds < 86400) at ``out[pos:pos+8]``."""
    hour, minute, second = seconds // 3600, (seconds // 60) % 60, seconds % 60
    out[pos], out[pos + 1], out[pos + 2] = 48 + hour // 10, 48 + hour % 10, 58
    out[pos + 3], out[pos + 4], out[pos + 5] = 48 + minute // 10, 48 + minute % 10, 58
    out[pos + 6], out[pos + 7] = 48 + second // 10, 48 + second % 10


@nb.njit(cache=True)
def iso_into(out, pos, seconds):  # noqa: ANN001, ANN201
    """``YYYY-MM-DDTHH:MM:SS.000Z`` of epoch seconds (non-negative) at ``out[pos:pos+24]``."""
    days, rest = seconds // 86400, seconds % 86400
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (1 if month <= 2 else 0)
    pos = _digits(out, pos, year, 4)
    out[pos] = 45
    pos = _digits(out, pos + 1, month, 2)
    out[pos] = 45
    pos = _digits(out, pos + 1, day, 2)
    out[pos] = 84
    pos = _digits(out, pos + 1, rest // 3600, 2)
    out[pos] = 58
    pos = _digits(out, pos + 1, (rest // 60) % 60, 2)
    out[pos] = 58
    pos = _digits(out, pos + 1, rest % 60, 2)
    for i, c in enumerate((46, 48, 48, 48, 90)):
        out[pos + i] = c
    return pos + 5


@nb.njit(cache=True)
def event_ids(prefix, numbers, out):  # noqa: ANN001
    """Hex BLAKE2b-128 of ``prefix + str(number) + "\\x1f0\\x1f0"`` per number (``event_id``), (n, 32)."""
    if len(prefix) + 24 > 128:  # a very long path: the general (multi-block) BLAKE2b
        _event_ids_any(prefix, numbers, out)
        return
    event_ids_lanes(prefix, numbers, out)  # one block per message, four messages at a time


@nb.njit(cache=True)
def _event_ids_any(prefix, numbers, out):  # noqa: ANN001
    msg = np.empty(len(prefix) + 24, np.uint8)
    msg[:len(prefix)] = prefix
    digest = np.empty(16, np.uint8)
    words, block = np.empty(40, np.uint64), np.zeros(128, np.uint8)
    for r in range(len(numbers)):
        value, width = numbers[r], 1
        while value >= 10 ** width:
            width += 1
        end = _digits(msg, len(prefix), value, width)
        msg[end], msg[end + 1], msg[end + 2], msg[end + 3] = 31, 48, 31, 48
        blake2b_scratch(msg, 0, end + 4, digest, 0, 16, words, block)
        hex_into(digest, 0, 16, out[r], 0)


@nb.njit(cache=True)
def render(data, fs, fe, ints, ids, cids, codes, frag_buf, frag_off, dfrag_buf, dfrag_off, proto_buf, proto_off,  # noqa: ANN001, ANN201
           svc_slot, svc_idx, svc_buf, svc_off, dir_code, dir_buf, dir_off, combo, combo_buf, combo_off, include_id,
           with_cid, out):
    """Write one NDJSON line per row to ``out``; returns the end offset of every line.

    ``ids`` (32 bytes a row) and ``cids`` (28 bytes a row, and at least 4 bytes of slack after the last) are
    flat byte arrays, copied a word at a time.

    ``combo`` numbers each row's (version, account, interface, action, log status); ``combo_buf`` holds
    the two fragments that depend on those alone (``processors.fast.vpcfrags``), pieces 3-10 and 29-15.
    """
    n = len(fs)
    ends = np.empty(n, np.int64)
    pos = 0
    iso = np.empty(56, np.uint8)  # start and end as ISO text, re-rendered only when they change
    last_start, last_end = -1, -1
    for r in range(n):
        if ints[r, 5] != last_start:
            if ints[r, 5] // 86400 == last_start // 86400:  # the same day: only the time of day changes
                _clock_into(iso, 11, ints[r, 5] % 86400)
            else:
                iso_into(iso, 0, ints[r, 5])
            last_start = ints[r, 5]
        if ints[r, 6] != last_end:
            last_end = ints[r, 6]
            iso_into(iso, 24, last_end)
        if include_id:
            pos = _lit8(out, pos, 0)
            pos = _copy8(out, pos, ids, 32 * r, 32 * r + 32)
            pos = _lit8(out, pos, 1)
        else:
            pos = _lit8(out, pos, 2)
        k = 2 * combo[r]
        pos = _copy8(out, pos, combo_buf, combo_off[k], combo_off[k + 1])
        pos = _copy8(out, pos, iso, 0, 24)
        pos = _lit8(out, pos, 11)
        pos = _copy8(out, pos, iso, 24, 48)
        pos = _copy8(out, pos, combo_buf, combo_off[k + 1], combo_off[k + 2])
        pos = _copy8(out, pos, iso, 24, 48)
        pos = _lit8(out, pos, 16)
        pos = _copy16(out, pos, data, fs[r, 3], fe[r, 3])
        pos = _lit8(out, pos, 17)
        pos = _copy16(out, pos, data, fs[r, 3], fe[r, 3])
        pos = _lit8(out, pos, 18)
        pos = _copy16(out, pos, data, fs[r, 5], fe[r, 5])
        pos = _lit8(out, pos, 19)
        pos = _copy_short(out, pos, data, fs[r, 8], fe[r, 8])
        pos = _lit8(out, pos, 20)
        pos = _copy_short(out, pos, data, fs[r, 9], fe[r, 9])
        pos = _copy8(out, pos, frag_buf, frag_off[codes[r, 0]], frag_off[codes[r, 0] + 1])
        pos = _lit8(out, pos, 21)
        pos = _copy16(out, pos, data, fs[r, 4], fe[r, 4])
        pos = _lit8(out, pos, 17)
        pos = _copy16(out, pos, data, fs[r, 4], fe[r, 4])
        pos = _lit8(out, pos, 18)
        pos = _copy16(out, pos, data, fs[r, 6], fe[r, 6])
        pos = _copy8(out, pos, dfrag_buf, dfrag_off[codes[r, 1]], dfrag_off[codes[r, 1] + 1])
        pos = _lit8(out, pos, 22)
        pos = _copy_short(out, pos, data, fs[r, 8], fe[r, 8])
        pos = _lit8(out, pos, 20)
        pos = _copy_short(out, pos, data, fs[r, 9], fe[r, 9])
        pos = _lit8(out, pos, 23)
        pos = _copy16(out, pos, data, fs[r, 7], fe[r, 7])
        pos = _lit8(out, pos, 28)
        proto = ints[r, 2]
        pos = _copy8(out, pos, proto_buf, proto_off[proto], proto_off[proto + 1])
        if with_cid:
            pos = _lit8(out, pos, 24)
            pos = _copy8(out, pos, cids, 28 * r, 28 * r + 28)
            pos = _lit8(out, pos, 28)
        d = dir_code[r]
        pos = _copy8(out, pos, dir_buf, dir_off[d], dir_off[d + 1])
        slot = svc_slot[proto]
        if slot >= 0:
            s = svc_idx[slot, ints[r, 1]]
            if s < 0:
                s = svc_idx[slot, ints[r, 0]]
            if s >= 0:
                pos = _copy8(out, pos, svc_buf, svc_off[s], svc_off[s + 1])
        pos = _lit8(out, pos, 25)
        pos = _copy16(out, pos, data, fs[r, 3], fe[r, 3])
        if codes[r, 0] != codes[r, 1]:  # canonical dotted quads: equal texts have equal address codes
            pos = _lit8(out, pos, 26)
            pos = _copy16(out, pos, data, fs[r, 4], fe[r, 4])
        pos = _lit8(out, pos, 27)
        ends[r] = pos
    return ends
