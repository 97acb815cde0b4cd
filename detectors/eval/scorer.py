"""NAB-style window scoring of anomaly scores against labels.

As the Numenta Anomaly Benchmark does: each labeled anomaly gets a window of
``WINDOW_FRACTION`` of the series length divided by the number of anomalies,
centred on the anomaly's start (stretched to cover a longer anomaly, up to
twice the width). The first detection inside a window earns ``A_TP`` times a
scaled sigmoid of its position (about 0.99 at the window's start, 0 at its
end); later detections in the same window are ignored; a window with no
detection costs ``A_FN``; a detection outside every window costs ``A_FP``
times the sigmoid of its distance after the previous window (the full cost
when far from any window). Detections in the first ``PROBATION`` of a series
are ignored. The normalised score is 100 for a perfect detector and 0 for
one that never alarms.

>>> from detectors.eval.generate import Anomaly
>>> r = score_detections(1000, [Anomaly("spike", 500, 500)], [480])
>>> round(r.raw, 3), r.true_positives, r.false_positives
(0.942, 1, 0)
>>> score_detections(1000, [Anomaly("spike", 500, 500)], [900]).false_positives
1
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from detectors.eval.generate import Anomaly

WINDOW_FRACTION = 0.10
PROBATION = 0.15


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    a_tp: float
    a_fp: float
    a_fn: float


STANDARD = Profile("standard", 1.0, 0.11, 1.0)
LOW_FP = Profile("reward_low_fp", 1.0, 0.22, 1.0)
LOW_FN = Profile("reward_low_fn", 1.0, 0.11, 2.0)


@dataclass(slots=True)
class SeriesResult:
    raw: float
    null: float
    perfect: float
    windows: int
    true_positives: int
    false_positives: int
    delays: list[int] = field(default_factory=list)  # detection index - anomaly start (points)
    detected_kinds: list[str] = field(default_factory=list)
    missed_kinds: list[str] = field(default_factory=list)


def scaled_sigmoid(position: float) -> float:
    """NAB's weighting: +0.99 at ``-1`` (window start), 0 at 0, towards -1 after."""
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def windows_for(n: int, anomalies: list[Anomaly]) -> list[tuple[int, int]]:
    if not anomalies:
        return []
    width = max(2, int(WINDOW_FRACTION * n / len(anomalies)))
    out = []
    for a in sorted(anomalies, key=lambda a: a.start):
        lo = max(0, a.start - width // 2)
        hi = min(n - 1, max(a.start + width // 2, min(a.end, a.start + width)))
        if out and lo <= out[-1][1]:
            lo = out[-1][1] + 1
        out.append((lo, max(lo, hi)))
    return out


def score_detections(
    n: int, anomalies: list[Anomaly], detections: list[int], profile: Profile = STANDARD
) -> SeriesResult:
    """Score detection indices (points whose score crossed the threshold)."""
    windows = windows_for(n, anomalies)
    ordered = sorted(anomalies, key=lambda a: a.start)
    probation = int(PROBATION * n)
    first: dict[int, int] = {}
    raw = 0.0
    fps = 0
    for i in sorted(detections):
        if i < probation:
            continue
        inside = next((w for w, (lo, hi) in enumerate(windows) if lo <= i <= hi), None)
        if inside is not None:
            if inside not in first:
                first[inside] = i
                lo, hi = windows[inside]
                raw += profile.a_tp * scaled_sigmoid(-(hi - i + 1) / (hi - lo + 1))
            continue
        before = [hi for lo, hi in windows if hi < i]
        if before:
            lo, hi = next(w for w in windows if w[1] == before[-1])
            raw += profile.a_fp * scaled_sigmoid((i - hi) / (hi - lo + 1))
        else:
            raw -= profile.a_fp
        fps += 1
    raw -= profile.a_fn * (len(windows) - len(first))
    result = SeriesResult(
        raw=raw,
        null=-profile.a_fn * len(windows),
        perfect=profile.a_tp * len(windows) * scaled_sigmoid(-1.0),
        windows=len(windows),
        true_positives=len(first),
        false_positives=fps,
    )
    for w, a in enumerate(ordered):
        if w in first:
            result.delays.append(first[w] - a.start)
            result.detected_kinds.append(a.kind)
        else:
            result.missed_kinds.append(a.kind)
    return result


def normalised(results: list[SeriesResult]) -> float:
    """NAB's corpus score: 100 * (raw - null) / (perfect - null), summed over series."""
    raw = sum(r.raw for r in results)
    null = sum(r.null for r in results)
    perfect = sum(r.perfect for r in results)
    return 100.0 * (raw - null) / (perfect - null) if perfect != null else 0.0
