"""Event-time tumbling windows with a watermark and bounded per-key state.

Aggregation is kept apart from scoring so partial aggregates from several
workers can be merged before a window is scored:

* ``Partial``: the per-key, per-window aggregate (count, named sums, top field
  values, distinct-value sketches, a few sample event ids). ``merge`` is
  associative and commutative.
* ``WindowTable``: open windows keyed by their start (epoch seconds, aligned
  to multiples of the window length). The watermark is the maximum event time
  seen minus the allowed lateness; a window closes once its end is at or
  below the watermark. Entries for an already closed window are *late*: they
  are counted (``late_entries``), never silently merged into the past.
* ``BoundedTable``: an LRU mapping with at most ``max_keys`` entries whose
  eviction skips the current heavy hitters (a Misra-Gries ``TopCounter``), so
  a flood of one-off keys (a million spoofed source IPs) cannot push out the
  busiest keys and memory stays bounded.

>>> table = WindowTable(window_seconds=60, lateness_seconds=10, max_keys=100, heavy_hitters=10)
>>> p = Partial(); p.count = 3
>>> table.merge({(0, ("eni", "eni-1")): p}, max_time=75.0)
>>> table.due_windows()
[0]
>>> table.pop(0)[("eni", "eni-1")].count
3
>>> table.merge({(0, ("eni", "eni-1")): p}, max_time=80.0)  # window 0 is closed: late
>>> table.late_entries
3
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from detectors.sketches import Distinct, TopCounter

Key = tuple[str, str]
V = TypeVar("V")


class Partial:
    """A mergeable aggregate of the entries of one key in one window.

    >>> a, b = Partial(), Partial()
    >>> a.add_event("e1", 10.0, 4); a.add_sum("rejects", 1); a.add_top("destination.port", 22, 8)
    >>> b.add_event("e2", 12.0, 4); b.add_distinct("ports", 22); b.add_distinct("ports", 23)
    >>> a.merge(b); (a.count, a.sums["rejects"], a.distinct["ports"].count(), a.samples)
    (2, 1.0, 2, ['e1', 'e2'])
    """

    __slots__ = ("count", "sums", "tops", "distinct", "samples", "first", "last")

    def __init__(
        self,
        count: int = 0,
        sums: dict[str, float] | None = None,
        tops: dict[str, TopCounter] | None = None,
        distinct: dict[str, Distinct] | None = None,
        samples: list[str] | None = None,
        first: float = math.inf,
        last: float = -math.inf,
    ):
        self.count = count
        self.sums: dict[str, float] = {} if sums is None else sums
        self.tops: dict[str, TopCounter] = {} if tops is None else tops
        self.distinct: dict[str, Distinct] = {} if distinct is None else distinct
        self.samples: list[str] = [] if samples is None else samples
        self.first = first
        self.last = last

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, state[name])

    def add_event(self, event_id: str, t: float, max_samples: int) -> None:
        self.count += 1
        if t < self.first:
            self.first = t
        if t > self.last:
            self.last = t
        if len(self.samples) < max_samples:
            self.samples.append(event_id)

    def add_sum(self, name: str, value: float) -> None:
        self.sums[name] = self.sums.get(name, 0.0) + value

    def add_top(self, name: str, value: Any, capacity: int) -> None:
        counter = self.tops.get(name)
        if counter is None:
            counter = self.tops[name] = TopCounter(capacity)
        counter.add(value)

    def add_distinct(self, name: str, value: Any, exact_limit: int = 128) -> None:
        sketch = self.distinct.get(name)
        if sketch is None:
            sketch = self.distinct[name] = Distinct(exact_limit)
        sketch.add(value)

    def merge(self, other: Partial, max_samples: int = 10) -> None:
        self.count += other.count
        self.first = min(self.first, other.first)
        self.last = max(self.last, other.last)
        for name, value in other.sums.items():
            self.add_sum(name, value)
        for name, counter in other.tops.items():
            mine = self.tops.get(name)
            if mine is None:
                self.tops[name] = counter
            else:
                mine.merge(counter)
        for name, sketch in other.distinct.items():
            own = self.distinct.get(name)
            if own is None:
                self.distinct[name] = sketch
            else:
                own.merge(sketch)
        room = max_samples - len(self.samples)
        if room > 0:
            self.samples.extend(other.samples[:room])


class BoundedTable(Generic[V]):
    """At most ``max_keys`` entries, least recently used evicted first, never a protected key.

    >>> hot = TopCounter(1); hot.add("busy", 100)
    >>> t = BoundedTable(2, protected=hot.__contains__)
    >>> for k in ["busy", "a", "b", "c"]:
    ...     _ = t.get_or_create(k, dict)
    >>> sorted(t.keys()), t.evictions
    (['busy', 'c'], 2)
    """

    def __init__(self, max_keys: int, protected: Callable[[Any], bool] | None = None):
        self.max_keys = max_keys
        self.protected = protected or (lambda key: False)
        self.items: OrderedDict[Any, V] = OrderedDict()
        self.evictions = 0
        self.last_evicted: V | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, key: Any) -> bool:
        return key in self.items

    def get(self, key: Any) -> V | None:
        return self.items.get(key)

    def keys(self) -> Iterator[Any]:
        return iter(list(self.items))

    def get_or_create(self, key: Any, make: Callable[[], V]) -> V:
        items = self.items
        value = items.get(key)
        if value is not None:
            items.move_to_end(key)
            return value
        if len(items) >= self.max_keys:
            self._evict_one()
        value = items[key] = make()
        return value

    def _evict_one(self) -> None:
        items = self.items
        for _ in range(len(items)):
            key = next(iter(items))
            if self.protected(key):
                items.move_to_end(key)
                continue
            self.last_evicted = items.pop(key)
            self.evictions += 1
            return
        self.last_evicted = items.popitem(last=False)[1]  # everything protected: plain LRU
        self.evictions += 1

    def pop(self, key: Any) -> V | None:
        return self.items.pop(key, None)


class WindowTable:
    """Open tumbling windows of partials per key, closed by the watermark."""

    def __init__(
        self,
        window_seconds: int,
        lateness_seconds: float,
        max_keys: int,
        heavy_hitters: int,
        max_gap_windows: int = 1440,
        max_samples: int = 10,
    ):
        self.window = int(window_seconds)
        self.lateness = lateness_seconds
        self.max_keys = max_keys
        self.max_gap_windows = max_gap_windows
        self.max_samples = max_samples
        self.hot = TopCounter(heavy_hitters)
        self.windows: dict[int, BoundedTable[Partial]] = {}
        self.watermark = -math.inf
        self.closed_until = -math.inf  # every window starting before this is closed
        self.late_entries = 0
        self.evicted_entries = 0
        self.skipped_windows = 0

    def window_start(self, t: float) -> int:
        return int(t // self.window) * self.window

    def merge(self, partials: dict[tuple[int, Key], Partial], max_time: float | None) -> None:
        """Merge partial aggregates; entries of closed windows are counted as late."""
        hot, windows, closed_until = self.hot, self.windows, self.closed_until
        table: BoundedTable[Partial] | None = None
        table_start = None
        for (start, key), partial in partials.items():
            n = partial.count
            if start < closed_until:
                self.late_entries += n
                continue
            hot.add(key, n)
            if start != table_start:
                table = windows.get(start)
                if table is None:
                    table = windows[start] = BoundedTable(self.max_keys, hot.__contains__)
                table_start = start
            items = table.items  # type: ignore[union-attr]
            current = items.get(key)
            if current is None:  # a new key: stored as is (BoundedTable.get_or_create without a throwaway value)
                if len(items) >= table.max_keys:  # type: ignore[union-attr]
                    table._evict_one()  # type: ignore[union-attr]
                    if table.last_evicted is not None:  # type: ignore[union-attr]
                        self.evicted_entries += table.last_evicted.count  # type: ignore[union-attr]
                        table.last_evicted = None  # type: ignore[union-attr]
                items[key] = partial
            else:
                current.merge(partial, self.max_samples)
        if max_time is not None:
            self.advance_to(max_time - self.lateness)

    def advance_to(self, watermark: float) -> None:
        if watermark > self.watermark:
            self.watermark = watermark

    def due_windows(self, flush: bool = False) -> list[int]:
        """Starts of the windows the watermark closes, oldest first (empty ones included).

        Marks them closed; the caller then ``pop``s each. A gap longer than
        ``max_gap_windows`` is cut short: only its most recent windows are
        returned (the rest are counted in ``skipped_windows``).
        """
        w = self.window
        if self.closed_until == -math.inf:
            if not self.windows:
                return []
            first = min(self.windows)
        else:
            first = int(self.closed_until)
        if flush:
            last = max(self.windows) if self.windows else first - w
        else:
            if self.watermark == -math.inf:
                return []
            last = self.window_start(self.watermark) - w
        if last < first:
            return []
        count = (last - first) // w + 1
        empty_from = first
        if count > self.max_gap_windows:
            empty_from = last - (self.max_gap_windows - 1) * w
            self.skipped_windows += count - self.max_gap_windows
        starts = {s for s in self.windows if s <= last} | set(range(empty_from, last + 1, w))
        self.closed_until = last + w
        self.hot.decay(0.5)
        return sorted(starts)

    def pop(self, start: int) -> OrderedDict[Key, Partial]:
        table = self.windows.pop(start, None)
        return table.items if table is not None else OrderedDict()

    def tracked_keys(self) -> int:
        return sum(len(t) for t in self.windows.values())
