"""``alb_block.scan_block`` (one word-at-a-time pass) equals ``split_lines`` + ``scan_alb`` (byte by byte) on every line."""

from __future__ import annotations

import random

import numpy as np

from processors.fast.alb_block import ScanBuffers, scan_block, scan_interned
from processors.fast.alb_clock import epochs
from processors.fast.alb_intern import SpanCodes
from processors.fast.alb_scan import TIME, scan_alb
from processors.fast.scan import FAST, split_lines
from tests.fast.test_alb import ODD, fixture_lines, generated, mutated


def _same(block: bytes, buffers: ScanBuffers | None = None) -> np.ndarray:
    data = np.frombuffer(block, np.uint8)
    starts, ends, status, *columns = scan_block(data, buffers)
    s2, e2 = split_lines(data)
    st2, *columns2 = scan_alb(data, s2, e2)
    columns2.append(np.zeros(len(s2)))
    columns2[-1][st2 == FAST] = epochs(data, columns2[0][st2 == FAST, TIME], columns2[1][st2 == FAST, TIME])
    assert starts.tolist() == s2.tolist() and ends.tolist() == e2.tolist(), block
    assert status.tolist() == st2.tolist(), block
    fast = status == FAST  # scan_block keeps the columns of fast lines only
    for a, b in zip(columns, columns2, strict=True):
        assert len(a) == fast.sum() and (a == b[fast]).all(), block
    return status


def test_generated_fixture_and_odd_lines() -> None:
    lines = generated(600) + fixture_lines() + ODD
    status = _same(("\n".join(lines) + "\n").encode())
    assert (status == FAST).sum() > 600 and (status != FAST).sum() > 10
    _same("\n".join(lines).encode())  # no final newline: the last line ends within the block's last words
    _same(("\r\n".join(lines) + "\r\n").encode())  # CRLF: every line checked byte by byte, same result
    _same(("\n\n \n".join(lines) + "\n\r\n").encode())  # blank and whitespace lines between them
    for cut in range(1, 60):  # a block ending anywhere in a line, the last bytes within the last word
        _same(("\n".join(lines[:3]) + "\n" + lines[3][:cut]).encode())
        _same(("\n".join(lines[:3]) + "\n" + lines[3][:-cut]).encode())


def test_mutated_lines() -> None:
    rng = random.Random(13)
    lines = mutated(generated(200) + fixture_lines(), 3000)
    for k in range(0, len(lines), 300):
        _same("\n".join(lines[k:k + 300]).encode() + rng.choice((b"", b"\n", b"\r\n", b" ", b"\n\n")))


def test_bytes_where_the_kernel_decides() -> None:
    """Every byte value in every position of a few lines: spaces, quotes, newlines, controls, 8-bit."""
    line = generated(1)[0].encode()
    rng = random.Random(5)
    blocks = []
    for at in range(0, len(line), 3):
        for byte in rng.sample(range(256), 12) + [32, 34, 10, 13, 92, 9]:
            blocks.append(line[:at] + bytes([byte]) + line[at + 1:])
    _same(b"\n".join(blocks) + b"\n")


def test_short_empty_and_growing_blocks() -> None:
    for block in (b"", b"\n", b"\n\n", b" ", b"x", b"\r\n", b"\r\r\n\r", ODD[0].encode(), b"a b\n" * 5000):
        _same(block)  # the last one: more lines than the first guess of rows (grown and scanned again)
    buffers = ScanBuffers()
    block = ("\n".join(generated(300)) + "\n").encode()
    first = _same(block, buffers)
    assert (_same(block, buffers) == first).all() and (first == FAST).all()


def test_scan_interned_gives_the_codes_of_an_interning_pass_after_the_scan() -> None:
    """Codes interned by the scanner (chunk by chunk, stopping where the table is full and handing over to
    ``SpanCodes.columns``) equal one ``columns`` pass over the scanned spans, and the same values are new."""
    lines = generated(1500, seed=5) + ODD + generated(700, seed=6)
    data = np.frombuffer(("\n".join(lines) + "\n").encode(), np.uint8)
    # url (req 2:3), user agent (13), TLS protocol (15), aws.elb.name (2): as alb.SPAN_COLUMNS
    spec = np.array([[1, 2, 3, 0], [0, 13, 13, 1], [0, 15, 15, 2], [0, 2, 2, 3]], np.int64)
    *_, ts, te, ints, req, _ = scan_block(data)
    for capacity, known in [(4096, 0), (8, 0), (8, 20)]:  # room for all; full within the first chunk; after some
        before, scanned = SpanCodes(limit=4096, capacity=capacity), SpanCodes(limit=4096, capacity=capacity)
        if known:  # values seen in an earlier block
            for table in (before, scanned):
                table.columns(data, (ts[:known], te[:known]), (req[:known], req[:known]), spec)
        want = before.columns(data, (ts, te), (req, req), spec)
        new = scanned.count
        columns, done = scan_interned(data, ScanBuffers(interned=True), scanned, spec)
        assert all((a == b).all() for a, b in zip(columns[3:7], (ts, te, ints, req), strict=True))
        assert (done == len(ts)) == (capacity == 4096) and 0 <= done <= len(ts)
        got = scanned.columns(data, (ts, te), (req, req), spec, (columns[-1], done, new))
        assert got is not None and want is not None and got.tolist() == want.tolist()
        assert (scanned.new, scanned.count) == (before.new, before.count) and before.count > 30
        assert [scanned.text(c) for c in range(scanned.count)] == [before.text(c) for c in range(before.count)]
