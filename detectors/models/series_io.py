"""Reading ``timestamp,value`` CSV series (NAB layout) for offline scoring.

Timestamps may be ISO 8601 (``2014-02-14 14:27:00``, ``...T...Z``, offsets;
naive ones are UTC) or epoch seconds / milliseconds (numbers above 1e11 are
milliseconds). A header row is optional. Bad rows come back as
:class:`BadRow` values with their line number, never as exceptions.

>>> rows = list(read_series(["timestamp,value", "2014-02-14 14:27:00,3", "oops", "1392388080000,nan"]))
>>> rows[0]
Point(line=2, raw_time='2014-02-14 14:27:00', raw_value='3', t=1392388020.0, x=3.0)
>>> rows[1]
BadRow(line=3, reason='expected timestamp,value (1 field)')
>>> rows[2].t, rows[2].x
(1392388080.0, nan)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

EPOCH_MS_ABOVE = 1e11


@dataclass(slots=True, frozen=True)
class Point:
    line: int
    raw_time: str
    raw_value: str
    t: float
    x: float


@dataclass(slots=True, frozen=True)
class BadRow:
    line: int
    reason: str


def parse_time(text: str) -> float:
    """Epoch seconds of an ISO 8601 or epoch (s or ms) timestamp.

    >>> parse_time("1700000000"), parse_time("1700000000000"), parse_time("2023-11-14T22:13:20Z")
    (1700000000.0, 1700000000.0, 1700000000.0)
    """
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        stamp = datetime.fromisoformat(text)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()
    if not math.isfinite(number):
        raise ValueError("timestamp is not finite")
    return number / 1000.0 if abs(number) > EPOCH_MS_ABOVE else number


def read_series(lines: Iterable[str]) -> Iterator[Point | BadRow]:
    """Parse CSV lines into points, in file order."""
    for index, row in enumerate(csv.reader(lines), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 2:
            yield BadRow(index, f"expected timestamp,value ({len(row)} field)")
            continue
        raw_time, raw_value = row[0].strip(), row[1].strip()
        try:
            t = parse_time(raw_time)
        except ValueError as err:
            if index == 1:
                continue  # a header
            yield BadRow(index, f"bad timestamp {raw_time[:40]!r}: {err}")
            continue
        try:
            x = float(raw_value)
        except ValueError:
            yield BadRow(index, f"bad value {raw_value[:40]!r}")
            continue
        yield Point(index, raw_time, raw_value, t, x)
