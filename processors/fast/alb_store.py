"""The fragments of the fast ALB path's interned values, kept across blocks in one buffer the render reads."""

from __future__ import annotations

import numpy as np


class FragmentStore:
    """Byte fragments kept across blocks in one buffer: what the render copies by fragment id (``buf``, ``offsets``).

    Equal fragments (the GeoIP fragment of every client of one network) are stored once. ``buf`` always has at
    least 16 bytes after the last fragment (a renderer may copy words).

    >>> store = FragmentStore()
    >>> store.add(b"ab"), store.add(b"cde"), store.add(b"ab"), store.longest
    (0, 1, 0, 3)
    >>> buf, offsets = store.packed()
    >>> offsets.tolist(), buf[offsets[1]:offsets[2]].tobytes()
    ([0, 2, 5], b'cde')
    """

    SLACK = 16

    def __init__(self, size: int = 1 << 16):
        self.buf = np.zeros(size, np.uint8)
        self.offsets = np.zeros(1024, np.int64)
        self.count = 0
        self.longest = 0
        self.ids: dict[bytes, int] = {}

    def add(self, frag: bytes) -> int:
        """Store ``frag`` (unless an equal one is stored); returns its id."""
        found = self.ids.get(frag)
        if found is not None:
            return found
        at, n = int(self.offsets[self.count]), len(frag)
        if at + n + self.SLACK > len(self.buf):
            self.buf = np.concatenate([self.buf, np.zeros(max(len(self.buf), n + self.SLACK), np.uint8)])
        if self.count + 2 > len(self.offsets):
            self.offsets = np.concatenate([self.offsets, np.zeros(len(self.offsets), np.int64)])
        self.buf[at:at + n] = np.frombuffer(frag, np.uint8)
        self.count += 1
        self.offsets[self.count] = at + n
        self.longest = max(self.longest, n)
        self.ids[frag] = self.count - 1
        return self.count - 1

    def packed(self) -> tuple[np.ndarray, np.ndarray]:
        """(bytes, offsets): fragment k is ``bytes[offsets[k]:offsets[k + 1]]``."""
        return self.buf, self.offsets[:self.count + 1]
