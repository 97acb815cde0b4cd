"""The compiled id kernels against the reference definitions (``event_id``, hashlib)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from processors.fast.render import event_ids
from processors.fast.scan import distinct_codes
from streams.core.model import Position, event_id


@pytest.mark.parametrize("path", ["f.log", "/var/log/vpc/" + "x" * 120 + ".log"])  # one BLAKE2b block, and more
def test_event_ids_equal_event_id(path: str) -> None:
    numbers = np.array([1, 2, 9, 10, 11, 99, 100, 7, 123_456, 999_999, 1_000_000, 3, 10**12], np.int64)
    out = np.empty((len(numbers), 32), np.uint8)
    event_ids(np.frombuffer(f"{path}\x1f\x1f".encode(), np.uint8), numbers, out)
    got = [row.tobytes().decode() for row in out]
    # the fast path's rows are file lines: source and partition are empty in the hashed key
    assert got == [event_id(Position("replay", path, "", str(n))) for n in numbers.tolist()]
    assert got[0] == hashlib.blake2b(f"{path}\x1f\x1f1\x1f0\x1f0".encode(), digest_size=16).hexdigest()


def test_distinct_codes_first_appearance() -> None:
    values = np.random.default_rng(7).integers(0, 5000, 100_000)
    codes, uniq = distinct_codes(values)
    assert (uniq[codes] == values).all() and len(uniq) == len(np.unique(values))
    _, first = np.unique(values, return_index=True)
    assert uniq.tolist() == values[np.sort(first)].tolist()


def test_port_codes_equal_distinct_codes() -> None:
    from processors.fast.tables import port_codes

    rng = np.random.default_rng(3)
    for values in (rng.integers(0, 65536, 50_000), rng.choice([0, 53, 443, 65535], 1000), np.zeros(0, np.int64)):
        codes, uniq = port_codes(values)
        expected_codes, expected_uniq = distinct_codes(values)
        assert codes.tolist() == expected_codes.tolist() and uniq.tolist() == expected_uniq.tolist()
