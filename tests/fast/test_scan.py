"""``split_lines`` finds the lines the file source finds: split after each newline, trailing CR run removed."""

from __future__ import annotations

import random

import numpy as np

from processors.fast.scan import split_lines


def reference(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [line.rstrip(b"\r") for line in lines]


def test_split_lines_matches_bytes_split() -> None:
    rng = random.Random(3)
    cases = [b"", b"\n", b"a", b"a\n", b"a\r\n\r\n", b"\r", b"\r\r\n", b"a\nb", b"\n\n", b"x\r", b"a\r\nb\r"]
    cases += [bytes(rng.choice(b"ab\r\n ") for _ in range(rng.randint(0, 24))) for _ in range(5000)]
    for case in cases:
        data = np.frombuffer(case, np.uint8)
        starts, ends = split_lines(data)
        assert [case[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)] == reference(case), case
