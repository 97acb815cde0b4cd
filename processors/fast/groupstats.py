"""Per-group times and sample rows of column aggregation in one compiled pass.

For each group (rows in row order), the earliest and latest time, as
``np.minimum.reduceat`` / ``np.maximum.reduceat`` give them (a NaN wins),
and its first ``max_samples`` rows: what ``Partial.add_event`` keeps event
by event. One pass over the rows instead of a gathered copy of the times,
two reductions and the index arithmetic of the samples.

>>> firsts, lasts, picks, offsets = group_times(np.array([2, 0, 1, 3]), np.array([0, 3, 4]),
...                                             np.array([5.0, 7.0, 6.0, 9.0]), 2)
>>> firsts.tolist(), lasts.tolist(), picks.tolist(), offsets.tolist()
([5.0, 9.0], [7.0, 9.0], [2, 0, 3], [0, 2, 3])

``window_starts`` gives each row's window start as the detectors compute it
(``int(t // width) * width``).
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def group_times(rows, bounds, times, max_samples):  # noqa: ANN001, ANN201 - numba kernel
    """(firsts, lasts, sample rows, sample offsets) of each group ``rows[bounds[g]:bounds[g + 1]]`` (non-empty)."""
    groups = len(bounds) - 1
    firsts = np.empty(groups, np.float64)
    lasts = np.empty(groups, np.float64)
    offsets = np.zeros(groups + 1, np.int64)
    for g in range(groups):
        offsets[g + 1] = offsets[g] + min(bounds[g + 1] - bounds[g], max_samples)
    picks = np.empty(offsets[groups], np.int64)
    for g in range(groups):
        a, b = bounds[g], bounds[g + 1]
        lo = hi = times[rows[a]]
        nan = lo != lo
        for i in range(a + 1, b):  # selects, no branches; a NaN is remembered apart
            t = times[rows[i]]
            lo = t if t < lo else lo
            hi = t if t > hi else hi
            nan |= t != t
        firsts[g], lasts[g] = (np.nan, np.nan) if nan else (lo, hi)
        o = offsets[g]
        for k in range(offsets[g + 1] - o):
            picks[o + k] = rows[a + k]
    return firsts, lasts, picks, offsets


@nb.njit(cache=True)
def window_starts(times, width):  # noqa: ANN001, ANN201 - numba kernel
    """``int(t // width) * width`` per time (Python's float floor division), one division per change of window.

    A time inside the previous row's window ``[s, s + width)`` has that start:
    for times below 2**53 the floor division is exact, so the shortcut gives
    the same values (rows come mostly in time order).

    >>> window_starts(np.array([59.0, 60.0, 125.0, 60.5, 59.999]), 60).tolist()
    [0, 60, 120, 60, 0]
    >>> window_starts(np.array([59.5, -0.5, -60.0, -60.001]), 60).tolist()
    [0, -60, -60, -120]
    """
    out = np.empty(len(times), np.int64)
    lo, hi, start = 1.0, 0.0, 0  # an empty range: the first row divides
    for i in range(len(times)):
        t = times[i]
        if not (lo <= t < hi):
            start = int(t // width) * width
            lo, hi = float(start), float(start + width)
        out[i] = start
    return out

