"""A bounded cache with expiry and negative entries, for look-ups served from a remote API.

An entry older than its TTL is still served (``STALE``) so callers never wait;
the caller queues a refresh. Unknown keys are remembered as ``NEGATIVE`` for a
shorter TTL so they are not asked for again and again. When full, the entry
written longest ago is evicted.

>>> now = [0.0]
>>> cache = TtlCache(max_entries=2, ttl=10, negative_ttl=5, clock=lambda: now[0])
>>> cache.put("a", 1); cache.put("b", None)
>>> cache.get("a"), cache.get("b"), cache.get("c")
((<Lookup.HIT: 'hit'>, 1), (<Lookup.NEGATIVE: 'negative'>, None), (<Lookup.MISS: 'miss'>, None))
>>> now[0] = 6; cache.get("b")[0], cache.get("a")[0]
(<Lookup.MISS: 'miss'>, <Lookup.HIT: 'hit'>)
>>> now[0] = 11; cache.get("a")
(<Lookup.STALE: 'stale'>, 1)
>>> cache.put("c", 3); cache.put("d", 4); len(cache), cache.get("a")[0]
(2, <Lookup.MISS: 'miss'>)
"""

from __future__ import annotations

import enum
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Lookup(enum.Enum):
    HIT = "hit"
    STALE = "stale"
    NEGATIVE = "negative"
    MISS = "miss"


class TtlCache(Generic[V]):
    def __init__(self, max_entries: int, ttl: float, negative_ttl: float, clock: Callable[[], float] = time.monotonic):
        if max_entries < 1:
            raise ValueError("max_entries must be >= 1")
        self.max_entries = max_entries
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, V | None]] = OrderedDict()

    def get(self, key: str) -> tuple[Lookup, V | None]:
        entry = self._items.get(key)
        if entry is None:
            return Lookup.MISS, None
        written, value = entry
        age = self.clock() - written
        if value is None:
            if age > self.negative_ttl:
                del self._items[key]
                return Lookup.MISS, None
            return Lookup.NEGATIVE, None
        return (Lookup.HIT if age <= self.ttl else Lookup.STALE), value

    def put(self, key: str, value: V | None) -> None:
        """Store ``value`` (None records that the key does not exist)."""
        items = self._items
        if key in items:
            del items[key]
        items[key] = (self.clock(), value)
        while len(items) > self.max_entries:
            items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
