"""Distinct-value sketches of column aggregation whose exact set is built on first use.

``port_scan`` keeps three ``Distinct`` sketches per source and window
(ports, hosts, accepted ports): ~70k per 1M VPC flow lines, of which a
handful are ever read beyond their size (the sources that come near a
threshold). A ``LazyDistinct`` keeps its group's slice of the block's
first-seen value codes; ``count()`` is the slice's length, and the very
``items`` set and ``sample`` list ``Distinct`` would hold are built when
anything reads them. It pickles and copies as a plain ``Distinct``, so
detector snapshots do not depend on this module.

>>> import pickle
>>> import numpy as np
>>> from detectors.sketches import Distinct
>>> table = np.array([22, 80, 443], object)
>>> d = lazy_distinct(8, table, np.array([2, 0, 1]), 0, 2)
>>> d.count(), d.sample, d.items == {443, 22}
(2, [443, 22], True)
>>> d.add(80); d.count(), d.sample
(3, [443, 22, 80])
>>> ref = Distinct(8); ref.update([443, 22])
>>> back = pickle.loads(pickle.dumps(lazy_distinct(8, table, np.array([2, 0]), 0, 2)))
>>> type(back) is Distinct, back.__getstate__() == ref.__getstate__()
(True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detectors.sketches import Distinct

_ITEMS, _SAMPLE = Distinct.__dict__["items"], Distinct.__dict__["sample"]  # the base class's slots


class LazyDistinct(Distinct):
    """A ``Distinct`` in its exact state whose values are ``table[codes[a:b]]`` (first-seen order) until first read.

    ``table`` (code -> value) and ``codes`` are shared by the sketches of one block's groups.
    """

    __slots__ = ("_table", "_codes", "_a", "_b")

    def _load(self) -> None:
        group = self._table[self._codes[self._a:self._b]].tolist()
        _ITEMS.__set__(self, set(group))
        _SAMPLE.__set__(self, group)
        self._table = self._codes = None

    @property  # type: ignore[override]
    def items(self) -> set[Any] | None:
        if self._table is not None:
            self._load()
        return _ITEMS.__get__(self)

    @items.setter
    def items(self, value: set[Any] | None) -> None:
        if self._table is not None:
            self._load()
        _ITEMS.__set__(self, value)

    @property  # type: ignore[override]
    def sample(self) -> list[Any]:
        if self._table is not None:
            self._load()
        return _SAMPLE.__get__(self)

    @sample.setter
    def sample(self, value: list[Any]) -> None:
        if self._table is not None:
            self._load()
        _SAMPLE.__set__(self, value)

    def count(self) -> int:
        return self._b - self._a if self._table is not None else Distinct.count(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return Distinct, (self.exact_limit,), self.__getstate__()  # unpickles as a plain Distinct


def lazy_distinct(limit: int, table: np.ndarray, codes: np.ndarray, a: int, b: int) -> LazyDistinct:
    """An exact ``Distinct(limit)`` that has seen ``table[codes[a:b]]`` in that order (``b - a <= limit``)."""
    sketch = LazyDistinct.__new__(LazyDistinct)
    sketch.exact_limit, sketch.registers = limit, None
    sketch._table, sketch._codes, sketch._a, sketch._b = table, codes, a, b
    return sketch
