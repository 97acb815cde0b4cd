"""Bounded caches for enrichers, with hit/miss metrics published per batch.

``LruFunction`` wraps a pure function of one hashable argument in
``functools.lru_cache`` (a C-implemented bounded LRU, the cheapest cache
Python has) and turns its ``cache_info()`` counters into the shared
``CACHE_LOOKUPS`` / ``CACHE_SIZE`` metrics. Enrichers call ``publish()``
once per batch, so the hot path pays nothing for the metrics.

>>> square = LruFunction(lambda x: x * x, maxsize=2, name="doctest_square")
>>> [square.get(3), square.get(3), square.get(4), square.get(5)]
[9, 9, 16, 25]
>>> square.stats()
(1, 3, 2)
>>> square.publish()
>>> square.clear()
>>> square.stats()
(0, 0, 0)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Generic, TypeVar

from streams.core.metrics import CACHE_LOOKUPS, CACHE_SIZE

K = TypeVar("K")
V = TypeVar("V")


class LruFunction(Generic[K, V]):
    """A bounded LRU memo of ``fn`` whose statistics feed the cache metrics."""

    __slots__ = ("get", "_fn", "_maxsize", "name", "_hits", "_misses", "_hit_metric", "_miss_metric", "_size_metric")

    def __init__(self, fn: Callable[[K], V], maxsize: int, name: str):
        if maxsize < 1:
            raise ValueError("maxsize must be >= 1 (every cache is bounded)")
        self._fn = fn
        self._maxsize = maxsize
        self.name = name
        self._hits = 0
        self._misses = 0
        self._hit_metric = CACHE_LOOKUPS.labels(name, "hit")
        self._miss_metric = CACHE_LOOKUPS.labels(name, "miss")
        self._size_metric = CACHE_SIZE.labels(name)
        #: the memoised function: ``cache.get(key)`` returns ``fn(key)``
        self.get: Callable[[K], V] = functools.lru_cache(maxsize=maxsize)(fn)

    def stats(self) -> tuple[int, int, int]:
        """(hits, misses, current size) since creation or the last ``clear()``."""
        info = self.get.cache_info()  # type: ignore[attr-defined]
        return info.hits, info.misses, info.currsize

    def publish(self) -> None:
        """Add the hits and misses seen since the last publish to the metrics."""
        hits, misses, size = self.stats()
        if hits > self._hits:
            self._hit_metric.inc(hits - self._hits)
        if misses > self._misses:
            self._miss_metric.inc(misses - self._misses)
        self._hits, self._misses = hits, misses
        self._size_metric.set(size)

    def clear(self) -> None:
        """Drop every entry (after a database reload); statistics restart from zero."""
        self.publish()
        self.get.cache_clear()  # type: ignore[attr-defined]
        self._hits = self._misses = 0
        self._size_metric.set(0)


def record_lookups(name: str, result: str, count: int) -> None:
    """Count ``count`` look-ups of ``cache`` with ``result`` (hit, miss, negative, stale...)."""
    if count:
        CACHE_LOOKUPS.labels(name, result).inc(count)


def cache_size(name: str, size: int) -> None:
    CACHE_SIZE.labels(name).set(size)

