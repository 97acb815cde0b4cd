"""The word-at-a-time kernels against plain Python on every span of random and edge-case bytes."""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.words import copy, copy_ahead, first_special, load, plain8, same, span_hash, store


@nb.njit(cache=True)
def _plain_words(data):  # noqa: ANN001, ANN202
    out = np.zeros(len(data) - 7, np.bool_)
    first = np.zeros(len(data) - 7, np.int64)
    for i in range(len(data) - 7):
        out[i] = plain8(load(data, i))
        first[i] = first_special(load(data, i))
    return out, first


@nb.njit(cache=True)
def _roundtrip(data):  # noqa: ANN001, ANN202
    out = np.zeros(len(data), np.uint8)
    for i in range(0, len(data) - 7, 8):
        store(out, i, load(data, i))
    return out


def test_plain8_and_first_special_match_the_byte_rule() -> None:
    rng = np.random.default_rng(7)
    data = rng.integers(0, 256, 40_000, dtype=np.uint8)
    data[: len(data) // 2] = rng.integers(32, 127, len(data) // 2, dtype=np.uint8)  # mostly printable words too
    data[::97] = 34
    data[5::89] = 92
    data[9::83] = 127
    got, first = _plain_words(data)
    ok = (data >= 32) & (data < 127) & (data != 34) & (data != 92)
    want = np.array([ok[i:i + 8].all() for i in range(len(data) - 7)])
    assert got.any() and not got.all()
    assert (got == want).all()
    want_first = np.array([int(np.argmin(ok[i:i + 8])) if not ok[i:i + 8].all() else 8 for i in range(len(data) - 7)])
    assert (first == want_first).all() and set(first.tolist()) == set(range(9))


def test_copy_same_and_hash_on_every_span() -> None:
    rng = np.random.default_rng(3)
    src = rng.integers(0, 4, 64, dtype=np.uint8)  # few symbols: many equal spans
    for a in range(40):
        for n in range(0, 24):
            out = np.full(n + 10, 255, np.uint8)
            assert copy(out, 5, src, a, a + n) == 5 + n
            assert bytes(out[5:5 + n]) == bytes(src[a:a + n]) and (out[:5] == 255).all() and (out[5 + n:] == 255).all()
            ahead = np.full(n + 18, 255, np.uint8)
            assert copy_ahead(ahead, 5, src, a, a + n) == 5 + n  # may scribble up to 8 bytes after the span
            assert bytes(ahead[5:5 + n]) == bytes(src[a:a + n]) and (ahead[:5] == 255).all()
            assert (ahead[5 + n + 8:] == 255).all()
            for c in range(0, 40, 3):
                equal = bytes(src[a:a + n]) == bytes(src[c:c + n])
                assert same(src, a, src, c, n) == equal
                if equal:
                    assert span_hash(src, a, a + n) == span_hash(src, c, c + n)
    assert len({int(span_hash(src, 0, n)) for n in range(40)}) == 40
    assert bytes(_roundtrip(src)) == bytes(src)


def test_byte_positions_split_lines_as_the_vectorised_comparison() -> None:
    from processors.fast.scan import _line_bounds, split_lines
    from processors.fast.words import byte_positions

    rng = np.random.default_rng(11)
    for size in [0, 1, 7, 8, 9, 15, 16, 17, 100, 5000]:
        for _ in range(20):
            data = rng.choice(np.frombuffer(b"ab\n\r\x0b\x01 ", np.uint8), size)  # 0x0b, 0x01: near misses
            assert byte_positions(data, 10).tolist() == np.flatnonzero(data == 10).tolist()
            starts, ends = split_lines(data)
            got = _line_bounds(data, byte_positions(data, 10))
            assert got[0].tolist() == starts.tolist() and got[1].tolist() == ends.tolist()
    many = np.full(3000, 10, np.uint8)  # more positions than the first output buffer holds
    assert byte_positions(many, 10).tolist() == list(range(3000))
