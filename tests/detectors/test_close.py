"""What ``_close`` skips or builds faster equals what the detectors' own code does."""

from __future__ import annotations

import random

import numpy as np
import pytest

from detectors.port_scan import PortScanConfig, PortScanDetector
from detectors.sketches import TopCounter
from detectors.vpc_rejects import VpcRejectsConfig, VpcRejectsDetector
from detectors.windowed import KeyState, WindowedConfig, WindowedDetector
from detectors.windows import Partial
from processors.fast.tops import lazy_counter


def _partial(rng: random.Random, count: int) -> Partial:
    p = Partial()
    for i in range(count):
        p.add_event(f"e{i}", float(i), 10)
        if rng.random() < 0.5:
            p.add_sum("rejects", 1)
        p.add_distinct("ports", rng.randrange(1, 70_000))
        p.add_distinct("hosts", f"10.0.{rng.randrange(3)}.{rng.randrange(255)}")
        p.add_top("source.ip", f"198.51.100.{rng.randrange(9)}", 32)
    return p


@pytest.mark.parametrize("detector", [
    VpcRejectsDetector(VpcRejectsConfig(type="vpc_rejects", name="r", min_rejects=21)),
    VpcRejectsDetector(VpcRejectsConfig(type="vpc_rejects", name="r")),
    PortScanDetector(PortScanConfig(type="port_scan", name="s", min_ports=7, min_hosts=30, exact_limit=8)),
    PortScanDetector(PortScanConfig(type="port_scan", name="s")),
])
def test_quiet_keys_are_the_ones_evaluate_dismisses_without_a_change(detector: WindowedDetector) -> None:
    rng = random.Random(7)
    assert detector.quiet_count > 0
    for count in range(1, detector.quiet_count + 8):
        state = KeyState()
        found = detector._evaluate(("source.ip", "198.51.100.1"), state, 60, _partial(rng, count))
        if count < detector.quiet_count:  # what _close skips: no finding, no model, nothing learned
            assert found is None and state == KeyState()


def test_baselines_learned_in_one_pass_equal_the_general_step() -> None:
    det = WindowedDetector.__new__(WindowedDetector)
    det.config = WindowedConfig(type="log_rate", name="x", explain_capacity=6)
    det.explain_fields = ("a", "b", "c")
    rng = random.Random(3)
    fast: dict[str, dict] = {}
    slow: dict[str, dict] = {}
    for _ in range(300):
        tops: dict[str, TopCounter] = {}
        for name in det.explain_fields:
            if rng.random() < 0.6:
                plain = TopCounter(rng.choice([4, 6, 9]))
                plain.update(rng.choice("pqrstuvwxyz") for _ in range(rng.randrange(1, 20)))
                values, numbers = list(plain.counts), list(plain.counts.values())
                tops[name] = lazy_counter(plain.capacity, plain.total, values, np.array(numbers), 0, len(values)) \
                    if rng.random() < 0.5 else plain
        det._learn_baselines(fast, tops)
        for name in det.explain_fields:  # the former per-field step
            base = slow.setdefault(name, {})
            counter = tops.get(name)
            slow[name] = det._learn_baseline(base, counter.counts.items() if counter is not None else ())
        assert [(k, list(v.items())) for k, v in fast.items()] == [(k, list(v.items())) for k, v in slow.items()]
