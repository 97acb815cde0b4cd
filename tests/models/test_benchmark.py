"""Throughput of the default series model (not in the default run)."""

from __future__ import annotations

import random
import time

import pytest

from detectors.models import make_model


@pytest.mark.benchmark
def test_default_model_scores_thousands_of_points_per_second() -> None:
    rng = random.Random(1)
    points = [(1_700_000_000.0 + 60.0 * i, 100.0 + rng.gauss(0, 10)) for i in range(20_000)]
    model = make_model()
    started = time.perf_counter()
    for t, x in points:
        model.score_one(t, x)
        model.learn_one(t, x)
    rate = len(points) / (time.perf_counter() - started)
    print(f"default model: {rate:.0f} points/s")
    assert rate > 2_000
