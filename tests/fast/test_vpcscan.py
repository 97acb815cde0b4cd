"""``vpcscan.scan_block`` (one word-at-a-time pass) equals ``split_lines`` + ``scan_v2`` (byte by byte) on every line."""

from __future__ import annotations

import random

import numpy as np

from processors.fast.scan import FAST, scan_v2, split_lines
from processors.fast.vpcscan import scan_block
from streams.generator.engine import TrafficGenerator, TrafficSettings
from tests.fast.test_equivalence import ODD


def _same(block: bytes) -> None:
    data = np.frombuffer(block, np.uint8)
    starts, ends, status, fs, fe, ints, ips = scan_block(data)
    s2, e2 = split_lines(data)
    st2, fs2, fe2, ints2, ips2 = scan_v2(data, s2, e2)
    assert starts.tolist() == s2.tolist() and ends.tolist() == e2.tolist(), block
    assert status.tolist() == st2.tolist(), block
    fast = status == FAST
    for a, b in ((fs, fs2), (fe, fe2), (ints, ints2), (ips, ips2)):
        assert (a[fast] == b[fast]).all(), block


def _lines() -> list[str]:
    settings = TrafficSettings(seed=5, rate=200.0, max_records=2000, datasets={"vpcflow": 1.0}, malformed_every=50)
    return [line for chunk in TrafficGenerator(settings).chunks() for line in chunk.lines]


def test_generated_and_odd_lines() -> None:
    lines = _lines() + ODD
    _same(("\n".join(lines) + "\n").encode())
    _same("\n".join(lines).encode())  # no final newline: the last line ends within the last word
    _same(("\r\n".join(lines) + "\r\n").encode())
    for cut in range(1, 40):  # a block ending anywhere in the last line
        _same(("\n".join(lines[:3]) + "\n" + lines[3][:cut]).encode())


def test_mutated_lines() -> None:
    """Random bytes swapped into generated lines: spaces, tabs, CR, LF, quotes, backslashes, dashes, braces, 8-bit."""
    rng = random.Random(11)
    lines = _lines()[:400]
    alphabet = b" \t\r\n\"\\-{}0.9aZ\x7f\xc3\x00"
    for _ in range(60):
        mutated = []
        for line in lines:
            raw = bytearray(line.encode())
            for _ in range(rng.choice((0, 0, 1, 2, 3))):
                at = rng.randrange(len(raw) + 1)
                choice = rng.random()
                if choice < 0.4 and raw:
                    raw[min(at, len(raw) - 1)] = rng.choice(alphabet)
                elif choice < 0.7:
                    raw[at:at] = bytes([rng.choice(alphabet)])
                elif raw:
                    del raw[min(at, len(raw) - 1)]
            mutated.append(bytes(raw))
        _same(b"\n".join(mutated) + rng.choice((b"", b"\n", b"\r\n", b" ")))


def test_short_and_empty_blocks() -> None:
    for block in (b"", b"\n", b"\n\n", b" ", b"x", b"\r\n", b"2 1 eni-1 10.0.0.1 8.8.8.8 5 53 17 1 60 100 160 ACCEPT OK"):
        _same(block)
