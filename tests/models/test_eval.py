"""The labeled evaluation: the scorer's rules and the default model's quality."""

from __future__ import annotations

from detectors.eval.generate import Anomaly, suite
from detectors.eval.run import evaluate
from detectors.eval.scorer import normalised, score_detections, windows_for


def test_scorer_rewards_early_detection_and_penalises_false_alarms() -> None:
    labels = [Anomaly("spike", 500, 500)]
    early = score_detections(1000, labels, [455])
    late = score_detections(1000, labels, [545])
    assert early.raw > late.raw > 0
    with_fp = score_detections(1000, labels, [455, 900])
    assert with_fp.false_positives == 1 and with_fp.raw < early.raw
    repeated = score_detections(1000, labels, [455, 460, 470])
    assert repeated.raw == early.raw and repeated.false_positives == 0  # later hits in a window are free
    missed = score_detections(1000, labels, [])
    assert missed.raw == missed.null == -1.0
    assert score_detections(1000, labels, [50]).false_positives == 0  # probation period


def test_normalised_score_is_100_for_perfect_and_0_for_silent() -> None:
    labels = [Anomaly("shift_up", 300, 400), Anomaly("spike", 700, 700)]
    windows = windows_for(1000, labels)
    perfect = score_detections(1000, labels, [lo for lo, _ in windows])
    silent = score_detections(1000, labels, [])
    assert round(normalised([perfect]), 6) == 100.0
    assert normalised([silent]) == 0.0


def test_default_model_beats_the_naive_threshold_on_the_small_suite() -> None:
    series = suite("small")
    auto = evaluate("auto", {}, series)
    naive = evaluate("naive threshold", {"kind": "naive"}, series)
    assert auto.standard > naive.standard + 10
    assert auto.recall >= 0.8
    assert auto.precision >= 0.5


def test_evaluation_is_deterministic() -> None:
    series = suite("small")[:2]
    first, second = evaluate("auto", {}, series), evaluate("auto", {}, series)
    assert (first.standard, first.false_positives) == (second.standard, second.false_positives)
    assert [s.values for s in suite("small")[:2]] == [s.values for s in series]
