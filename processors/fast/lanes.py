"""BLAKE2b-128 event ids hashed four messages at a time (lanes), for the batch kernels.

``event_ids`` hashes one short message per row (a path prefix, the line
number, a fixed suffix: one 128-byte block). One message's compression is a
chain of dependent 64-bit operations; four messages side by side fill the
four 64-bit lanes of a vector register (``simd.blake2b_final4``, AVX2 where
the CPU has it). The digests are the ones ``hashes._compress`` computes
(RFC 7693), checked against ``hashlib`` by the tests.

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

from processors.fast.hashes import _IV, HEX, b64_20_into
from processors.fast.simd import blake2b_final4, sha1_block8

LANES = 4


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
    h, m = np.empty((8, LANES), np.uint64), np.empty((16, LANES), np.uint64)
    t = np.zeros(LANES, np.uint64)
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
            t[k] = np.uint64(end + 4)
            for i in range(16):
                m[i, k] = words[k * 16 + i]
            for i in range(8):
                h[i, k] = _IV[i]
            h[0, k] ^= np.uint64(0x01010010)  # parameter block: digest length 16, fanout 1, depth 1
        blake2b_final4(h, m, t)
        for k in range(min(LANES, n - r0)):
            row = out[r0 + k]
            for w in range(2):
                word = h[w, k]
                for i in range(8):
                    byte = (word >> np.uint64(8 * i)) & np.uint64(0xFF)
                    row[16 * w + 2 * i] = HEX[byte >> np.uint64(4)]
                    row[16 * w + 2 * i + 1] = HEX[byte & np.uint64(15)]


SHA_LANES = 8


@nb.njit(cache=True)
def community_ids_lanes(ints, ips, seed, icmp_pairs, out):  # noqa: ANN001 - numba kernel
    """Base64 Community ID v1 per row into ``out`` (n, 28), eight SHA-1 messages at a time (``simd.sha1_block8``).

    The message (seed, addresses, protocol, pad, ports: 16 bytes, 12 without ports) is written straight
    as big-endian SHA-1 words with its padding; flows are ordered and ICMP ports paired as in
    ``render.community_ids``' reference, the ``community_id`` enricher.
    """
    n = len(ints)
    w = np.zeros((16, SHA_LANES), np.uint32)
    words = np.empty((5, SHA_LANES), np.uint32)
    digest = np.empty(20, np.uint8)
    for r0 in range(0, n, SHA_LANES):
        for k in range(SHA_LANES):
            r = min(r0 + k, n - 1)  # past the end: the last row again, not written out
            proto, sip, dip = ints[r, 2], ips[r, 0], ips[r, 1]
            sport, dport, one_way, ported = ints[r, 0], ints[r, 1], False, True
            if proto == 1:
                if icmp_pairs[sport & 255] >= 0 and sport < 256:
                    dport = icmp_pairs[sport]
                else:
                    one_way = True
            elif proto != 6 and proto != 17 and proto != 132:
                ported, sport, dport = False, 0, 0
            if not one_way and (sip > dip or (sip == dip and sport > dport)):
                sip, dip, sport, dport = dip, sip, dport, sport
            w[0, k] = np.uint32(((seed & 0xFFFF) << 16) | (sip >> 16))
            w[1, k] = np.uint32(((sip & 0xFFFF) << 16) | (dip >> 16))
            w[2, k] = np.uint32(((dip & 0xFFFF) << 16) | ((proto & 255) << 8))
            if ported:
                w[3, k], w[4, k], w[15, k] = np.uint32(((sport & 0xFFFF) << 16) | (dport & 0xFFFF)), 0x80000000, 128
            else:
                w[3, k], w[4, k], w[15, k] = 0x80000000, 0, 96
        sha1_block8(w, words)
        for k in range(min(SHA_LANES, n - r0)):
            for i in range(20):
                digest[i] = (words[i // 4, k] >> np.uint32(24 - 8 * (i % 4))) & np.uint32(255)
            b64_20_into(digest, out[r0 + k], 0)
