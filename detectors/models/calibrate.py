"""Turn a robust z-score into an anomaly score in [0, 1].

The mapping is fixed so a score means the same in every model and detector:
``score = 1 - exp(-(z - Z_FLOOR) / Z_SPAN)`` for ``z > Z_FLOOR`` and 0 below.
Under Gaussian noise of the residuals a point reaches

* 0.0 below 3 sigma (about 1 point in 370 is above 3 sigma),
* 0.5 (the default threshold) at 5 sigma (1 in 1.7 million),
* 0.75 at 7 sigma, 0.9 at 9.6 sigma.

``sensitivity`` multiplies ``z`` before the mapping.

>>> round(z_to_score(5.0), 3)
0.5
>>> z_to_score(2.0), z_to_score(float("inf"))
(0.0, 1.0)
>>> round(score_to_z(0.5), 3)
5.0
"""

from __future__ import annotations

import math

Z_FLOOR = 3.0
Z_SPAN = 2.0 / math.log(2.0)  # score 0.5 at z = 5


def z_to_score(z: float) -> float:
    """Map a non-negative surprise ``z`` (in sigmas) to [0, 1], monotone."""
    if not z > Z_FLOOR:  # also catches NaN
        return 0.0
    if math.isinf(z):
        return 1.0
    return 1.0 - math.exp(-(z - Z_FLOOR) / Z_SPAN)


def score_to_z(score: float) -> float:
    """Inverse of :func:`z_to_score` for ``0 < score < 1`` (band widths)."""
    score = min(max(score, 1e-12), 1.0 - 1e-12)
    return Z_FLOOR - Z_SPAN * math.log(1.0 - score)
