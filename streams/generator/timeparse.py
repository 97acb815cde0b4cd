"""Simulated-time settings: durations like ``90s``/``30m``/``1h30m`` and starts like ``now-2h`` or ISO times.

>>> parse_duration("1h30m"), parse_duration(45), parse_duration("2d")
(5400.0, 45.0, 172800.0)
>>> parse_start("2024-01-02T00:00:00Z", None, now=0.0)
1704153600.0
>>> parse_start("now-2h", None, now=10_000.0), parse_start(None, 600.0, now=10_000.0)
(2800.0, 9400.0)
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
DEFAULT_LOOKBACK = 3600.0


def parse_duration(value: str | float | int) -> float:
    """Seconds from a number or a string of ``<n><unit>`` parts (ms, s, m, h, d)."""
    if isinstance(value, int | float):
        return float(value)
    text = value.strip().lower().replace(" ", "")
    try:
        return float(text)
    except ValueError:
        pass
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {value!r} (use e.g. 90s, 30m, 1h30m)")
    return sum(float(n) * _UNIT[u] for n, u in parts)


def parse_start(value: str | None, duration: float | None, now: float | None = None) -> float:
    """Epoch seconds of the simulated start: ISO time, ``now``, ``now-<duration>``, or now minus the run's duration."""
    now = time.time() if now is None else now
    if value is None:
        return now - (duration if duration is not None else DEFAULT_LOOKBACK)
    text = value.strip()
    if text == "now":
        return now
    if text.startswith("now-"):
        return now - parse_duration(text[4:])
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a start time: {value!r} (use an ISO time, 'now' or 'now-2h')") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def iso(epoch: float) -> str:
    """``2024-01-02T00:00:00Z`` form of an epoch time (second precision).

    >>> iso(1704153600.4)
    '2024-01-02T00:00:00Z'
    """
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
