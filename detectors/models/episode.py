"""Episode tracking: one confident score at an anomaly's onset, damped after.

Window-based scoring (NAB-style) and alerting both reward one early alarm per
anomaly; a score that stays high for every point of an episode counts as many
false alarms. So once a point crosses the threshold an *episode* starts and
later points of the same episode get ``score * DAMPING`` unless the surprise
*escalates* (the point's own surprise grows past ``ESCALATION`` times the
episode's peak, itself at least ``min_peak``), which is scored in full and
becomes the new peak. Outliers of either sign belong to
the running episode (a burst of volatility alarms once). The episode ends
after ``quiet_points`` consecutive points below half the threshold.

>>> ep = Episode(quiet_points=3)
>>> ep.emitted(0.8, z=6.0)
0.8
>>> ep.update(0.8, z=6.0, threshold=0.5)
>>> ep.emitted(0.8, z=6.0)  # same episode: damped
0.16
>>> ep.emitted(0.97, z=13.0)  # escalation: in full
0.97
>>> for _ in range(3):
...     ep.update(0.0, z=0.0, threshold=0.5)
>>> ep.active, ep.emitted(0.8, z=6.0)  # over: the next one alarms again
(False, 0.8)
"""

from __future__ import annotations

DAMPING = 0.2
ESCALATION = 1.5


class Episode:
    """State of the current anomaly episode of one series."""

    __slots__ = ("active", "peak", "length", "quiet", "quiet_points", "min_peak")

    def __init__(self, quiet_points: int = 3, min_peak: float = 0.0) -> None:
        self.quiet_points = quiet_points
        self.min_peak = min_peak
        self.end()

    def emitted(self, score: float, z: float) -> float:
        """The score to emit for a point with raw ``score`` and surprise ``z`` (pure)."""
        if not self.active or score <= 0.0 or z > ESCALATION * self.peak:
            return score
        return round(score * DAMPING, 12)

    def update(self, score: float, z: float, threshold: float) -> None:
        """Advance the episode with a learned point's raw score."""
        if score >= threshold:
            if not self.active:
                self.active, self.peak, self.length = True, z, 0
            self.peak = max(self.peak, z, self.min_peak)
        elif not self.active:
            return
        self.length += 1
        if score >= threshold / 2:
            self.quiet = 0
            return
        self.quiet += 1
        if self.quiet >= self.quiet_points:
            self.end()

    def end(self) -> None:
        self.active = False
        self.peak = 0.0
        self.length = 0
        self.quiet = 0
