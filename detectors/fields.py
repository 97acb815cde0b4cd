"""Fast field access on ECS documents and event-time extraction.

ECS documents are nested mappings (``{"source": {"ip": ...}}``) but some
producers write dotted keys (``{"source.ip": ...}``); ``field_getter`` reads
both. ``EventClock`` turns ``@timestamp`` into epoch seconds, caching the
parse per second-resolution prefix (one ``fromisoformat`` per distinct second
instead of one per event).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Getter = Callable[[dict[str, Any]], Any]


def field_getter(path: str) -> Getter:
    """Return a function reading ``path`` from a nested or flat document.

    >>> get = field_getter("source.ip")
    >>> get({"source": {"ip": "10.0.0.1"}}), get({"source.ip": "10.0.0.2"}), get({"source": "x"})
    ('10.0.0.1', '10.0.0.2', None)
    """
    parts = tuple(path.split("."))
    if len(parts) == 1:
        return lambda doc: doc.get(path)
    if len(parts) == 2:
        first, second = parts

        def get2(doc: dict[str, Any]) -> Any:
            node = doc.get(first)
            if node.__class__ is dict:
                value = node.get(second)
                if value is not None:
                    return value
            return doc.get(path)

        return get2
    if len(parts) == 3:
        first, second, third = parts

        def get3(doc: dict[str, Any]) -> Any:
            node = doc.get(first)
            if node.__class__ is dict:
                node = node.get(second)
                if node.__class__ is dict:
                    value = node.get(third)
                    if value is not None:
                        return value
            return doc.get(path)

        return get3

    def get(doc: dict[str, Any]) -> Any:
        node: Any = doc
        for part in parts:
            if not isinstance(node, dict):
                return doc.get(path)
            node = node.get(part)
            if node is None:
                return doc.get(path)
        return node

    return get


class EventClock:
    """Epoch seconds from a document's time field, with a bounded parse cache.

    Accepts ISO 8601 strings (``Z`` or an offset, any fraction), epoch seconds
    or milliseconds, and ``datetime`` objects; returns ``None`` for anything
    else (the caller counts and skips it).

    >>> clock = EventClock()
    >>> clock.epoch({"@timestamp": "2016-10-31T11:37:00.250Z"})
    1477913820.25
    >>> clock.epoch({"@timestamp": 1477913820123}), clock.epoch({"@timestamp": "bad"})
    (1477913820.123, None)
    """

    def __init__(self, path: str = "@timestamp", cache_size: int = 8192):
        self.get = field_getter(path)
        self.cache: dict[str, float | None] = {}
        self.cache_size = cache_size
        self.misses = 0

    def epoch(self, doc: dict[str, Any]) -> float | None:
        value = self.get(doc)
        if isinstance(value, str):
            return self._from_text(value)
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int | float):
            return value / 1000.0 if value > 1e11 else float(value)
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
        return None

    def _from_text(self, text: str) -> float | None:
        head, fraction, tz = text[:19], 0.0, text[19:]
        if tz.startswith("."):
            digits = tz[1:]
            end = 0
            while end < len(digits) and digits[end].isdigit():
                end += 1
            fraction = float("0." + digits[:end]) if end else 0.0
            tz = digits[end:]
        key = head + tz
        base = self.cache.get(key, -1.0)
        if base == -1.0:
            base = self._parse(head, tz)
            self.misses += 1
            if len(self.cache) >= self.cache_size:
                self.cache.clear()
            self.cache[key] = base
        return None if base is None else base + fraction

    @staticmethod
    def _parse(head: str, tz: str) -> float | None:
        if tz in ("Z", "z", ""):
            tz = "+00:00"
        try:
            parsed = datetime.fromisoformat(head + tz)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
