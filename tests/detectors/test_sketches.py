"""``TopCounter`` against Misra-Gries written out the plain way (delete and decrement in place)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from detectors.sketches import TopCounter


class _PlainTopCounter:
    """The summary as first written: the order of ``counts`` after evictions is part of what must not change."""

    def __init__(self, capacity: int):
        self.capacity, self.counts, self.total = max(1, capacity), {}, 0

    def add(self, item: Any, n: int = 1) -> None:
        self.total += n
        counts: dict[Any, int] = self.counts
        if item in counts:
            counts[item] += n
            return
        if len(counts) < self.capacity:
            counts[item] = n
            return
        dec = min(n, min(counts.values()))
        for key in [k for k, v in counts.items() if v <= dec]:
            del counts[key]
        for key in counts:
            counts[key] -= dec
        if n > dec:
            counts[item] = n - dec

    def merge(self, other: _PlainTopCounter) -> None:
        for item, n in other.counts.items():
            self.add(item, n)


@pytest.mark.parametrize("capacity", [1, 2, 3, 8, 32])
def test_adds_and_merges_equal_the_plain_summary(capacity: int) -> None:
    rng = random.Random(capacity)
    for _ in range(400):
        ours, plain = TopCounter(capacity), _PlainTopCounter(capacity)
        for _ in range(rng.randint(1, 40)):
            if rng.random() < 0.3:  # a partial's counter merged in
                other, other_plain = TopCounter(capacity), _PlainTopCounter(capacity)
                for _ in range(rng.randint(0, 50)):
                    item, n = rng.randint(0, 40), rng.randint(1, 5)
                    other.add(item, n)
                    other_plain.add(item, n)
                ours.merge(other)
                plain.merge(other_plain)
            else:
                item, n = rng.randint(0, 40), rng.randint(1, 4)
                ours.add(item, n)
                plain.add(item, n)
            assert (list(ours.counts.items()), ours.total) == (list(plain.counts.items()), plain.total)
