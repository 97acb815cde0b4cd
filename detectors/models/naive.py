"""Naive baselines, kept to measure the real models against.

``NaiveModel`` is the classic static threshold: z-score against the mean and
standard deviation of *all* history (Welford), no seasonality, no robustness,
no episodes. Same score mapping as the robust model.

>>> m = NaiveModel(warmup=5)
>>> for t, x in enumerate([10.0, 11.0, 9.0, 10.0, 11.0, 9.0]):
...     m.learn_one(float(t), x)
>>> m.score_one(6.0, 10.0).score, m.score_one(6.0, 30.0).anomalous
(0.0, True)
"""

from __future__ import annotations

import math
from typing import Any

from detectors.models.base import ZERO, Direction, Score
from detectors.models.calibrate import score_to_z, z_to_score
from detectors.models.params import ModelParams, validate_params


class NaiveModel:
    """Global mean/std z-score (a naive threshold detector)."""

    def __init__(self, params: ModelParams | None = None, **overrides: Any):
        self.params = params if params is not None else validate_params(overrides)
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0

    def score_one(self, t: float, x: float) -> Score:
        p = self.params
        if not math.isfinite(x) or self.n < p.warmup:
            return ZERO
        sigma = max(math.sqrt(max(self.m2 / self.n, 0.0)), 1e-9, 0.005 * abs(self.mean))
        z = (x - self.mean) / sigma
        side = {Direction.UP: z, Direction.DOWN: -z, Direction.BOTH: abs(z)}[p.direction]
        score = z_to_score(max(side, 0.0) * p.sensitivity)
        half = score_to_z(p.threshold) / p.sensitivity * sigma
        return Score(score, self.mean, self.mean - half, self.mean + half, score >= p.threshold)

    def learn_one(self, t: float, x: float) -> None:
        if not math.isfinite(x):
            return
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)
