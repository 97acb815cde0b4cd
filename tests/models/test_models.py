"""Contract tests every model kind passes."""

from __future__ import annotations

import math
import pickle
import random

import pytest

from detectors.models import KINDS, ParamError, Score, SeriesModel, make_model, model_for
from detectors.models.presets import PRESETS

ALL_KINDS = ["auto", *sorted(KINDS)]


def noisy_series(n: int, seed: int = 7, level: float = 50.0) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(1_700_000_000.0 + 60.0 * i, level + rng.gauss(0.0, 3.0)) for i in range(n)]


def run(model: SeriesModel, series: list[tuple[float, float]]) -> list[Score]:
    scores = []
    for t, x in series:
        scores.append(model.score_one(t, x))
        model.learn_one(t, x)
    return scores


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_scores_in_unit_interval_and_spike_found(kind: str) -> None:
    series = noisy_series(400)
    series[300] = (series[300][0], 120.0)
    scores = run(make_model(kind, warmup=30), series)
    assert all(0.0 <= s.score <= 1.0 for s in scores)
    assert scores[300].anomalous
    assert scores[300].expected is not None and abs(scores[300].expected - 50.0) < 3.0


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_deterministic(kind: str) -> None:
    series = noisy_series(300)
    assert run(make_model(kind), series) == run(make_model(kind), series)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_pickle_round_trip_gives_identical_future_scores(kind: str) -> None:
    series = noisy_series(600)
    model = make_model(kind, warmup=20)
    run(model, series[:300])
    copy = pickle.loads(pickle.dumps(model))
    assert run(model, series[300:]) == run(copy, series[300:])


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_score_one_is_pure(kind: str) -> None:
    model = make_model(kind, warmup=10)
    run(model, noisy_series(100))
    before = pickle.dumps(model)
    first = model.score_one(1_800_000_000.0, 500.0)
    assert model.score_one(1_800_000_000.0, 500.0) == first
    assert pickle.dumps(model) == before


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_constant_series_no_errors_then_change_is_found(kind: str) -> None:
    series = [(60.0 * i, 5.5) for i in range(200)]
    model = make_model(kind)
    scores = run(model, series)
    assert all(s.score == 0.0 for s in scores)
    assert model.score_one(12_000.0, 7.0).anomalous
    assert not model.score_one(12_000.0, 5.51).anomalous


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_nan_and_inf_score_zero_and_are_not_learned(kind: str) -> None:
    series = noisy_series(200)
    clean = make_model(kind)
    dirty = make_model(kind)
    run(clean, series)
    for i, (t, x) in enumerate(series):
        if i % 10 == 5:
            for bad in (math.nan, math.inf, -math.inf):
                assert dirty.score_one(t, bad).score == 0.0
                dirty.learn_one(t, bad)
        dirty.score_one(t, x)
        dirty.learn_one(t, x)
    assert pickle.dumps(clean) == pickle.dumps(dirty)


def test_huge_values_do_not_raise() -> None:
    model = make_model()
    scores = run(model, [(60.0 * i, 1e300 * (1 + (i % 3))) for i in range(100)] + [(6000.0, -1e308), (6060.0, 1e308)])
    assert all(0.0 <= s.score <= 1.0 for s in scores)


def test_counts_near_zero_are_poisson_aware() -> None:
    rng = random.Random(3)
    series = [(60.0 * i, float(rng.random() < 0.1)) for i in range(300)]
    model = make_model()
    run(model, series)
    assert not model.score_one(18_000.0, 3.0).anomalous  # 0 -> 3 is no 10-sigma spike
    assert model.score_one(18_000.0, 25.0).anomalous


def test_drop_to_zero_of_a_busy_count_series() -> None:
    rng = random.Random(5)
    series = [(60.0 * i, float(max(0, round(rng.gauss(40, 12))))) for i in range(300)]
    model = make_model()
    run(model, series)
    assert model.score_one(18_000.0, 0.0).anomalous


def test_direction_and_min_value() -> None:
    series = noisy_series(200)
    up = make_model(direction="up")
    run(up, series)
    assert up.score_one(12_000.0, 100.0).anomalous and not up.score_one(12_000.0, 0.0).anomalous
    floor = make_model(min_value=200.0)
    run(floor, series)
    assert not floor.score_one(12_000.0, 150.0).anomalous


def test_onset_scores_high_then_damped_while_episode_lasts() -> None:
    series = noisy_series(300)
    series += [(t, x + 60.0) for t, x in noisy_series(40, seed=9)]
    series = [(60.0 * i, x) for i, (_, x) in enumerate(series)]
    scores = run(make_model(), series)
    episode = scores[300:]
    assert episode[0].anomalous and episode[0].score >= 0.5
    assert sum(s.score >= 0.5 for s in episode) <= 2  # one alarm, not forty
    assert episode[1].anomalous and episode[1].raw is not None and episode[1].score < 0.5 <= episode[1].raw
    assert not any(s.anomalous for s in episode[-10:])  # the shift was absorbed


def test_unknown_params_and_kinds_name_the_key() -> None:
    with pytest.raises(ParamError, match="treshold"):
        make_model(treshold=0.3)
    with pytest.raises(ParamError, match="kind"):
        make_model("prophet")


@pytest.mark.parametrize("detector_type", sorted(PRESETS))
def test_presets_build(detector_type: str) -> None:
    model = model_for(detector_type, {"warmup": 5})
    run(model, noisy_series(50))


def test_silence_at_a_modest_rate_is_found_by_accumulated_evidence() -> None:
    rng = random.Random(11)

    def poisson(lam: float) -> float:  # Knuth: fine for small rates
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return float(k)
            k += 1

    series = [(60.0 * i, poisson(6.5)) for i in range(300)] + [(60.0 * (300 + i), 0.0) for i in range(10)]
    scores = run(make_model(), series)
    silent = scores[300:]
    assert not silent[0].anomalous  # one zero at 6.5/min is no 5-sigma event ...
    first = next(i for i, s in enumerate(silent) if s.anomalous)
    assert first <= 8  # ... but several in a row are
    assert all(s.anomalous for s in silent[first:])  # and it stays judged anomalous (detectors count windows)
    assert sum(s.score >= 0.5 for s in silent) == 1  # while the emitted score alarms once


def test_subtle_sustained_shift_is_found() -> None:
    series = noisy_series(400)
    series += [(1_700_000_000.0 + 60.0 * (400 + i), x + 7.5) for i, (_, x) in enumerate(noisy_series(60, seed=8))]
    scores = run(make_model(), series)
    assert max(s.score for s in scores[:400]) < 0.5
    assert any(s.anomalous for s in scores[400:420])  # 2.5 sigma, caught within 20 points
