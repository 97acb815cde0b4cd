"""Small online forecasters with robust (Huber-clipped) updates.

Each forecaster predicts the next value and tracks its own error scale (the
exponentially weighted mean absolute one-step error), so the model can pick
the one that currently fits best. Updates clip the residual at
``CLIP`` error scales: a spike barely moves the level, a level shift is
absorbed step by step (damped learning).

>>> f = LevelForecaster(alpha=0.5)
>>> for x in [10.0, 10.0, 12.0, 10.0]:
...     f.learn(0.0, x, clip=False)
>>> round(f.predict(0.0), 3), round(f.mae, 3)
(10.5, 0.75)
"""

from __future__ import annotations

import math
from array import array

CLIP = 3.0
SCALE_ALPHA_MIN = 0.01


class LevelForecaster:
    """Exponentially weighted level: ``alpha`` large follows fast, small is stable."""

    __slots__ = ("alpha", "level", "mae", "n")

    def __init__(self, alpha: float):
        self.alpha = alpha
        self.level = math.nan
        self.mae = 0.0
        self.n = 0

    def ready(self, t: float) -> bool:
        return self.n > 0

    def predict(self, t: float) -> float:
        return self.level

    def _step(self, residual: float, clip: bool) -> float:
        """Clip the residual (if asked) and update the error scale."""
        if clip and self.mae > 0.0:
            bound = CLIP * self.mae * 1.25
            residual = min(max(residual, -bound), bound)
        a = max(1.0 / (self.n + 1), SCALE_ALPHA_MIN) if self.n < 1.0 / SCALE_ALPHA_MIN else SCALE_ALPHA_MIN
        self.mae += a * (abs(residual) - self.mae)
        return residual

    def learn(self, t: float, x: float, clip: bool = True, update_scale: bool = True) -> None:
        if self.n == 0:
            self.level = x
            self.n = 1
            return
        mae = self.mae
        residual = self._step(x - self.level, clip)
        if not update_scale:
            self.mae = mae
        a = max(self.alpha, 1.0 / (self.n + 1))
        self.level += a * residual
        self.n += 1

    def rebase(self, t: float, value: float) -> None:
        self.level = value


class SeasonalForecaster(LevelForecaster):
    """Level plus an additive profile over ``period`` seconds in ``slots`` slots.

    Ready once it has learned for two full periods and has seen the slot.

    >>> f = SeasonalForecaster(alpha=0.1, period=4.0, slots=4, gamma=0.5, start=0.0)
    >>> for t in range(40):
    ...     f.learn(float(t), 10.0 + (5.0 if t % 4 == 0 else 0.0), clip=False)
    >>> f.ready(40.0), round(f.predict(40.0), 1), round(f.predict(41.0), 1)
    (True, 15.0, 10.0)
    """

    __slots__ = ("period", "width", "gamma", "profile", "start")

    def __init__(self, alpha: float, period: float, slots: int, gamma: float, start: float):
        super().__init__(alpha)
        self.period = period
        self.width = period / slots
        self.gamma = gamma
        self.profile = array("d", [math.nan]) * slots
        self.start = start

    def _slot(self, t: float) -> int:
        return int((t % self.period) // self.width) % len(self.profile)

    def ready(self, t: float) -> bool:
        return self.n > 0 and t - self.start >= 2 * self.period and not math.isnan(self.profile[self._slot(t)])

    def predict(self, t: float) -> float:
        season = self.profile[self._slot(t)]
        return self.level + (0.0 if math.isnan(season) else season)

    def learn(self, t: float, x: float, clip: bool = True, update_scale: bool = True) -> None:
        slot = self._slot(t)
        season = self.profile[slot]
        if self.n == 0:
            self.level = x
            self.profile[slot] = 0.0
            self.n = 1
            return
        if math.isnan(season):
            self.profile[slot] = x - self.level
            self.n += 1
            return
        mae = self.mae
        residual = self._step(x - self.level - season, clip)
        if not update_scale:
            self.mae = mae
        a = max(self.alpha, 1.0 / (self.n + 1))
        self.level += a * residual
        self.profile[slot] = season + self.gamma * (1.0 - a) * residual
        self.n += 1

    def rebase(self, t: float, value: float) -> None:
        season = self.profile[self._slot(t)]
        self.level = value - (0.0 if math.isnan(season) else season)
