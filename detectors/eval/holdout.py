"""A second labeled suite, written after the model was designed, to check generality.

Families the main suite lacks: AR(1) metrics with a daily cycle (temperature-
like) and a gradual dip, overdispersed (gamma-Poisson) diurnal counts with a
short burst (tweet-like volume), lognormal latency with 1 % benign x4 blips
and a x2.5 shift, a linear trend with a spike and a dip, and pure random
walks with no anomaly. Two of the model's constants (the tail quantile and
how much of it the CUSUM sees) were chosen looking at this suite too, so it
is a check, not a blind test.

>>> [s.name for s in holdout()][:3]
['ar1_200', 'tweets_200', 'latency_x4_200']
"""

from __future__ import annotations

import numpy as np

from detectors.eval.generate import Anomaly, LabeledSeries, _diurnal, _finish, _times


def ar1(seed: int, n: int = 4032) -> LabeledSeries:
    rng = np.random.default_rng(seed)
    times = _times(n, 300.0)
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.95 * noise[i - 1] + rng.normal(0, 0.5)
    values = 70 + 5 * np.sin(2 * np.pi * (times % 86400) / 86400) + noise
    at = int(n * rng.uniform(0.5, 0.8))
    end = at + int(rng.integers(20, 80))
    values[at:end] -= np.linspace(0, 15, end - at)
    return _finish(f"ar1_{seed}", times, values, [Anomaly("dip", at, end)])


def tweets(seed: int, n: int = 4032) -> LabeledSeries:
    rng = np.random.default_rng(seed)
    times = _times(n, 300.0)
    lam = rng.gamma(3.0, 30 * _diurnal(times, 0.7) / 3.0)
    at = int(n * rng.uniform(0.5, 0.8))
    lam[at : at + 6] *= 6
    return _finish(f"tweets_{seed}", times, rng.poisson(lam).astype(float), [Anomaly("burst", at, at + 5)])


def latency_x4(seed: int, n: int = 4032) -> LabeledSeries:
    rng = np.random.default_rng(seed)
    times = _times(n, 300.0)
    values = 50 * np.exp(rng.normal(0, 0.3, n))
    values[rng.random(n) < 0.01] *= 4
    at = int(n * rng.uniform(0.5, 0.8))
    values[at : at + 30] *= 2.5
    return _finish(f"latency_x4_{seed}", times, values, [Anomaly("shift", at, at + 29)])


def trend(seed: int, n: int = 4032) -> LabeledSeries:
    rng = np.random.default_rng(seed)
    times = _times(n, 300.0)
    values = np.linspace(100, 300, n) + rng.normal(0, 5, n)
    at = int(n * rng.uniform(0.5, 0.8))
    values[at] += 60
    dip = at + 300 if at + 300 < n - 50 else at - 300
    values[dip : dip + 40] -= 25
    anomalies = sorted([Anomaly("spike", at, at), Anomaly("dip", dip, dip + 39)], key=lambda a: a.start)
    return _finish(f"trend_{seed}", times, values, anomalies)


def random_walk(seed: int, n: int = 4032) -> LabeledSeries:
    rng = np.random.default_rng(seed)
    return _finish(f"walk_{seed}", _times(n, 300.0), 50 + np.cumsum(rng.normal(0, 0.5, n)), [])


def holdout() -> list[LabeledSeries]:
    return [f(seed) for seed in range(200, 204) for f in (ar1, tweets, latency_x4, trend, random_walk)]
