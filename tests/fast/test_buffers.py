"""Reused block buffers: a block still referred to is never overwritten, and the blocks still cover the file."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from processors.fast.buffers import Reusable
from streams.runtime.fastpath import _blocks, _line_count


def _lines(count: int) -> bytes:
    return b"".join(b"line %d %s\n" % (i, b"x" * (i % 37)) for i in range(count))


def test_held_blocks_keep_their_bytes_while_later_blocks_reuse_buffers(tmp_path):
    payload = _lines(5000)
    path = tmp_path / "in.log"
    path.write_bytes(payload)
    held, seen, firsts = [], [], []
    for k, (first, data) in enumerate(_blocks(str(path), 0, size=4096)):
        firsts.append(first)
        seen.append(bytes(data))
        if k % 3 == 0:  # a block still in flight: its view stays alive
            held.append((bytes(data), np.frombuffer(data, np.uint8)))
    assert b"".join(seen) == payload
    assert firsts[0] == 1 and firsts[-1] <= 5000 and firsts == sorted(firsts)
    for copy, view in held:
        assert view.tobytes() == copy  # never overwritten by a later block


def test_resume_and_gzip_with_reused_buffers(tmp_path):
    payload = _lines(3000)
    path = tmp_path / "in.log.gz"
    path.write_bytes(gzip.compress(payload))
    blocks = [(first, bytes(data)) for first, data in _blocks(str(path), 1234, size=2048)]
    assert blocks[0][0] == 1235
    assert b"".join(data for _, data in blocks) == b"".join(payload.splitlines(keepends=True)[1234:])


def test_pool_is_bounded_and_reuses_free_buffers():
    pool = Reusable(lambda n: np.empty(n, np.uint8), keep=2)
    held = [pool.get(100) for _ in range(3)]  # all referenced: three made, two kept
    assert len(pool.pool) == 2 and held[2] is pool.pool[1]
    del held
    again = pool.get(100)
    assert again is pool.pool[0] and len(again) >= 100
    assert pool.get(10_000) is not again  # too small: a new one


def test_blocks_take_the_line_count_the_consumer_sends_back(tmp_path):
    path = tmp_path / "in.log"
    path.write_bytes(_lines(3000))
    blocks, told, firsts, sizes = _blocks(str(path), 0, size=4096), None, [], []
    while True:
        try:
            first, data = blocks.send(told)
        except StopIteration:
            break
        firsts.append(first)
        told = bytes(data).count(b"\n") + 1000  # a consumer's own count: the next block numbers from it
        sizes.append(told)
    assert len(firsts) > 3
    assert all(b == a + n for a, b, n in zip(firsts, firsts[1:], sizes, strict=False))


@pytest.mark.parametrize("block", [
    b"a b\r\n\r\nc d\n", b"\n\n\n", b"x\n\ny", b"y", b"  \n\t\nz\r\n", b"\r\n" * 7 + b"tail without newline",
])
def test_every_fast_path_counts_the_lines_of_a_block_as_the_reader_does(block):
    """The reader numbers the next block from ``BlockBatch.lines``: each fast path must count as ``_line_count``."""
    from processors.chain import ParserSet, ProcessorChain
    from processors.fast.alb import AlbFastPath
    from processors.fast.cloudtrail import CloudTrailFastPath
    from processors.fast.vpcflow import VpcFlowFastPath

    paths = [VpcFlowFastPath(ProcessorChain("auto", "vpcflow", ParserSet(), [])),
             AlbFastPath(ProcessorChain("auto", "elb", ParserSet(), [])),
             CloudTrailFastPath(ProcessorChain("auto", "cloudtrail", ParserSet(), []))]
    for fast in paths:
        batch = fast.process("replay", "f.log", block, 1, {"key": "f.log"})
        assert batch.lines == _line_count(block, len(block)), type(fast).__name__
