"""The series-model contract shared by every detector.

A detector turns a log stream into one number per key per window (log count
per minute, REJECT count, error ratio ...) and asks a :class:`SeriesModel` how
surprising that number is. Models follow river's conventions: ``score_one``
before ``learn_one`` (prequential: no look-ahead), explicit warm-up, and state
that pickles.

>>> s = Score(score=0.0, expected=None, lower=None, upper=None, anomalous=False)
>>> s.anomalous
False
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(slots=True, frozen=True)
class Score:
    """One point's verdict.

    ``score`` is in [0, 1], the *emitted* score: high at an anomaly episode's
    onset, damped while the same episode lasts (unless it escalates), so one
    alarm is raised per episode. ``anomalous`` is the model's judgement of the
    point itself (its undamped score ``raw`` >= the model's threshold): it
    stays true for every point of an episode, which is what detectors count
    to keep a finding open. Outside an episode ``score == raw``, so there
    ``anomalous`` is exactly ``score >= threshold``. ``expected``/``lower``/
    ``upper`` are the forecast and its band (``None`` while warming up or for
    a skipped NaN point).
    """

    score: float
    expected: float | None
    lower: float | None
    upper: float | None
    anomalous: bool
    raw: float | None = None  # the score before episode damping (None: same as ``score``)


ZERO = Score(0.0, None, None, None, False)


class Direction(enum.StrEnum):
    """Which side of the forecast counts as anomalous."""

    UP = "up"
    DOWN = "down"
    BOTH = "both"


class Seasonality(enum.StrEnum):
    """Seasonal profiles a model may use (``auto`` picks by measured fit)."""

    AUTO = "auto"
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"


@runtime_checkable
class SeriesModel(Protocol):
    """An online univariate anomaly model.

    * ``score_one(t, x)`` scores ``x`` at epoch seconds ``t`` (the window
      start) *before* learning it and does not change anything ``learn_one``
      would not change next; calling it twice gives the same result.
    * ``learn_one(t, x)`` updates the model. What it does with points it
      judged anomalous is the implementation's documented choice (the robust
      model learns them damped and re-bases after a sustained shift).
    * NaN / inf values score 0 and are not learned.
    """

    def score_one(self, t: float, x: float) -> Score: ...

    def learn_one(self, t: float, x: float) -> None: ...
