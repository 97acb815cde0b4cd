"""``alb_block.ends``: the same first stop byte as ``special | _spaces`` on every byte value at every position."""

from __future__ import annotations

import random

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from processors.fast.alb_block import ends
from processors.fast.vpcscan import _spaces
from processors.fast.words import load, special


@nb.njit(cache=True)
def _firsts(data):  # noqa: ANN001, ANN202
    """Per word at each offset: (index of the first byte ``ends`` flags, of the first ``special | _spaces`` flags)."""
    out = np.empty((len(data) - 7, 2), np.int64)
    for i in range(len(data) - 7):
        w = load(data, i)
        for k, m in enumerate((ends(w), special(w) | _spaces(w))):
            out[i, k] = 8 if m == np.uint64(0) else np.int64(trailing_zeros(m) >> 3)
    return out


def test_ends_flags_the_same_first_byte_as_special_or_space() -> None:
    rng = random.Random(3)
    chunks = []
    for byte in range(256):  # every byte value at every position of a word, among plain bytes and other stops
        for at in range(8):
            plain = [rng.randrange(33, 127) for _ in range(8)]
            plain[at] = byte
            chunks.append(bytes(plain))
            stops = plain.copy()
            stops[rng.randrange(at, 8)] = rng.choice((0, 10, 32, 34, 92, 127, 128, 255))
            chunks.append(bytes(stops))
    chunks += [bytes(rng.randrange(256) for _ in range(8)) for _ in range(20000)]
    data = np.frombuffer(b"".join(chunks), np.uint8)
    firsts = _firsts(data)
    assert (firsts[:, 0] == firsts[:, 1]).all()
    assert 0 < (firsts[:, 0] < 8).sum() < len(firsts) and (firsts[::8, 1] == 8).sum() > 100
