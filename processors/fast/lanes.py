"""BLAKE2b-128 event ids hashed four messages at a time (lanes), for the batch kernels.

``event_ids`` hashes one short message per row (a path prefix, the line
number, a fixed suffix: one 128-byte block). One message's compression is a
chain of dependent 64-bit operations; four messages side by side give every
operation four independent lanes, which the compiler turns into AVX2 vector
instructions (each step of ``_g4`` is a loop over the lanes). The digests
are the ones ``hashes._compress`` computes (RFC 7693), checked against
``hashlib`` by the tests.

>>> import hashlib, numpy as np
>>> out = np.empty((5, 32), np.uint8)
>>> event_ids_lanes(np.frombuffer(b"f.log\\x1f\\x1f", np.uint8), np.array([1, 9, 10, 99999, 100000]), out)
>>> [bytes(row).decode() for row in out] == [
...     hashlib.blake2b(f"f.log\\x1f\\x1f{n}\\x1f0\\x1f0".encode(), digest_size=16).hexdigest()
...     for n in (1, 9, 10, 99999, 100000)]
True
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.hashes import _IV, _SIGMA, HEX, _rotr

LANES = 4


@nb.njit(inline="always")
def _g4(v, a, b, c, d, m, x, y):  # noqa: ANN001 - numba kernel
    for k in range(LANES):
        va = v[a, k] + v[b, k] + m[x, k]
        vd = _rotr(v[d, k] ^ va, 32)
        vc = v[c, k] + vd
        vb = _rotr(v[b, k] ^ vc, 24)
        va = va + vb + m[y, k]
        vd = _rotr(vd ^ va, 16)
        vc = vc + vd
        vb = _rotr(vb ^ vc, 63)
        v[a, k], v[b, k], v[c, k], v[d, k] = va, vb, vc, vd


@nb.njit(cache=True)
def _compress4(h, m, t, v):  # noqa: ANN001 - numba kernel
    """One final-block compression of ``LANES`` messages: ``h`` (8, L), words ``m`` (16, L), lengths ``t``."""
    for i in range(8):
        for k in range(LANES):
            v[i, k] = h[i, k]
            v[i + 8, k] = _IV[i]
    for k in range(LANES):
        v[12, k] ^= np.uint64(t[k])
        v[14, k] = ~v[14, k]
    for r in range(12):
        q = r % 10
        _g4(v, 0, 4, 8, 12, m, _SIGMA[q, 0], _SIGMA[q, 1])
        _g4(v, 1, 5, 9, 13, m, _SIGMA[q, 2], _SIGMA[q, 3])
        _g4(v, 2, 6, 10, 14, m, _SIGMA[q, 4], _SIGMA[q, 5])
        _g4(v, 3, 7, 11, 15, m, _SIGMA[q, 6], _SIGMA[q, 7])
        _g4(v, 0, 5, 10, 15, m, _SIGMA[q, 8], _SIGMA[q, 9])
        _g4(v, 1, 6, 11, 12, m, _SIGMA[q, 10], _SIGMA[q, 11])
        _g4(v, 2, 7, 8, 13, m, _SIGMA[q, 12], _SIGMA[q, 13])
        _g4(v, 3, 4, 9, 14, m, _SIGMA[q, 14], _SIGMA[q, 15])
    for i in range(8):
        for k in range(LANES):
            h[i, k] ^= v[i, k] ^ v[i + 8, k]


@nb.njit(cache=True)
def event_ids_lanes(prefix, numbers, out):  # noqa: ANN001 - numba kernel
    """Hex BLAKE2b-128 of ``prefix + str(number) + "\\x1f0\\x1f0"`` per number into ``out`` (n, 32).

    The message must fit one block: ``len(prefix) + 24 <= 128`` (``render.event_ids`` checks).
    """
    n = len(numbers)
    blocks = np.zeros(LANES * 128, np.uint8)  # one message block per lane; only the digits change per row
    for k in range(LANES):
        blocks[k * 128:k * 128 + len(prefix)] = prefix
    words = blocks.view(np.uint64)  # little-endian message words, as BLAKE2b reads them
    h, m, v = np.empty((8, LANES), np.uint64), np.empty((16, LANES), np.uint64), np.empty((16, LANES), np.uint64)
    t = np.zeros(LANES, np.int64)
    ends = np.full(LANES, len(prefix), np.int64)
    start = len(prefix)
    for r0 in range(0, n, LANES):
        for k in range(LANES):
            value = numbers[min(r0 + k, n - 1)]  # past the end: the last row again, not written out
            width, limit = 1, 10
            while value >= limit:
                width, limit = width + 1, limit * 10
            base = k * 128
            end = start + width
            for i in range(width - 1, -1, -1):
                blocks[base + start + i] = 48 + value % 10
                value //= 10
            blocks[base + end], blocks[base + end + 1], blocks[base + end + 2], blocks[base + end + 3] = 31, 48, 31, 48
            for i in range(end + 4, ends[k]):
                blocks[base + i] = 0
            ends[k] = end + 4
            t[k] = end + 4
            for i in range(16):
                m[i, k] = words[k * 16 + i]
            for i in range(8):
                h[i, k] = _IV[i]
            h[0, k] ^= np.uint64(0x01010010)  # parameter block: digest length 16, fanout 1, depth 1
        _compress4(h, m, t, v)
        for k in range(min(LANES, n - r0)):
            row = out[r0 + k]
            for w in range(2):
                word = h[w, k]
                for i in range(8):
                    byte = (word >> np.uint64(8 * i)) & np.uint64(0xFF)
                    row[16 * w + 2 * i] = HEX[byte >> np.uint64(4)]
                    row[16 * w + 2 * i + 1] = HEX[byte & np.uint64(15)]
