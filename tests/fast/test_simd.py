"""The vector hash kernels (``processors.fast.simd`` via ``lanes``) against the reference definitions."""

from __future__ import annotations

import base64
import hashlib
import socket
import struct

import numpy as np
import pytest

from processors.enrich.community_id import community_id
from processors.fast.render import community_ids
from processors.fast.vpcflow import ICMP_PAIRS


def _text(value: int) -> str:
    return socket.inet_ntoa(struct.pack("!I", value))


@pytest.mark.parametrize(("rows", "seed"), [(0, 0), (1, 0), (7, 1), (8, 0), (9, 65535), (3001, 0), (333, 4242)])
def test_community_ids_equal_the_enricher(rows: int, seed: int) -> None:
    """Eight-lane SHA-1 Community IDs equal ``community_id`` for any row count: TCP/UDP/SCTP, ICMP types paired
    and one-way (also ICMP types >= 256), protocols without ports, equal addresses, either order."""
    rng = np.random.default_rng(rows + seed)
    protos = rng.choice(np.array([1, 6, 17, 132, 0, 2, 47, 50, 255]), rows)
    pool = rng.integers(0, 2**32, max(1, rows // 3))  # repeated addresses: sip == dip happens
    ips = pool[rng.integers(0, len(pool), (rows, 2))].astype(np.int64)
    ports = rng.integers(0, 65536, (rows, 2))
    icmp = protos == 1
    ports[icmp, 0] = rng.choice(np.array([0, 8, 9, 10, 13, 14, 15, 16, 17, 18, 3, 11, 300, 264]), int(icmp.sum()))
    ports[icmp, 1] = rng.integers(0, 16, int(icmp.sum()))
    ports[rng.random(rows) < 0.05] = 7  # equal ports with equal addresses: the order rule's tie
    ints = np.zeros((rows, 7), np.int64)
    ints[:, 0], ints[:, 1], ints[:, 2] = ports[:, 0], ports[:, 1], protos
    out = np.empty((rows, 28), np.uint8)
    community_ids(ints, ips, seed, ICMP_PAIRS, out)
    got = ["1:" + bytes(row).decode() for row in out]
    expected = [community_id(_text(s), _text(d), int(a), int(b), int(p), seed)
                for (s, d), (a, b), p in zip(ips.tolist(), ports.tolist(), protos.tolist(), strict=True)]
    assert got == expected


def test_community_id_digest_is_sha1() -> None:
    """One hand-built message: the kernel's digest is hashlib's SHA-1 of the spec's bytes."""
    ints = np.array([[34855, 80, 6, 0, 0, 0, 0]], np.int64)
    ips = np.array([[0x80E86E78, 0x4223FACC]], np.int64)  # 128.232.110.120 -> 66.35.250.204
    out = np.empty((1, 28), np.uint8)
    community_ids(ints, ips, 0, ICMP_PAIRS, out)
    message = struct.pack("!H4s4sBBHH", 0, socket.inet_aton("66.35.250.204"), socket.inet_aton("128.232.110.120"),
                          6, 0, 80, 34855)
    assert bytes(out[0]).decode() == base64.b64encode(hashlib.sha1(message).digest()).decode()
