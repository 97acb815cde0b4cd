"""The default series model: robust forecasters, a calibrated z-score, episodes.

How a point is scored:

1. Forecast. Several online forecasters learn in parallel: a slow level
   (memory ``window`` points), a fast level (follows random-walk-like series
   such as CPU or latency), the last value (random walks) and, once ``seasonality`` allows and two full
   periods of timestamps have been seen, daily and weekly additive profiles
   (5-minute slots, so irregular timestamps and gaps are fine). The forecaster
   with the lowest recent mean absolute error gives ``expected``.
2. Surprise. ``z = (x - expected) / sigma`` where sigma is that error scale,
   floored: never below 0.5 % of the level (constant series: no division by
   zero) and, for counts (non-negative integers, or ``counts=true``), never
   below ``sqrt(expected + 1)`` (Poisson: 0 -> 3 is z = 3, not a 10-sigma
   spike). A drop to exactly 0 of a count series that is rarely 0 is at least
   ``sqrt(2 * expected)`` sigmas (the Poisson tail of silence).
   z is divided by how much heavier than Gaussian the 99.7 % quantile of the
   model's own |z| is (bursty series do not alarm on their usual bursts).
   Two-sided CUSUM sums of z (reference 1 sigma, each point adding at most
   2; their z gets only the square root of the tail division) accumulate evidence of sustained changes no single point shows (a
   source going silent at a modest rate, a 2-3 sigma shift); a sum of 8
   counts like a 5-sigma point.
   ``direction`` and ``min_value`` drop the sides that do not matter, then
   ``sensitivity`` multiplies z and :mod:`~detectors.models.calibrate` maps it
   to [0, 1] (0.5 = 5 sigma).
3. Emission. With ``suppress`` (default) an episode's onset scores in full,
   later points of the same episode (until ``shift_points`` quiet points) are
   damped unless they escalate (:mod:`~detectors.models.episode`).
   ``Score.anomalous`` and ``Score.raw`` keep the undamped judgement, so a
   detector still counts every anomalous window of the episode.

Learning. Every finite point is learned, anomalous ones *damped*: residuals
are clipped at 3 error scales (Huber) and anomalous points do not grow the
error scale, unless outliers have become frequent (a variance change: then
the scale follows). After ``shift_points`` consecutive same-side outliers the
forecasters re-base on their median: a level shift is absorbed, alarming once.
The forecasters from before an outlier run are remembered for ``10 * window``
points: a return to that old normal is a recovery, not a new anomaly.
NaN / inf points score 0 and are not learned.

>>> m = RobustModel(warmup=10)
>>> for t in range(60):
...     m.learn_one(60.0 * t, 100.0 + (t % 3))
>>> m.score_one(3600.0, 101.0).anomalous, m.score_one(3600.0, 160.0).anomalous
(False, True)
>>> s = m.score_one(3600.0, 160.0)  # integers, but far calmer than Poisson: no Poisson floor
>>> round(s.score, 2), round(s.expected, 1)
(1.0, 101.0)
"""

from __future__ import annotations

import copy
import math
import statistics
from collections import deque
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter

from detectors.models.base import ZERO, Direction, Score, Seasonality
from detectors.models.calibrate import score_to_z, z_to_score
from detectors.models.episode import Episode
from detectors.models.forecast import CLIP, LevelForecaster, SeasonalForecaster, learn_unclipped
from detectors.models.params import ModelParams, validate_params

FAST_ALPHA = 0.5
REL_FLOOR = 0.005
ABS_FLOOR = 1e-9
MAE_TO_SIGMA = math.sqrt(math.pi / 2.0)
HOUR = 3600.0
DAY = 86400.0
WEEK = 7 * DAY
SLOT_SECONDS = 300.0
WEEK_SLOT_SECONDS = 1800.0  # 336 weekly slots: the daily profile carries the 5-minute detail
SEASON_GAMMA = 0.3
RARE_ZERO = 0.02
VOLATILE = 0.3  # outlier rate above which the error scale follows outliers
RECALL_WINDOWS = 10  # remember the pre-shift normal this many windows
UNDERDISPERSED = 0.25  # counts this much calmer than Poisson (gauges) get no Poisson floor
TAIL_P = 0.003  # the tail quantile tracked: 99.7 % of |z| (multiplicative stochastic approximation)
TAIL_REF = 2.968  # its value under Gaussian residuals
TAIL_CAP = 50.0
TAIL_RATE = 0.2  # log-step of the quantile estimate per exceedance
QUANTUM_FLOOR = 1.0  # sigma is at least the data's resolution (smallest step seen)
CUSUM_K = 1.0  # CUSUM reference: sustained deviations beyond 1 sigma accumulate
CUSUM_H = 8.0  # accumulated sigmas that score like a 5-sigma point (0.5)
CUSUM_STEP = 3.0  # one point adds at most 2: a lone spike is the point term's business
CUSUM_TAIL_POWER = 0.5  # the CUSUM's z is divided by sqrt(tail factor): blips are capped anyway
SUSPECT_CLIP = 0.5  # residual clip (error scales) while CUSUM evidence builds up


MODEL_EVENTS = Counter(
    "logwarden_model_events_total",
    "Series-model events: non-finite points skipped, level shifts absorbed, recoveries to a prior normal",
    ["event"],
)
SKIPPED = MODEL_EVENTS.labels("skipped_nonfinite")
REBASED = MODEL_EVENTS.labels("rebase")
RECOVERED = MODEL_EVENTS.labels("recovery")


@dataclass(slots=True, frozen=True)
class Evaluation:
    expected: float
    sigma: float
    z: float  # signed, in sigmas
    surprise: float  # directional, times sensitivity, >= 0 (point and accumulated evidence)
    raw: float  # calibrated score before episode damping
    recovered: bool = False  # back to the normal from before a shift
    z_base: float = 0.0  # z before the tail calibration
    point: float = 0.0  # the point's own directional surprise (no accumulated evidence)
    cusum_up: float = 0.0  # the CUSUM sums after this point
    cusum_down: float = 0.0


class RobustModel:
    """Robust online forecaster ensemble with calibrated, episode-aware scores."""

    def __init__(self, params: ModelParams | None = None, **overrides: Any):
        if params is None:
            params = validate_params(overrides)
        elif overrides:
            params = validate_params({**params.model_dump(), **overrides})
        self.params = params
        self.n = 0
        self.last_t: float | None = None
        self.steps: deque[float] = deque(maxlen=31)
        slow = 2.0 / (params.window + 1)
        self.forecasters: list[LevelForecaster] = [
            LevelForecaster(slow), LevelForecaster(max(FAST_ALPHA, slow)), LevelForecaster(1.0)
        ]
        self.seasonal_done = params.seasonality == Seasonality.NONE
        self.is_count = params.counts is not False
        self.zero_rate = 0.0
        self.run: list[float] = []
        self.run_sign = 0
        self.cusum_up = 0.0
        self.cusum_down = 0.0
        self._z_threshold = score_to_z(params.threshold)
        self.episode = Episode(quiet_points=params.shift_points, min_peak=self._z_threshold)
        self.outlier_rate = 0.0
        self.before: list[LevelForecaster] | None = None
        self.before_until = 0
        self.tail = TAIL_REF
        self.quantum = 0.0
        self.last_x: float | None = None

    @property
    def tail_factor(self) -> float:
        """How much heavier the residuals' 99 % tail is than Gaussian (>= 1)."""
        return max(1.0, self.tail / TAIL_REF)

    # -- scoring -------------------------------------------------------------
    def _evaluate(self, t: float, x: float) -> Evaluation:
        ev = self._evaluate_with(self.forecasters, t, x)
        assert ev is not None  # the slow level is ready after the first point
        if ev.surprise >= self._z_threshold and self.before is not None and self.n < self.before_until:
            old = self._evaluate_with(self.before, t, x)
            if old is not None and max(abs(old.z) * self.params.sensitivity, old.surprise) < self._z_threshold:
                return Evaluation(old.expected, old.sigma, old.z, 0.0, 0.0, recovered=True, z_base=old.z_base)
        return ev

    def _evaluate_with(self, forecasters: list[LevelForecaster], t: float, x: float) -> Evaluation | None:
        p = self.params
        ready = [f for f in forecasters if f.ready(t)]
        if not ready:
            return None
        best = min(ready, key=lambda f: f.mae)
        expected = best.predict(t)
        floor = max(REL_FLOOR * abs(expected), QUANTUM_FLOOR * self.quantum, ABS_FLOOR)
        sigma = max(MAE_TO_SIGMA * best.side_scale(x - expected), floor)
        counts = self.is_count if p.counts is None else p.counts
        spread = MAE_TO_SIGMA * best.mae
        poissonish = expected < 1.0 or spread * spread >= UNDERDISPERSED * expected
        if counts and (p.counts or poissonish):
            sigma = max(sigma, math.sqrt(max(expected, 0.0) + 1.0))
        diff = x - expected
        z_base = diff / sigma if math.isfinite(diff) else math.copysign(math.inf, diff)
        sigma *= self.tail_factor
        z = z_base / self.tail_factor
        if counts and x == 0.0 and expected > 0.0 and self.zero_rate < RARE_ZERO:
            z = min(z, -math.sqrt(2.0 * expected))
        step = max(-CUSUM_STEP, min(CUSUM_STEP, z * self.tail_factor ** (1.0 - CUSUM_TAIL_POWER)))
        # a sum past its alarm level resets on the first point back across the forecast: the change is over
        cusum_up = 0.0 if z < 0 and self.cusum_up >= CUSUM_H else max(0.0, self.cusum_up + step - CUSUM_K)
        cusum_down = 0.0 if z > 0 and self.cusum_down >= CUSUM_H else max(0.0, self.cusum_down - step - CUSUM_K)
        rises = p.min_value is None or x > p.min_value
        drops = p.min_value is None or expected > p.min_value
        up = max(z, 0.0) if rises else 0.0
        down = max(-z, 0.0) if drops else 0.0
        up_total = max(up, 5.0 * cusum_up / CUSUM_H) if rises else 0.0
        down_total = max(down, 5.0 * cusum_down / CUSUM_H) if drops else 0.0
        if p.direction == Direction.UP:
            point, surprise = up, up_total
        elif p.direction == Direction.DOWN:
            point, surprise = down, down_total
        else:
            point, surprise = max(up, down), max(up_total, down_total)
        point *= p.sensitivity
        surprise *= p.sensitivity
        return Evaluation(
            expected, sigma, z, surprise, z_to_score(surprise), z_base=z_base, point=point,
            cusum_up=cusum_up, cusum_down=cusum_down,
        )

    def score_one(self, t: float, x: float) -> Score:
        """Score ``x`` at time ``t`` without learning it (pure)."""
        if not (math.isfinite(x) and math.isfinite(t)) or self.n < self.params.warmup:
            return ZERO
        ev = self._evaluate(t, x)
        p = self.params
        score = self.episode.emitted(ev.raw, ev.point) if p.suppress else ev.raw
        half = self._z_threshold / p.sensitivity * ev.sigma
        return Score(score, ev.expected, ev.expected - half, ev.expected + half, ev.raw >= p.threshold, ev.raw)

    # -- learning ------------------------------------------------------------
    def learn_one(self, t: float, x: float) -> None:
        """Learn ``x`` at time ``t`` (damped if it was an outlier)."""
        if not (math.isfinite(x) and math.isfinite(t)):
            SKIPPED.inc()
            return
        p = self.params
        last_t, last_x = self.last_t, self.last_x
        if last_t is not None and t > last_t:
            self.steps.append(t - last_t)
        self.last_t = t
        if last_x is not None and x != last_x:
            step = abs(x - last_x)
            self.quantum = step if self.quantum == 0.0 else min(self.quantum, step)
        self.last_x = x
        if p.counts is None and self.is_count and not (x >= 0.0 and x.is_integer()):
            self.is_count = False
        warm = self.n >= p.warmup
        if not warm:  # warming up: no evaluation, no outlier, every forecaster learns unclipped
            learn_unclipped(self.forecasters, t, x)
            if len(self.run) >= p.shift_points:
                self._rebase(t)
            a = max(1.0 / (self.n + 1), 1.0 / p.window)
            self.zero_rate += a * ((1.0 if x == 0.0 else 0.0) - self.zero_rate)
            self.n += 1
            return
        ev = self._evaluate(t, x)
        if ev.recovered:
            self._recover()
        self.cusum_up, self.cusum_down = ev.cusum_up, ev.cusum_down
        accumulated = 5.0 * max(ev.cusum_up, ev.cusum_down) / CUSUM_H
        outlier = not ev.recovered and max(abs(ev.z), accumulated) * p.sensitivity >= self._z_threshold
        sign = 1 if (ev.z > 0 if abs(ev.z) * p.sensitivity >= self._z_threshold else ev.cusum_up > ev.cusum_down) else -1
        self.outlier_rate += ((1.0 if outlier else 0.0) - self.outlier_rate) / p.shift_points
        if not ev.recovered and not self.episode.active:  # an episode's points say nothing of the normal tail
            exceeded = 1.0 if min(abs(ev.z_base), TAIL_CAP) > self.tail else 0.0
            self.tail = max(TAIL_REF, self.tail * math.exp(TAIL_RATE * (exceeded - TAIL_P)))
        self.episode.update(ev.raw, ev.point, p.threshold)
        self._track_run(outlier, sign, x)
        if outlier and not self.run[:-1] and (self.before is None or self.n >= self.before_until):
            self.before = copy.deepcopy(self.forecasters)  # the normal before this episode
            self.before_until = self.n + RECALL_WINDOWS * p.window
        volatile = self.outlier_rate > VOLATILE
        # evidence building up (CUSUM past half-way): learn the point tightly damped so a
        # fast forecaster does not absorb a sustained change before it is judged
        suspect = 5.0 * max(self.cusum_up, self.cusum_down) / CUSUM_H * p.sensitivity >= self._z_threshold / 2
        clip = SUSPECT_CLIP if suspect else CLIP
        for f in self.forecasters:
            f.learn(t, x, clip=clip, update_scale=volatile or not (outlier or suspect))
        if len(self.run) >= p.shift_points:
            self._rebase(t)
        if not (outlier or suspect):  # zeros of an outage must not make zeros look normal
            a = max(1.0 / (self.n + 1), 1.0 / p.window)
            self.zero_rate += a * ((1.0 if x == 0.0 else 0.0) - self.zero_rate)
        self.n += 1
        if not self.seasonal_done:
            self._start_seasonal(t)

    def _track_run(self, outlier: bool, sign: int, x: float) -> None:
        if not outlier or sign != self.run_sign:
            self.run = []
        self.run_sign = sign if outlier else 0
        if outlier:
            self.run.append(x)

    def _recover(self) -> None:
        """Back to the pre-shift normal: restore its forecasters."""
        assert self.before is not None
        RECOVERED.inc()
        self.forecasters, self.before = self.before, None
        self.cusum_up = self.cusum_down = 0.0
        self.run = []
        self.run_sign = 0
        self.episode.end()

    def _rebase(self, t: float) -> None:
        """A sustained shift: move every forecaster to the run's median."""
        REBASED.inc()
        level = statistics.median(self.run)
        for f in self.forecasters:
            f.rebase(t, level)
        self.cusum_up = self.cusum_down = 0.0
        self.run = []
        self.run_sign = 0

    def _start_seasonal(self, t: float) -> None:
        self.seasonal_done = True
        if not self.steps:
            return
        step = statistics.median(self.steps)
        periods = {Seasonality.DAILY: [DAY], Seasonality.WEEKLY: [WEEK], Seasonality.AUTO: [HOUR, DAY, WEEK]}
        slow = self.forecasters[0]
        for period in periods[self.params.seasonality]:
            if step <= 0 or period / step < 4:
                continue
            slot = WEEK_SLOT_SECONDS if period >= WEEK else min(SLOT_SECONDS, period / 60)
            slots = int(period / max(step, slot))
            f = SeasonalForecaster(slow.alpha, period, slots, SEASON_GAMMA, start=t)
            f.level, f.up, f.down, f.n = slow.level, slow.up, slow.down, slow.n
            self.forecasters.append(f)
