"""Per-key series models: the link to ``detectors.models`` (owned by the models helper).

``make_series_model(kind, params)`` calls ``detectors.models.make_model`` when
that package is present, else a small local fallback (``_fallback_model``)
with the same interface, so the detectors run either way.
"""

from __future__ import annotations

from typing import Any, Protocol

try:  # the models helper's package, once merged
    from detectors.models import make_model as _make_model  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the merge state
    _make_model = None

from detectors._fallback_model import FallbackModel, Score


class SeriesModel(Protocol):
    def score_one(self, t: float, x: float) -> Any: ...

    def learn_one(self, t: float, x: float) -> None: ...


def make_series_model(kind: str, params: dict[str, Any]) -> SeriesModel:
    """Build one picklable series model.

    >>> m = make_series_model("fallback", {"warmup": 3})
    >>> for t in range(10):
    ...     m.learn_one(t * 60.0, 10.0)
    >>> m.score_one(600.0, 60.0).anomalous, m.score_one(600.0, 10.0).anomalous
    (True, False)
    """
    if kind == "fallback" or _make_model is None:
        return FallbackModel(**params)
    return _make_model(kind, **params)


def as_score(raw: Any) -> Score:
    """Normalise a model's score object (any object with the Score fields)."""
    if isinstance(raw, Score):
        return raw
    # detectors.models damps ``score`` while an anomaly episode lasts (one alarm per
    # episode); findings track every anomalous window themselves, so they take the
    # undamped ``raw`` score when the model gives one.
    undamped = getattr(raw, "raw", None)
    return Score(
        score=float(raw.score if undamped is None else undamped),
        expected=raw.expected,
        lower=raw.lower,
        upper=raw.upper,
        anomalous=bool(raw.anomalous),
    )


def unscale(score: Score, scale: float) -> Score:
    """Divide a score's expected value and band by ``scale``."""

    def div(v: float | None) -> float | None:
        return None if v is None else v / scale

    return Score(score.score, div(score.expected), div(score.lower), div(score.upper), score.anomalous)
