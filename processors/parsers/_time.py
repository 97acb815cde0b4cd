"""Timestamp rendering for parsers: ISO 8601 UTC with milliseconds.

Hot paths convert epoch seconds with arithmetic plus a bounded cache of day
prefixes, never one ``datetime`` per line.

>>> epoch_iso(1477913708)
'2016-10-31T11:35:08.000Z'
>>> epoch_ms_iso(1700000000123)
'2023-11-14T22:13:20.123Z'
>>> iso_ms("2018-07-02T22:23:00.186094Z")
'2018-07-02T22:23:00.186Z'
>>> iso_ms("2023-06-10T15:36:28+02:00")
'2023-06-10T13:36:28.000Z'
>>> clf_iso("10/Jun/2023:15:36:28 +0000")
'2023-06-10T15:36:28.000Z'
>>> iso_ms("yesterday") is None
True
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.core.metrics import CACHE_SIZE

_DAY_CACHE: dict[int, str] = {}
_DAY_CACHE_MAX = 4096
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def _day_prefix(day: int) -> str:
    prefix = _DAY_CACHE.get(day)
    if prefix is None:
        if len(_DAY_CACHE) >= _DAY_CACHE_MAX:
            _DAY_CACHE.clear()
        prefix = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
        _DAY_CACHE[day] = prefix
        CACHE_SIZE.labels(cache="parser_day_prefix").set(len(_DAY_CACHE))
    return prefix


def epoch_iso(seconds: int) -> str:
    """Epoch seconds to ``YYYY-MM-DDTHH:MM:SS.000Z`` (raises on absurd values)."""
    day, rest = divmod(seconds, 86400)
    if not -719162 <= day <= 2932896:
        raise ValueError(f"epoch seconds out of range: {seconds}")
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return f"{_day_prefix(day)}{hour:02d}:{minute:02d}:{second:02d}.000Z"


def epoch_ms_iso(millis: int) -> str:
    """Epoch milliseconds to ISO with milliseconds."""
    seconds, ms = divmod(int(millis), 1000)
    return f"{epoch_iso(seconds)[:-5]}.{ms:03d}Z"


def _plausible(text: str) -> bool:
    """Cheap range check of ``YYYY-MM-DDTHH:MM:SS`` so the fast path never emits an impossible date."""
    head = text[:19]
    if len(head) != 19 or not (head[:4] + head[5:7] + head[8:10] + head[11:13] + head[14:16] + head[17:19]).isdigit():
        return False
    return 1 <= int(head[5:7]) <= 12 and 1 <= int(head[8:10]) <= 31 and int(head[11:13]) < 24 \
        and int(head[14:16]) < 60 and int(head[17:19]) < 60


def iso_ms(text: str) -> str | None:
    """Normalise an ISO 8601 timestamp to UTC with milliseconds; None if unreadable."""
    if not isinstance(text, str):
        return None
    if len(text) >= 20 and text[-1] == "Z" and text[10] == "T" and text[4] == "-" and text[13] == ":":
        frac = text[20:-1] if len(text) > 20 and text[19] == "." else ""
        if (frac.isdigit() or frac == "") and _plausible(text):
            return f"{text[:19]}.{(frac + '000')[:3]}Z"
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except (ValueError, TypeError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def clf_iso(text: str) -> str | None:
    """Common Log Format time (``10/Oct/2000:13:55:36 -0700``) to ISO; None if unreadable."""
    try:
        day, mon, rest = text.split("/", 2)
        year, hms = rest[:4], rest[5:13]
        offset = rest[14:].strip() or "+0000"
        value = datetime(
            int(year), _MONTHS[mon], int(day), int(hms[:2]), int(hms[3:5]), int(hms[6:8]), tzinfo=UTC
        )
        sign = -1 if offset[0] == "-" else 1
        value -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    except (ValueError, KeyError, IndexError):
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
