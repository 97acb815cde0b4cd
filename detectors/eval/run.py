"""Run model designs over the labeled suite and tabulate NAB-style figures.

Scores are computed prequentially (score, then learn) exactly as the service
and ``score-series`` do. Each design is reported at its own threshold and at
the best threshold of a grid (NAB tunes one threshold per detector over the
whole corpus), so a design that only works at one lucky cut shows it.
``alarms`` counts every point at or above the threshold: alarms inside a
window after the first are free for NAB but each is a page for an operator.

>>> from detectors.eval.generate import cpu
>>> row = evaluate("auto", {}, [cpu(3, 800)])
>>> row.design, 0 <= row.recall <= 1
('auto', True)
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from detectors.eval.generate import LabeledSeries
from detectors.eval.scorer import LOW_FN, LOW_FP, STANDARD, Profile, SeriesResult, normalised, score_detections
from detectors.models import make_model, validate_params

THRESHOLDS = [0.05 * i for i in range(1, 20)]
DESIGNS: dict[str, dict[str, Any]] = {
    "auto": {},
    "auto, no episode damping": {"suppress": False},
    "auto, seasonality=none": {"seasonality": "none"},
    "holtwinters": {"kind": "holtwinters"},
    "naive threshold": {"kind": "naive"},
}


@dataclass(slots=True)
class Row:
    design: str
    standard: float
    low_fp: float
    low_fn: float
    best_standard: float
    best_threshold: float
    precision: float
    recall: float
    false_positives: int
    alarm_points: int
    median_delay: float | None
    points_per_second: float
    missed: dict[str, int]


def scores_of(kind_params: dict[str, Any], series: LabeledSeries) -> list[float]:
    model = make_model(**kind_params)
    out = []
    for t, x in zip(series.times, series.values, strict=True):
        out.append(model.score_one(t, x).score)
        model.learn_one(t, x)
    return out


def _results(all_scores: list[list[float]], suite: list[LabeledSeries], thr: float, profile: Profile) -> list[SeriesResult]:
    return [
        score_detections(len(s.values), s.anomalies, [i for i, v in enumerate(sc) if v >= thr], profile)
        for s, sc in zip(suite, all_scores, strict=True)
    ]


def evaluate(design: str, params: dict[str, Any], suite: list[LabeledSeries]) -> Row:
    threshold = validate_params(params).threshold
    started = time.perf_counter()
    all_scores = [scores_of(params, s) for s in suite]
    elapsed = time.perf_counter() - started
    at_default = _results(all_scores, suite, threshold, STANDARD)
    best_thr, best = max(
        ((thr, normalised(_results(all_scores, suite, thr, STANDARD))) for thr in THRESHOLDS), key=lambda p: p[1]
    )
    tp = sum(r.true_positives for r in at_default)
    fp = sum(r.false_positives for r in at_default)
    windows = sum(r.windows for r in at_default)
    delays = [d for r in at_default for d in r.delays]
    missed: dict[str, int] = {}
    for r in at_default:
        for kind in r.missed_kinds:
            missed[kind] = missed.get(kind, 0) + 1
    return Row(
        design=design,
        standard=normalised(at_default),
        low_fp=normalised(_results(all_scores, suite, threshold, LOW_FP)),
        low_fn=normalised(_results(all_scores, suite, threshold, LOW_FN)),
        best_standard=best,
        best_threshold=best_thr,
        precision=tp / (tp + fp) if tp + fp else 0.0,
        recall=tp / windows if windows else 0.0,
        false_positives=fp,
        alarm_points=sum(v >= threshold for sc in all_scores for v in sc),
        median_delay=statistics.median(delays) if delays else None,
        points_per_second=sum(len(s.values) for s in suite) / max(elapsed, 1e-9),
        missed=missed,
    )


def table(rows: list[Row]) -> str:
    head = (
        f"{'design':<26} {'NAB std':>8} {'low FP':>7} {'low FN':>7} {'best(thr)':>12} {'prec':>5} {'recall':>6} "
        f"{'FP':>4} {'alarms':>6} {'delay':>6} {'pts/s':>7}  missed"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        delay = "-" if r.median_delay is None else f"{r.median_delay:.0f}"
        missed = ", ".join(f"{k}:{v}" for k, v in sorted(r.missed.items())) or "-"
        lines.append(
            f"{r.design:<26} {r.standard:8.1f} {r.low_fp:7.1f} {r.low_fn:7.1f} {r.best_standard:6.1f}({r.best_threshold:.2f}) "
            f"{r.precision:5.2f} {r.recall:6.2f} {r.false_positives:4d} {r.alarm_points:6d} {delay:>6} {r.points_per_second:7.0f}  {missed}"
        )
    return "\n".join(lines)
