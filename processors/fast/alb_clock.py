"""The detectors' clock of fast ALB rows: epoch seconds of the millisecond ISO time a document renders.

``alb_block.scan_block`` calls ``epoch`` for each fast line while it is in the cache; ``epochs`` does the
same for spans afterwards (tests compare the two).

>>> import numpy as np
>>> data = np.frombuffer(b"2018-07-02T22:23:00.186641Z 1970-01-01T00:00:01Z", np.uint8)
>>> epochs(data, np.array([0, 28]), np.array([27, 48])).tolist()
[1530570180.186, 1.0]
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(inline="always")
def epoch(data, a, b):  # noqa: ANN001, ANN201
    """Epoch seconds of the rendered ``@timestamp`` (millisecond ISO text) of ``data[a:b]``, as
    ``EventClock.epoch`` computes them."""
    year = (data[a] - 48) * 1000 + (data[a + 1] - 48) * 100 + (data[a + 2] - 48) * 10 + data[a + 3] - 48
    month = (data[a + 5] - 48) * 10 + data[a + 6] - 48
    day = (data[a + 8] - 48) * 10 + data[a + 9] - 48
    y = year - 1 if month <= 2 else year
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    seconds = days * 86400 + ((data[a + 11] - 48) * 10 + data[a + 12] - 48) * 3600 \
        + ((data[a + 14] - 48) * 10 + data[a + 15] - 48) * 60 + (data[a + 17] - 48) * 10 + data[a + 18] - 48
    frac = a + 20 if b - a > 20 and data[a + 19] == 46 else b - 1
    millis = 0
    for i in range(3):
        millis = millis * 10 + (data[frac + i] - 48 if frac + i < b - 1 else 0)
    return np.float64(seconds) + np.float64(millis) / 1000.0


@nb.njit(cache=True)
def epochs(data, ts, te):  # noqa: ANN001, ANN201
    """``epoch`` of each span (``alb_block.scan_block`` computes them while the line is in the cache)."""
    n = len(ts)
    out = np.empty(n, np.float64)
    for r in range(n):
        out[r] = epoch(data, ts[r], te[r])
    return out
