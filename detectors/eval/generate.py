"""Labeled synthetic series for evaluating the series models.

Each :class:`LabeledSeries` has timestamps, values and anomalies (start/end
indices, inclusive). The suite covers the shapes met in AWS metrics and log
counts: per-minute Poisson counts with daily (and weekly) seasonality,
NAB-like 5-minute CloudWatch metrics (bounded CPU random walks, quantized CPU,
request counts, heavy-tailed latency, network bytes, gauges), trends, low-rate and
heavy-tailed counts, hourly batch-job spikes that are normal; anomalies are spikes, level shifts up and down, drops to zero
(silence), slow ramps and variance changes. Everything is seeded.

>>> s = log_counts(seed=1, days=3)
>>> len(s.values), [a.kind for a in s.anomalies]
(4320, ['spike', 'silence'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

START = 1_700_000_000.0 - 1_700_000_000.0 % 86400  # a UTC midnight
DAY = 86400.0


@dataclass(slots=True, frozen=True)
class Anomaly:
    kind: str
    start: int
    end: int


@dataclass(slots=True)
class LabeledSeries:
    name: str
    times: list[float]
    values: list[float]
    anomalies: list[Anomaly] = field(default_factory=list)


def _times(n: int, step: float) -> np.ndarray:
    return START + step * np.arange(n)


def _diurnal(times: np.ndarray, depth: float, weekly: float = 0.0) -> np.ndarray:
    day = np.sin(2 * math.pi * ((times % DAY) / DAY - 0.3))
    shape = 1.0 + depth * day
    if weekly:
        weekday = ((times // DAY) + 3) % 7  # 1970-01-01 was a Thursday
        shape *= np.where(weekday >= 5, 1.0 - weekly, 1.0)
    return shape


def _inject(rng: np.random.Generator, rate: np.ndarray, kind: str, start: int, length: int, counts: bool) -> int:
    """Modify ``rate`` in place; return the anomaly's last index."""
    n = len(rate)
    end = min(n - 1, start + length - 1)
    base = float(np.median(rate[max(0, start - 200) : start]))
    if kind == "spike":
        end = min(n - 1, start + int(rng.integers(0, 3)))
        rate[start : end + 1] += base * float(rng.uniform(2.0, 5.0)) + (20.0 if counts else 0.0)
    elif kind == "shift_up":
        end = n - 1 if length <= 0 else end
        rate[start : end + 1] *= float(rng.uniform(1.8, 3.0))
    elif kind == "shift_down":
        end = n - 1 if length <= 0 else end
        rate[start : end + 1] *= float(rng.uniform(0.2, 0.45))
    elif kind == "silence":
        rate[start : end + 1] = 0.0
    elif kind == "ramp":
        ramp = np.linspace(0.0, float(rng.uniform(2.0, 3.0)), end - start + 1)
        rate[start : end + 1] *= 1.0 + ramp
    return end


def _finish(name: str, times: np.ndarray, values: np.ndarray, anomalies: list[Anomaly]) -> LabeledSeries:
    return LabeledSeries(name, [float(t) for t in times], [float(v) for v in values], anomalies)


def log_counts(seed: int, days: int = 7, rate: float = 40.0, weekly: bool = False) -> LabeledSeries:
    """Per-minute log counts: Poisson around a diurnal rate, spike + silence."""
    rng = np.random.default_rng(seed)
    n = days * 1440
    times = _times(n, 60.0)
    lam = rate * _diurnal(times, 0.6, 0.5 if weekly else 0.0)
    spike_at = int(n * rng.uniform(0.35, 0.5))
    silence_at = int(n * rng.uniform(0.7, 0.85))
    spike_end = _inject(rng, lam, "spike", spike_at, 1, True)
    silence_end = _inject(rng, lam, "silence", silence_at, int(rng.integers(15, 60)), True)
    values = rng.poisson(lam).astype(float)
    anomalies = [Anomaly("spike", spike_at, spike_end), Anomaly("silence", silence_at, silence_end)]
    return _finish(f"log_counts_{seed}", times, values, anomalies)


def _steady_counts(seed: int, n: int, rate: tuple[float, float], length: tuple[int, int]):
    """Per-minute Poisson rates at a steady level and one episode's bounds."""
    rng = np.random.default_rng(seed)
    lam = np.full(n, float(rng.uniform(*rate)))
    at = int(n * rng.uniform(0.4, 0.8))
    return rng, _times(n, 60.0), lam, at, min(n - 1, at + int(rng.integers(*length)))


def low_counts(seed: int, n: int = 4000) -> LabeledSeries:
    """Low-rate per-minute counts (REJECTs of one ENI): a burst."""
    rng, times, lam, at, end = _steady_counts(seed, n, (0.3, 2.0), (3, 20))
    lam[at : end + 1] += float(rng.uniform(15, 40))
    return _finish(f"low_counts_{seed}", times, rng.poisson(lam).astype(float), [Anomaly("burst", at, end)])


def requests(seed: int, n: int = 8064, step: float = 300.0) -> LabeledSeries:
    """5-minute request counts with daily + weekly seasonality; shift down, ramp."""
    rng = np.random.default_rng(seed)
    times = _times(n, step)
    lam = 2000.0 * _diurnal(times, 0.5, 0.4)
    ramp_at = int(n * rng.uniform(0.35, 0.5))
    ramp_end = _inject(rng, lam, "ramp", ramp_at, 48, True)
    lam[ramp_end + 1 : ramp_end + 13] *= 3.0  # the ramp peaks, then recovers
    ramp_end += 12
    shift_at = int(n * rng.uniform(0.7, 0.8))
    shift_end = _inject(rng, lam, "shift_down", shift_at, int(rng.integers(30, 100)), True)
    values = rng.normal(lam, np.sqrt(lam) * 3.0).clip(0).round()
    return _finish(
        f"requests_{seed}", times, values, [Anomaly("ramp", ramp_at, ramp_end), Anomaly("shift_down", shift_at, shift_end)]
    )


def cpu(seed: int, n: int = 4032, step: float = 300.0) -> LabeledSeries:
    """CloudWatch CPU %: mean-reverting walk, bounded; shift up and a spike."""
    rng = np.random.default_rng(seed)
    times = _times(n, step)
    level = float(rng.uniform(10, 40))
    values = np.empty(n)
    x = level
    for i in range(n):
        x += 0.05 * (level - x) + rng.normal(0, 1.0)
        values[i] = x
    values += rng.normal(0, float(rng.uniform(0.3, 2.0)), n)
    spike_at = int(n * rng.uniform(0.3, 0.45))
    values[spike_at] += float(rng.uniform(25, 45))
    shift_at = int(n * rng.uniform(0.65, 0.8))
    shift_end = min(n - 1, shift_at + int(rng.integers(100, 400)))
    values[shift_at : shift_end + 1] += float(rng.uniform(25, 40))
    quantum = 0.0 if seed % 2 else 0.5  # some agents report coarse values
    if quantum:
        values = np.round(values / quantum) * quantum
    values = values.clip(0, 100)
    anomalies = [Anomaly("spike", spike_at, spike_at), Anomaly("shift_up", shift_at, shift_end)]
    return _finish(f"cpu_{seed}", times, values, anomalies)


def latency(seed: int, n: int = 4032, step: float = 300.0) -> LabeledSeries:
    """Request latency (ms): heavy-tailed noise with benign blips; variance change and shift."""
    rng = np.random.default_rng(seed)
    times = _times(n, step)
    values = 120.0 * np.exp(rng.normal(0, 0.15, n))
    blips = rng.random(n) < 0.004
    values[blips] *= rng.uniform(1.3, 1.8, int(blips.sum()))  # normal heavy tail, not anomalies
    var_at = int(n * rng.uniform(0.3, 0.45))
    var_end = min(n - 1, var_at + int(rng.integers(60, 200)))
    values[var_at : var_end + 1] = 120.0 * np.exp(rng.normal(0.2, 0.7, var_end - var_at + 1))
    shift_at = int(n * rng.uniform(0.7, 0.85))
    values[shift_at:] *= float(rng.uniform(2.0, 3.0))
    anomalies = [Anomaly("variance", var_at, var_end), Anomaly("shift_up", shift_at, n - 1)]
    return _finish(f"latency_{seed}", times, values, anomalies)


def network(seed: int, n: int = 4032, step: float = 300.0) -> LabeledSeries:
    """NetworkIn bytes: trend + diurnal + noise; a drop to near zero and a spike."""
    rng = np.random.default_rng(seed)
    times = _times(n, step)
    trend = np.linspace(1.0, float(rng.uniform(1.2, 2.0)), n)
    values = 5e7 * trend * _diurnal(times, 0.3) * np.exp(rng.normal(0, 0.1, n))
    drop_at = int(n * rng.uniform(0.3, 0.5))
    drop_end = min(n - 1, drop_at + int(rng.integers(6, 30)))
    values[drop_at : drop_end + 1] = rng.uniform(0, 1e5, drop_end - drop_at + 1)
    spike_at = int(n * rng.uniform(0.65, 0.9))
    values[spike_at : spike_at + 2] *= float(rng.uniform(3, 6))
    anomalies = [Anomaly("silence", drop_at, drop_end), Anomaly("spike", spike_at, spike_at + 1)]
    return _finish(f"network_{seed}", times, values, anomalies)


def cron(seed: int, n: int = 4032, step: float = 300.0) -> LabeledSeries:
    """CPU with an hourly batch job (a normal periodic spike); a sustained overload."""
    rng = np.random.default_rng(seed)
    times = _times(n, step)
    values = 20.0 + rng.normal(0, 2.0, n)
    job = (np.arange(n) % 12) == int(rng.integers(0, 12))
    values[job] += rng.uniform(25, 35, int(job.sum()))
    at = int(n * rng.uniform(0.5, 0.8))
    end = min(n - 1, at + int(rng.integers(20, 60)))
    values[at : end + 1] += float(rng.uniform(30, 45))
    return _finish(f"cron_{seed}", times, values.clip(0, 100), [Anomaly("shift_up", at, end)])


def bursty(seed: int, n: int = 4000, step: float = 60.0) -> LabeledSeries:
    """Heavy-tailed error counts (Pareto bursts are normal); a sustained error storm."""
    rng = np.random.default_rng(seed)
    times = _times(n, step)
    lam = 5.0 * (1.0 + rng.pareto(2.5, n))
    at = int(n * rng.uniform(0.4, 0.8))
    end = min(n - 1, at + int(rng.integers(30, 90)))
    lam[at : end + 1] *= float(rng.uniform(4.0, 6.0))
    return _finish(f"bursty_{seed}", times, rng.poisson(lam).astype(float), [Anomaly("shift_up", at, end)])


def sticky(seed: int, n: int = 4032, step: float = 300.0) -> LabeledSeries:
    """A piecewise-constant gauge (instances in service) with small benign steps; a big drop."""
    rng = np.random.default_rng(seed)
    times = _times(n, step)
    values = np.empty(n)
    x = float(rng.integers(8, 20))
    for i in range(n):
        if rng.random() < 0.01:
            x = max(1.0, x + float(rng.choice([-1.0, 1.0])))
        values[i] = x
    at = int(n * rng.uniform(0.5, 0.8))
    end = min(n - 1, at + int(rng.integers(10, 40)))
    values[at : end + 1] = np.maximum(0.0, values[at : end + 1] - float(rng.integers(6, 8)))
    return _finish(f"sticky_{seed}", times, values, [Anomaly("shift_down", at, end)])


def subtle(seed: int, n: int = 4032, step: float = 300.0) -> LabeledSeries:
    """Gaussian noise with a moderate sustained shift (2-3 sigma): no single point stands out."""
    rng = np.random.default_rng(seed)
    times = _times(n, step)
    values = 100.0 + rng.normal(0, 5.0, n)
    at = int(n * rng.uniform(0.4, 0.8))
    end = min(n - 1, at + int(rng.integers(60, 200)))
    values[at : end + 1] += float(rng.choice([-1.0, 1.0]) * rng.uniform(10.0, 15.0))
    return _finish(f"subtle_{seed}", times, values, [Anomaly("shift", at, end)])


def outage(seed: int, n: int = 4000) -> LabeledSeries:
    """Per-minute counts at a modest rate; the source goes silent for 8-20 minutes."""
    rng, times, lam, at, end = _steady_counts(seed, n, (4.0, 9.0), (8, 20))
    lam[at : end + 1] = 0.0
    return _finish(f"outage_{seed}", times, rng.poisson(lam).astype(float), [Anomaly("silence", at, end)])


def quiet(seed: int, n: int = 4032) -> LabeledSeries:
    """No anomaly at all: every alarm is a false positive."""
    rng = np.random.default_rng(seed)
    times = _times(n, 300.0)
    values = 50.0 * _diurnal(times, 0.3) + np.cumsum(rng.normal(0, 0.3, n)) + rng.normal(0, 2.0, n)
    return _finish(f"quiet_{seed}", times, values, [])


def suite(size: str = "full") -> list[LabeledSeries]:
    """The evaluation set: ``small`` for tests (seconds), ``full`` for the table."""
    if size == "small":
        return [log_counts(1, days=3), low_counts(2, 2000), cpu(3, 1500), cpu(4, 1500), latency(5, 1500), quiet(6, 1500)]
    out: list[LabeledSeries] = []
    for seed in range(3):
        out += [
            log_counts(10 + seed, days=4, weekly=seed == 2),
            low_counts(20 + seed),
            requests(30 + seed),
            cpu(40 + seed),
            cpu(45 + seed),
            latency(50 + seed),
            network(60 + seed),
            quiet(70 + seed),
            cron(80 + seed),
            bursty(90 + seed),
            sticky(100 + seed),
            subtle(110 + seed),
            outage(120 + seed),
        ]
    return out
