"""Big per-block buffers handed out again once nothing refers to them any more.

A fast path's block needs buffers of megabytes (the file bytes of the
block, its rendered NDJSON). A fresh one is a fresh memory map the kernel
zero-fills page by page on first write, every block (~2.5 ms per 4 MiB
here). ``Reusable.get`` returns a pooled buffer when its reference count
shows that only the pool holds it (no block in flight, no view, no test
holding a batch still refers to it), else makes a new one; at most
``keep`` are pooled, so memory stays bounded.

>>> pool = Reusable(bytearray)
>>> view = memoryview(pool.get(10))[:4]  # a block still in flight
>>> first = id(pool.pool[0])
>>> id(pool.get(10)) == first, len(pool.pool)
(False, 2)
>>> del view  # written and acknowledged
>>> id(pool.get(8)) == first
True
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np


class Reusable:
    """A bounded pool of buffers made by ``make(size)`` (``bytearray``, ``lambda n: np.empty(n, np.uint8)``)."""

    def __init__(self, make: Callable[[int], Any], keep: int = 4, slack: float = 0.25):
        self.make = make
        self.keep = keep
        self.slack = slack  # a new buffer gets this much room more: the next blocks' sizes vary a little
        self.pool: list[Any] = []

    def get(self, size: int) -> Any:
        """A buffer of at least ``size`` items that nothing else refers to."""
        pool = self.pool
        for k in range(len(pool)):
            # referenced by the pool's list and getrefcount's argument only: free
            if len(pool[k]) >= size and sys.getrefcount(pool[k]) == 2:
                return pool[k]
        buf = self.make(size + int(size * self.slack))
        if len(pool) >= self.keep:
            pool.pop(0)
        pool.append(buf)
        return buf


class ScanBuffers:
    """A block scanner's output arrays (one per ``(shape, dtype)`` of ``columns``, ``rows`` first), reused for
    the next block once nothing refers to them (``Reusable``): fresh arrays cost a page fault and a zeroed
    page per 4 KB written.

    >>> buffers = ScanBuffers([((), np.int64), ((3,), np.int32)])
    >>> [a.shape for a in buffers.get(10)]
    [(10,), (10, 3)]
    """

    def __init__(self, columns: list[tuple[tuple[int, ...], Any]]) -> None:
        self.columns = columns
        # slack: the next block may be a few bytes longer (the carried line), so a few rows more than this one
        self.pools = [Reusable(lambda n, shape=shape, dtype=dtype: np.empty((n,) + shape, dtype), keep=2, slack=1 / 16)
                      for shape, dtype in columns]

    def get(self, rows: int) -> list[np.ndarray]:
        return [pool.get(rows) for pool in self.pools]


def scan_rows(kernel: Callable[..., tuple[int, int]], data: np.ndarray, columns: list[tuple[tuple[int, ...], Any]],
              buffers: ScanBuffers | None, rows: int) -> tuple[np.ndarray, ...]:
    """Run a block scanner ``kernel(data, starts, ends, status, *fast_columns) -> (lines, fast lines)`` (-1
    lines: too few rows) on arrays of ``rows`` rows, four times more until they suffice; the first three
    arrays cut to the lines, the others to the fast lines. Views of ``buffers``' arrays (fresh ones without):
    valid while the caller holds them.
    """
    while True:
        out = buffers.get(rows) if buffers is not None else [np.empty((rows,) + s, d) for s, d in columns]
        n, fast = kernel(data, *out)
        if n >= 0:
            return tuple(a[:n] for a in out[:3]) + tuple(a[:fast] for a in out[3:])
        rows *= 4


class RenderBuffer:
    """The output buffer every chunk is rendered into, reused (grown when a chunk needs more).

    A fresh array per chunk cost a page fault and a zeroed page every
    4 KB (~1 GB of NDJSON per 1M VPC flow lines); a chunk's bytes are
    therefore only valid until the next chunk is rendered.

    >>> buffer = RenderBuffer()
    >>> first = buffer.get(16)
    >>> buffer.get(8) is first, len(buffer.get(32))
    (True, 32)
    """

    def __init__(self) -> None:
        self.array = np.empty(0, np.uint8)

    def get(self, size: int) -> np.ndarray:
        if len(self.array) < size:
            self.array = np.empty(size, np.uint8)
        return self.array


class Renders(Protocol):
    def chunk(self, a: int, b: int) -> memoryview: ...


def render_chunks(rendering: Renders | None, documents: int, rows: int) -> Iterator[tuple[memoryview, int]]:
    """(NDJSON bytes, documents) of a block's ``documents`` fast rows, ``rows`` at a time, in row order.

    Each chunk's bytes are valid until the next chunk is rendered (one reused buffer).

    >>> class Lines:
    ...     def chunk(self, a, b):
    ...         return memoryview(b"".join(b"%d\\n" % i for i in range(a, b)))
    >>> [(bytes(c), n) for c, n in render_chunks(Lines(), 5, 2)]
    [(b'0\\n1\\n', 2), (b'2\\n3\\n', 2), (b'4\\n', 1)]
    """
    if rendering is None:
        return
    for a in range(0, documents, rows):
        b = min(a + rows, documents)
        yield rendering.chunk(a, b), b - a
