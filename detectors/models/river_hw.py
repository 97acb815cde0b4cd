"""River's HoltWinters as the forecaster of the robust scoring scheme.

An alternative design kept for the evaluation table (``kind=holtwinters``):
``river.time_series.HoltWinters`` (level, plus an additive daily
season in points when ``seasonality`` is daily/auto and the step allows it)
forecasts; scoring, episodes and damped learning are the robust model's.
Guards river's pitfalls: no forecast before ``max(2, m)`` points (it raises
``IndexError``), and forecasting does not change state.

>>> m = HoltWintersModel(warmup=10, seasonality="none")
>>> for t in range(50):
...     m.learn_one(60.0 * t, 20.0 + 0.5 * (t % 2))
>>> m.score_one(3000.0, 20.5).anomalous, m.score_one(3000.0, 80.0).anomalous
(False, True)
"""

from __future__ import annotations

import math
from typing import Any

from river.time_series import HoltWinters

from detectors.models.base import Seasonality
from detectors.models.forecast import CLIP, LevelForecaster
from detectors.models.params import ModelParams
from detectors.models.robust import DAY, RobustModel

MAX_SEASON_POINTS = 1440


class HWForecaster(LevelForecaster):
    """Adapter: river HoltWinters behind the forecaster interface."""

    __slots__ = ("hw", "m")

    def __init__(self, alpha: float, m: int):
        super().__init__(alpha)
        self.m = m
        # no trend: river initialises it from the first k points, and it then drifts; it is zeroed at init
        self.hw = HoltWinters(alpha=alpha, beta=1e-9, gamma=0.1 if m else None, seasonality=m)

    def ready(self, t: float) -> bool:
        return self.n > max(2, self.m)

    def predict(self, t: float) -> float:
        return float(self.hw.forecast(horizon=1)[0]) if self.ready(t) else math.nan

    def learn(self, t: float, x: float, clip: float = CLIP, update_scale: bool = True) -> None:
        if self.ready(t):
            expected = self.predict(t)
            x = expected + self._step(x - expected, clip, update_scale)
        self.hw.learn_one(x)
        self.n += 1
        if self.n == max(2, self.m) and self.hw.trend:
            for i in range(len(self.hw.trend)):
                self.hw.trend[i] = 0.0

    def rebase(self, t: float, value: float) -> None:
        if not self.ready(t):
            return
        season = self.hw.season[-self.m] if self.m else 0.0
        for i in range(len(self.hw.level)):
            self.hw.level[i] = value - season
        if self.hw.trend:
            for i in range(len(self.hw.trend)):
                self.hw.trend[i] = 0.0


class HoltWintersModel(RobustModel):
    """Robust scoring over a river HoltWinters forecast."""

    def __init__(self, params: ModelParams | None = None, **overrides: Any):
        super().__init__(params, **overrides)
        self.forecasters = []
        self.seasonal_done = False
        self._fallback = LevelForecaster(2.0 / (self.params.window + 1))

    def _evaluate(self, t: float, x: float):  # type: ignore[override]
        if not self.forecasters or not self.forecasters[0].ready(t):
            saved, self.forecasters = self.forecasters, [self._fallback]
            try:
                return super()._evaluate(t, x)
            finally:
                self.forecasters = saved
        return super()._evaluate(t, x)

    def learn_one(self, t: float, x: float) -> None:
        if not self.forecasters:  # the fallback alone until the step is known
            self.forecasters = [self._fallback]
            try:
                super().learn_one(t, x)
            finally:
                if self.forecasters == [self._fallback]:
                    self.forecasters = []
            return
        if math.isfinite(x) and math.isfinite(t):
            self._fallback.learn(t, x)
        super().learn_one(t, x)

    def _start_seasonal(self, t: float) -> None:
        self.seasonal_done = True
        step = sorted(self.steps)[len(self.steps) // 2] if self.steps else 0.0
        m = 0
        if self.params.seasonality in (Seasonality.AUTO, Seasonality.DAILY) and step > 0:
            points = round(DAY / step)
            m = points if 4 <= points <= MAX_SEASON_POINTS else 0
        hw = HWForecaster(2.0 / (self.params.window + 1), m)
        hw.up, hw.down = self._fallback.up, self._fallback.down
        self.forecasters = [hw]
