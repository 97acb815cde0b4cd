"""Small mergeable sketches with hard memory bounds.

* ``TopCounter``: Misra-Gries heavy hitters. Holds at most ``capacity``
  counters; every item whose true count exceeds ``N / (capacity + 1)`` is
  guaranteed to be present, and counts are under-estimated by at most that.
  Used for the busiest keys (so they are never evicted) and for the top field
  values behind a finding.
* ``Distinct``: an exact set up to ``exact_limit`` items, then a HyperLogLog
  (1,024 one-byte registers, about 3 % error) plus a small sample kept for
  explanations. Used for distinct ports / hosts per source.

Both merge associatively, so partial aggregates computed by several workers
can be combined before scoring. Hashes are ``blake2b`` (stable across
processes, unlike ``hash()``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from typing import Any


class TopCounter:
    """Misra-Gries summary with at most ``capacity`` counters.

    >>> tc = TopCounter(2)
    >>> tc.update(["a", "a", "a", "b", "c", "a"])
    >>> tc.top(1)
    [('a', 3)]
    >>> "a" in tc, len(tc) <= 2
    (True, True)
    """

    __slots__ = ("capacity", "counts", "total")

    def __init__(self, capacity: int):
        self.capacity = max(1, capacity)
        self.counts: dict[Any, int] = {}
        self.total = 0

    def __contains__(self, item: Any) -> bool:
        return item in self.counts

    def __len__(self) -> int:
        return len(self.counts)

    def add(self, item: Any, n: int = 1) -> None:
        self.total += n
        counts = self.counts
        if item in counts:
            counts[item] += n
            return
        if len(counts) < self.capacity:
            counts[item] = n
            return
        self.counts = _spill(counts, item, n)

    def update(self, items: Iterable[Any]) -> None:
        for item in items:
            self.add(item)

    def merge(self, other: TopCounter) -> None:
        """``add`` every counter of ``other`` (in its order).

        >>> a, b = TopCounter(3), TopCounter(3)
        >>> a.update("xxy"); b.update("zzx"); a.merge(b); (a.counts, a.total)
        ({'x': 3, 'y': 1, 'z': 2}, 6)
        >>> c = TopCounter(4); c.update("wx"); c.merge(b); (c.counts, c.total)
        ({'w': 1, 'x': 2, 'z': 2}, 5)
        """
        counts, theirs, capacity = self.counts, other.counts, self.capacity
        if len(counts) + len(theirs) > capacity:  # ``add`` of each, inline
            added = 0
            for item, n in theirs.items():
                added += n
                if item in counts:
                    counts[item] += n
                elif len(counts) < capacity:
                    counts[item] = n
                else:
                    counts = _spill(counts, item, n)
            self.counts, self.total = counts, self.total + added
            return
        get, added = counts.get, 0  # room for every item: no decrement can happen, each add is a plain sum
        for item, n in theirs.items():
            counts[item] = get(item, 0) + n
            added += n
        self.total += added

    def top(self, n: int) -> list[tuple[Any, int]]:
        return sorted(self.counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:n]

    def decay(self, factor: float = 0.5) -> None:
        """Scale counts down so recent activity dominates; drops counters reaching zero."""
        self.counts = {k: int(v * factor) for k, v in self.counts.items() if int(v * factor) > 0}
        self.total = int(self.total * factor)

    def __getstate__(self) -> dict[str, Any]:
        return {"capacity": self.capacity, "counts": self.counts, "total": self.total}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.capacity, self.counts, self.total = state["capacity"], state["counts"], state["total"]


def _spill(counts: dict[Any, int], item: Any, n: int) -> dict[Any, int]:
    """A full summary's counts after ``add(item, n)``: every counter loses the smaller of ``n`` and the minimum,
    those at zero leave (the others keep their order), ``item`` comes last with what is left of ``n``.

    One comprehension instead of deleting and decrementing in place (same items, same order).

    >>> _spill({"a": 3, "b": 1, "c": 2}, "d", 1), _spill({"a": 3, "b": 2}, "d", 5), _spill({"a": 3, "b": 2}, "d", 1)
    ({'a': 2, 'c': 1}, {'a': 1, 'd': 3}, {'a': 2, 'b': 1})
    """
    dec = min(counts.values())
    if n < dec:
        dec = n
    out = {k: v - dec for k, v in counts.items() if v > dec}
    if n > dec:
        out[item] = n - dec
    return out


_P = 10
_M = 1 << _P
_ALPHA = 0.7213 / (1 + 1.079 / _M)


def _hash64(item: Any) -> int:
    return int.from_bytes(hashlib.blake2b(str(item).encode(), digest_size=8).digest(), "big")


class Distinct:
    """Distinct count: exact up to ``exact_limit`` items, HyperLogLog beyond.

    >>> d = Distinct(exact_limit=8)
    >>> d.update(range(5)); d.count()
    5
    >>> d.update(range(2000)); 1900 < d.count() < 2100
    True
    >>> len(d.sample) <= 8
    True
    """

    __slots__ = ("exact_limit", "items", "registers", "sample")

    def __init__(self, exact_limit: int = 128):
        self.exact_limit = exact_limit
        self.items: set[Any] | None = set()
        self.registers: bytearray | None = None
        self.sample: list[Any] = []

    def add(self, item: Any) -> None:
        items = self.items
        if items is not None:
            if item in items:
                return
            items.add(item)
            if len(self.sample) < self.exact_limit:
                self.sample.append(item)
            if len(items) > self.exact_limit:
                self._to_hll()
            return
        self._hll_add(item)

    def update(self, items: Iterable[Any]) -> None:
        """``add`` each item (with the exact set, sample and limit read once, not per item)."""
        values = iter(items)
        known, sample, limit = self.items, self.sample, self.exact_limit
        if known is not None:
            for item in values:
                if item in known:
                    continue
                known.add(item)
                if len(sample) < limit:
                    sample.append(item)
                if len(known) > limit:
                    self._to_hll()
                    break
        for item in values:  # past the exact limit
            self._hll_add(item)

    def _to_hll(self) -> None:
        self.registers = bytearray(_M)
        items, self.items = self.items or set(), None
        for item in items:
            self._hll_add(item)

    def _hll_add(self, item: Any) -> None:
        h = _hash64(item)
        idx = h >> (64 - _P)
        rest = h & ((1 << (64 - _P)) - 1)
        rank = (64 - _P) - rest.bit_length() + 1
        regs = self.registers
        assert regs is not None
        if rank > regs[idx]:
            regs[idx] = rank

    def count(self) -> int:
        if self.items is not None:
            return len(self.items)
        regs = self.registers
        assert regs is not None
        estimate = _ALPHA * _M * _M / sum(2.0**-r for r in regs)
        zeros = regs.count(0)
        if estimate <= 2.5 * _M and zeros:
            estimate = _M * math.log(_M / zeros)
        return int(round(estimate))

    def merge(self, other: Distinct) -> None:
        if other.items is not None:
            self.update(other.items)
        else:
            if self.items is not None:
                self._to_hll()
            assert self.registers is not None and other.registers is not None
            self.registers = bytearray(max(a, b) for a, b in zip(self.registers, other.registers, strict=True))
        sample, limit = self.sample, self.exact_limit
        for item in other.sample:
            if len(sample) >= limit:
                break
            if item not in sample:
                sample.append(item)

    def __getstate__(self) -> dict[str, Any]:
        return {"exact_limit": self.exact_limit, "items": self.items, "registers": self.registers, "sample": self.sample}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            setattr(self, key, value)
