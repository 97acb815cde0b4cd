"""BLAKE2b-128 and SHA-1 compiled with numba, for whole batches of short messages.

The reference path hashes one message at a time with ``hashlib`` (about
0.6 us of call overhead per message); these kernels hash a batch in one
call. They implement RFC 7693 (BLAKE2b, unkeyed, any digest size up to 64),
checked against ``hashlib`` by the tests. SHA-1 (Community IDs) and the
four-lane BLAKE2b of VPC flow's event ids are in ``simd.py``/``lanes.py``.

>>> import hashlib, numpy as np
>>> out = np.zeros(16, np.uint8)
>>> blake2b_into(np.frombuffer(b"abc", np.uint8), 0, 3, out, 0, 16)
>>> out.tobytes() == hashlib.blake2b(b"abc", digest_size=16).digest()
True
"""

from __future__ import annotations

import numba as nb
import numpy as np

_IV = np.array(
    [0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
     0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179], dtype=np.uint64)
_SIGMA = np.array([
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
], dtype=np.int64)
HEX = np.frombuffer(b"0123456789abcdef", np.uint8).copy()
B64 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", np.uint8).copy()


@nb.njit(inline="always")
def _rotr(x, n):  # noqa: ANN001 - numba kernel
    return (x >> np.uint64(n)) | (x << np.uint64(64 - n))


@nb.njit(inline="always")
def _g(v, a, b, c, d, x, y):  # noqa: ANN001
    v[a] = v[a] + v[b] + x
    v[d] = _rotr(v[d] ^ v[a], 32)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 24)
    v[a] = v[a] + v[b] + y
    v[d] = _rotr(v[d] ^ v[a], 16)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 63)


@nb.njit(cache=True)
def _compress(h, block, t, final, v, m):  # noqa: ANN001
    for i in range(16):
        w = np.uint64(0)
        for j in range(7, -1, -1):
            w = (w << np.uint64(8)) | np.uint64(block[i * 8 + j])
        m[i] = w
    for i in range(8):
        v[i] = h[i]
        v[i + 8] = _IV[i]
    v[12] ^= np.uint64(t)
    if final:
        v[14] = ~v[14]
    for r in range(12):
        q = r % 10
        _g(v, 0, 4, 8, 12, m[_SIGMA[q, 0]], m[_SIGMA[q, 1]])
        _g(v, 1, 5, 9, 13, m[_SIGMA[q, 2]], m[_SIGMA[q, 3]])
        _g(v, 2, 6, 10, 14, m[_SIGMA[q, 4]], m[_SIGMA[q, 5]])
        _g(v, 3, 7, 11, 15, m[_SIGMA[q, 6]], m[_SIGMA[q, 7]])
        _g(v, 0, 5, 10, 15, m[_SIGMA[q, 8]], m[_SIGMA[q, 9]])
        _g(v, 1, 6, 11, 12, m[_SIGMA[q, 10]], m[_SIGMA[q, 11]])
        _g(v, 2, 7, 8, 13, m[_SIGMA[q, 12]], m[_SIGMA[q, 13]])
        _g(v, 3, 4, 9, 14, m[_SIGMA[q, 14]], m[_SIGMA[q, 15]])
    for i in range(8):
        h[i] ^= v[i] ^ v[i + 8]


@nb.njit(cache=True)
def blake2b_into(msg, start, end, out, at, digest_size):  # noqa: ANN001
    """BLAKE2b of ``msg[start:end]`` (digest_size bytes) written to ``out[at:]``."""
    blake2b_scratch(msg, start, end, out, at, digest_size, np.empty(40, np.uint64), np.zeros(128, np.uint8))


@nb.njit(cache=True)
def blake2b_scratch(msg, start, end, out, at, digest_size, words, block):  # noqa: ANN001
    """``blake2b_into`` with caller-owned scratch space (40 words, 128 bytes): no allocation per message."""
    h, v, m = words[:8], words[8:24], words[24:40]
    h[:] = _IV
    h[0] ^= np.uint64(0x01010000 | digest_size)
    length = end - start
    done = 0
    while length - done > 128:
        for i in range(128):
            block[i] = msg[start + done + i]
        done += 128
        _compress(h, block, done, False, v, m)
    block[:] = 0
    for i in range(length - done):
        block[i] = msg[start + done + i]
    _compress(h, block, length, True, v, m)
    for i in range(digest_size):
        out[at + i] = np.uint8((h[i // 8] >> np.uint64(8 * (i % 8))) & np.uint64(0xFF))


@nb.njit(cache=True)
def hex_into(src, start, count, out, at):  # noqa: ANN001
    """Lower-case hex of ``src[start:start+count]`` written to ``out[at:]``."""
    for i in range(count):
        byte = src[start + i]
        out[at + 2 * i] = HEX[byte >> 4]
        out[at + 2 * i + 1] = HEX[byte & 15]


@nb.njit(cache=True)
def b64_20_into(src, out, at):  # noqa: ANN001
    """Standard base64 of a 20-byte digest (27 characters and one ``=``) written to ``out[at:]``."""
    j = at
    for i in range(0, 18, 3):
        n = (np.int64(src[i]) << 16) | (np.int64(src[i + 1]) << 8) | np.int64(src[i + 2])
        out[j] = B64[(n >> 18) & 63]
        out[j + 1] = B64[(n >> 12) & 63]
        out[j + 2] = B64[(n >> 6) & 63]
        out[j + 3] = B64[n & 63]
        j += 4
    n = (np.int64(src[18]) << 16) | (np.int64(src[19]) << 8)
    out[j] = B64[(n >> 18) & 63]
    out[j + 1] = B64[(n >> 12) & 63]
    out[j + 2] = B64[(n >> 6) & 63]
    out[j + 3] = 61  # '='
