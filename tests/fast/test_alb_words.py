"""The word-at-a-time time and seconds checks against the byte-by-byte ones they stand in for."""

from __future__ import annotations

import random

import numba as nb
import numpy as np

from processors.fast.alb_scan import _calendar, iso_fast, seconds_ok
from processors.fast.alb_words import usual_seconds, usual_time


@nb.njit(cache=True)
def _times(data, starts, ends):  # noqa: ANN001, ANN202
    """Per span: (usual_time, usual_time without calendar, iso_fast, iso_fast and _calendar)."""
    out = np.zeros((len(starts), 4), np.int64)
    for r in range(len(starts)):
        a, b = starts[r], ends[r]
        out[r, 0], out[r, 1] = usual_time(data, a, b), usual_time(data, a, b, False)
        fast = iso_fast(data, a, b)
        out[r, 2] = fast
        out[r, 3] = fast and b - a >= 20 and _calendar(data, a)
    return out


@nb.njit(cache=True)
def _seconds(data, starts, ends):  # noqa: ANN001, ANN202
    out = np.zeros((len(starts), 2), np.int64)
    for r in range(len(starts)):
        out[r, 0], out[r, 1] = usual_seconds(data, starts[r], ends[r]), seconds_ok(data, starts[r], ends[r])
    return out


def _spans(tokens: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = b" ".join(tokens) + b" " * 8
    starts, at = [], 0
    for t in tokens:
        starts.append(at)
        at += len(t) + 1
    starts_a = np.array(starts, np.int64)
    return np.frombuffer(data, np.uint8), starts_a, starts_a + np.array([len(t) for t in tokens], np.int64)


def _mutations(base: bytes, rng: random.Random, count: int) -> list[bytes]:
    alphabet = b"0123456789-:.TZ/ x\x7f\xff\x00"
    out = []
    for _ in range(count):
        token = bytearray(base)
        for _ in range(rng.randint(1, 2)):
            token[rng.randrange(len(token))] = rng.choice(alphabet)
        out.append(bytes(token))
    return out


def test_usual_time_agrees_with_the_byte_checks() -> None:
    rng = random.Random(9)
    tokens = [b"2018-07-02T22:23:00.186641Z", b"2024-02-29T23:59:59.999999Z", b"2023-02-29T00:00:00.000000Z",
              b"2100-02-29T00:00:00.000000Z", b"2000-02-29T00:00:00.000000Z", b"0000-01-01T00:00:00.000000Z",
              b"2018-04-31T00:00:00.000000Z", b"2018-13-01T00:00:00.000000Z", b"2018-07-02T24:00:00.000000Z",
              b"2018-07-02T22:60:00.000000Z", b"2018-07-02T22:23:60.000000Z", b"2018-00-02T22:23:00.000000Z",
              b"2018-07-00T22:23:00.000000Z", b"2018-07-02T22:23:00Z", b"2018-07-02T22:23:00.1Z",
              b"2018-07-02T22:23:00.18664Z", b"2018-07-02T22:23:00.1866412Z", b"2018-07-02T22:23:00x186641Z"]
    for base in tokens[:2]:
        tokens += _mutations(base, rng, 3000)
    for _ in range(500):  # random digits everywhere: ranges and calendar days
        tokens.append(f"{rng.randint(0, 9999):04}-{rng.randint(0, 19):02}-{rng.randint(0, 39):02}T{rng.randint(0, 29):02}:"
                      f"{rng.randint(0, 69):02}:{rng.randint(0, 69):02}.{rng.randint(0, 999999):06}Z".encode())
    data, starts, ends = _spans(tokens)
    got = _times(data, starts, ends)
    usual = got[:, 0] >= 0
    assert usual.sum() > 1000 and (~usual).sum() > 1000  # both ways taken
    assert (got[usual, 0] == got[usual, 3]).all()  # the scanner's @timestamp check
    assert (got[usual, 1] == got[usual, 2]).all()  # the request creation time's check
    assert (got[~usual, 1] < 0).all()
    assert got[usual, 0].sum() > 100 and (got[usual, 0] == 0).sum() > 100


def test_usual_seconds_implies_seconds_ok() -> None:
    rng = random.Random(3)
    tokens = [f"{rng.randint(0, 9)}.{rng.randint(0, 999):03}".encode() for _ in range(2000)]
    tokens += _mutations(b"0.035", rng, 2000) + [b"0.000", b"1.000", b"-1", b"-", b"0.0001", b"12.5", b"0.03"]
    data, starts, ends = _spans(tokens)
    got = _seconds(data, starts, ends)
    assert (got[got[:, 0] == 1, 1] == 1).all()
    assert got[:, 0].sum() > 2000 and (got[:, 0] == 0).sum() > 100
