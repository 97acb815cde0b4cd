"""Reused block buffers: a block still referred to is never overwritten, and the blocks still cover the file."""

from __future__ import annotations

import gzip

import numpy as np

from processors.fast.buffers import Reusable
from streams.runtime.fastpath import _blocks


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
