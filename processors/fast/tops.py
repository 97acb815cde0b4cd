"""Top-value counters of column aggregation whose ``counts`` dict is built on first use.

``aggregate_columns`` computes every group's Misra-Gries counter in one
compiled pass (value codes and counts, group after group). Most of those
counters are never read: ``vpc_rejects`` explains only windows of keys with
some volume, and a one-off source's window closes without a look at its
tops. A ``LazyTopCounter`` keeps its group's slice of the block's arrays and
builds the very ``counts`` dict ``TopCounter`` would hold (same items, same
order) when anything reads it; it pickles and copies as a plain
``TopCounter``, so detector snapshots do not depend on this module.

>>> import pickle
>>> import numpy as np
>>> from detectors.sketches import TopCounter
>>> top = lazy_counter(2, 5, np.array(["c", "a"], object), np.array([3, 2]), 0, 2)
>>> top.total, top.counts, "c" in top
(5, {'c': 3, 'a': 2}, True)
>>> top.add("b"); top.counts
{'c': 2, 'a': 1}
>>> type(pickle.loads(pickle.dumps(top))) is TopCounter
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detectors.sketches import TopCounter

_COUNTS = TopCounter.__dict__["counts"]  # the base class's slot


class LazyTopCounter(TopCounter):
    """A ``TopCounter`` whose counts are ``values[a:b]`` with ``numbers[a:b]`` until first read.

    ``values`` (a sequence) and ``numbers`` (an array) are compact, shared by the counters of one block's
    groups (not views of the kernel's row-sized scratch: open windows keep them alive).
    """

    __slots__ = ("_values", "_numbers", "_a", "_b")

    @property  # type: ignore[override]
    def counts(self) -> dict[Any, int]:
        values = self._values
        if values is not None:
            a, b = self._a, self._b
            _COUNTS.__set__(self, dict(zip(values[a:b], self._numbers[a:b].tolist(), strict=True)))
            self._values = self._numbers = None
        return _COUNTS.__get__(self)

    @counts.setter
    def counts(self, value: dict[Any, int]) -> None:
        self._values = self._numbers = None
        _COUNTS.__set__(self, value)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return TopCounter, (self.capacity,), self.__getstate__()  # unpickles as a plain TopCounter


def lazy_counter(capacity: int, total: int, values: Any, numbers: np.ndarray, a: int, b: int) -> LazyTopCounter:
    """A counter holding ``values[a:b]`` with counts ``numbers[a:b]`` (in that order) and ``total``."""
    top = LazyTopCounter.__new__(LazyTopCounter)
    top.capacity, top.total = capacity, total
    top._values, top._numbers, top._a, top._b = values, numbers, a, b
    return top
