"""Small online forecasters with robust (Huber-clipped) updates.

Each forecaster predicts the next value and tracks its own error scale (the
exponentially weighted mean absolute one-step error, ``mae``, and its upper
and lower halves ``up``/``down``, so skewed noise such as latency gets a
wider band above than below), so the model can pick the one that currently
fits best. Updates clip the residual at
``CLIP`` error scales: a spike barely moves the level, a level shift is
absorbed step by step (damped learning).

>>> f = LevelForecaster(alpha=0.5)
>>> for x in [10.0, 10.0, 12.0, 10.0]:
...     f.learn(0.0, x, clip=0.0)
>>> round(f.predict(0.0), 3), round(f.mae, 3), round(f.up, 3), round(f.down, 3)
(10.5, 0.75, 1.0, 0.5)
"""

from __future__ import annotations

import math
from array import array

CLIP = 3.0
SCALE_ALPHA_MIN = 0.01


class LevelForecaster:
    """Exponentially weighted level: ``alpha`` large follows fast, small is stable."""

    __slots__ = ("alpha", "level", "up", "down", "n")

    def __init__(self, alpha: float):
        self.alpha = alpha
        self.level = math.nan
        self.up = 0.0
        self.down = 0.0
        self.n = 0

    @property
    def mae(self) -> float:
        return 0.5 * (self.up + self.down)

    def side_scale(self, residual: float) -> float:
        """The error scale on ``residual``'s side (at least half the mean)."""
        side = self.up if residual > 0 else self.down
        return max(side, 0.5 * self.mae)

    def ready(self, t: float) -> bool:
        return self.n > 0

    def predict(self, t: float) -> float:
        return self.level

    def _step(self, residual: float, clip: float, update_scale: bool) -> float:
        """Clip the residual at ``clip`` error scales (0: no clipping); update the scales if asked."""
        if clip and self.mae > 0.0:
            bound = clip * self.side_scale(residual) * 1.25
            residual = min(max(residual, -bound), bound)
        if update_scale:
            a = max(1.0 / (self.n + 1), SCALE_ALPHA_MIN)
            self.up += a * (2.0 * max(residual, 0.0) - self.up)
            self.down += a * (2.0 * max(-residual, 0.0) - self.down)
        return residual

    def learn(self, t: float, x: float, clip: float = CLIP, update_scale: bool = True) -> None:
        if self.n == 0:
            self.level = x
            self.n = 1
            return
        residual = self._step(x - self.level, clip, update_scale)
        a = max(self.alpha, 1.0 / (self.n + 1))
        self.level += a * residual
        self.n += 1

    def rebase(self, t: float, value: float) -> None:
        self.level = value


def learn_unclipped(forecasters: list[LevelForecaster], t: float, x: float) -> None:
    """``f.learn(t, x, clip=0.0, update_scale=True)`` for each forecaster, plain levels inline.

    A model's warm-up step (every per-key model's first points): the same arithmetic, without a method call
    and a ``_step`` call per forecaster.

    >>> a, b = [LevelForecaster(0.5), LevelForecaster(1.0)], [LevelForecaster(0.5), LevelForecaster(1.0)]
    >>> for x in [3.0, 5.0, 4.0]:
    ...     learn_unclipped(a, 0.0, x)
    ...     for f in b:
    ...         f.learn(0.0, x, clip=0.0)
    >>> [(f.level, f.up, f.down, f.n) for f in a] == [(f.level, f.up, f.down, f.n) for f in b]
    True
    """
    for f in forecasters:
        n = f.n
        if type(f) is not LevelForecaster or n == 0:
            f.learn(t, x, 0.0, True)
            continue
        residual = x - f.level
        a = max(1.0 / (n + 1), SCALE_ALPHA_MIN)
        f.up += a * (2.0 * max(residual, 0.0) - f.up)
        f.down += a * (2.0 * max(-residual, 0.0) - f.down)
        a = max(f.alpha, 1.0 / (n + 1))
        f.level += a * residual
        f.n = n + 1


class SeasonalForecaster(LevelForecaster):
    """Level plus an additive profile over ``period`` seconds in ``slots`` slots.

    Ready once it has learned for two full periods and has seen the slot.

    >>> f = SeasonalForecaster(alpha=0.1, period=4.0, slots=4, gamma=0.5, start=0.0)
    >>> for t in range(40):
    ...     f.learn(float(t), 10.0 + (5.0 if t % 4 == 0 else 0.0), clip=0.0)
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

    def learn(self, t: float, x: float, clip: float = CLIP, update_scale: bool = True) -> None:
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
        residual = self._step(x - self.level - season, clip, update_scale)
        a = max(self.alpha, 1.0 / (self.n + 1))
        self.level += a * residual
        self.profile[slot] = season + self.gamma * (1.0 - a) * residual
        self.n += 1

    def rebase(self, t: float, value: float) -> None:
        season = self.profile[self._slot(t)]
        self.level = value - (0.0 if math.isnan(season) else season)
