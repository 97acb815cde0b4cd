"""A tiny local series model used until ``detectors.models`` lands on main.

Exponentially weighted mean and variance with a Poisson-style variance floor
(counts vary at least like ``sqrt(mean)``), explicit warm-up, score before
learn, and no learning from points it judged anomalous. Its own statistics,
so a constant series cannot produce a complex standard deviation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(slots=True)
class Score:
    score: float
    expected: float | None
    lower: float | None
    upper: float | None
    anomalous: bool


class FallbackModel:
    """EW mean/variance z-score model.

    >>> m = FallbackModel(warmup=2, threshold=4.0)
    >>> m.score_one(0, 5.0).anomalous  # warming up
    False
    >>> for t in range(1, 6):
    ...     m.learn_one(t, 5.0)
    >>> s = m.score_one(6, 40.0); (s.anomalous, round(s.expected, 1), s.score > 0.9)
    (True, 5.0, True)
    """

    def __init__(self, alpha: float = 0.1, threshold: float = 4.0, warmup: int = 10, min_std: float = 1.0):
        self.alpha = alpha
        self.threshold = threshold
        self.warmup = warmup
        self.min_std = min_std
        self.n = 0
        self.mean = 0.0
        self.var = 0.0
        self._last_anomalous = False

    def _std(self) -> float:
        return max(math.sqrt(max(self.var, 0.0)), math.sqrt(max(self.mean, 0.0)), self.min_std)

    def score_one(self, t: float, x: float) -> Score:
        if self.n < self.warmup:
            self._last_anomalous = False
            return Score(0.0, self.mean if self.n else None, None, None, False)
        std = self._std()
        z = abs(x - self.mean) / std
        band = self.threshold * std
        anomalous = z >= self.threshold
        self._last_anomalous = anomalous
        score = 1.0 - 0.3 ** (z / self.threshold)
        return Score(score, self.mean, max(0.0, self.mean - band), self.mean + band, anomalous)

    def learn_one(self, t: float, x: float) -> None:
        if self._last_anomalous:
            self._last_anomalous = False
            return
        self.n += 1
        if self.n == 1:
            self.mean = x
            return
        a = self.alpha if self.n > 1 / self.alpha else 1.0 / self.n
        diff = x - self.mean
        self.mean += a * diff
        self.var = (1 - a) * (self.var + a * diff * diff)
