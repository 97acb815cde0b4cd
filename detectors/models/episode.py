"""Episode tracking: one confident score at an anomaly's onset, damped after.

Window-based scoring (NAB-style) and alerting both reward one early alarm per
anomaly; a score that stays high for every point of an episode counts as many
false alarms. So once a point crosses the threshold an *episode* starts and
later points of the same episode get ``score * DAMPING`` unless the surprise
*escalates* (grows past ``ESCALATION`` times the episode's peak), which is
scored in full and becomes the new peak. The episode ends after ``QUIET``
consecutive points below half the threshold.

>>> ep = Episode()
>>> ep.emitted(0.8, z=6.0, sign=1, threshold=0.5)
0.8
>>> ep.update(0.8, z=6.0, sign=1, threshold=0.5)
>>> ep.emitted(0.8, z=6.0, sign=1, threshold=0.5)  # same episode: damped
0.16
>>> ep.emitted(0.97, z=13.0, sign=1, threshold=0.5)  # escalation: in full
0.97
"""

from __future__ import annotations

DAMPING = 0.2
ESCALATION = 1.5
QUIET = 3


class Episode:
    """State of the current anomaly episode of one series."""

    __slots__ = ("active", "peak", "sign", "length", "quiet")

    def __init__(self) -> None:
        self.active = False
        self.peak = 0.0
        self.sign = 0
        self.length = 0
        self.quiet = 0

    def emitted(self, score: float, z: float, sign: int, threshold: float) -> float:
        """The score to emit for a point with raw ``score`` (pure)."""
        if not self.active or score <= 0.0:
            return score
        if sign != self.sign and score >= threshold:
            return score  # the other way round: a new anomaly
        if z > ESCALATION * self.peak:
            return score
        return round(score * DAMPING, 12)

    def update(self, score: float, z: float, sign: int, threshold: float) -> None:
        """Advance the episode with a learned point's raw score."""
        if score >= threshold:
            if not self.active or sign != self.sign:
                self.active, self.sign, self.peak, self.length = True, sign, z, 0
            self.peak = max(self.peak, z)
            self.length += 1
            self.quiet = 0
            return
        if not self.active:
            return
        if score >= threshold / 2 and sign == self.sign:
            self.length += 1
            self.quiet = 0
            return
        self.quiet += 1
        if self.quiet >= QUIET:
            self.end()

    def end(self) -> None:
        self.active = False
        self.peak = 0.0
        self.sign = 0
        self.length = 0
        self.quiet = 0
