"""Online univariate anomaly models for the detectors.

``make_model(kind, **params)`` builds a :class:`SeriesModel`; parameters are
validated (:class:`~detectors.models.params.ModelParams`, unknown keys fail
naming the key). Kinds:

* ``auto`` (default) -> the best measured design, currently ``robust``;
* ``robust``: :class:`~detectors.models.robust.RobustModel`;
* ``naive``: global mean/std threshold, a baseline for evaluation;
* ``holtwinters``: river's HoltWinters forecaster with robust residual scores.

Models pickle: a round trip gives identical future scores.

>>> import pickle
>>> m = make_model(warmup=5)
>>> for t in range(20):
...     m.learn_one(60.0 * t, 10.0 + t % 2)
>>> copy = pickle.loads(pickle.dumps(m))
>>> copy.score_one(1200.0, 40.0) == m.score_one(1200.0, 40.0)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from detectors.models.base import Direction, Score, Seasonality, SeriesModel
from detectors.models.params import ModelParams, ParamError, validate_params
from detectors.models.presets import PRESETS, preset

AUTO_KIND = "robust"


def _robust(params: ModelParams) -> SeriesModel:
    from detectors.models.robust import RobustModel

    return RobustModel(params)


def _naive(params: ModelParams) -> SeriesModel:
    from detectors.models.naive import NaiveModel

    return NaiveModel(params)


def _holtwinters(params: ModelParams) -> SeriesModel:
    from detectors.models.river_hw import HoltWintersModel

    return HoltWintersModel(params)


KINDS: dict[str, Callable[[ModelParams], SeriesModel]] = {
    "robust": _robust,
    "naive": _naive,
    "holtwinters": _holtwinters,
}


def make_model(kind: str = "auto", **params: Any) -> SeriesModel:
    """Build a series model of ``kind`` with validated ``params``."""
    validated = validate_params({"kind": kind, **params})
    name = AUTO_KIND if validated.kind == "auto" else validated.kind
    if name not in KINDS:
        known = ", ".join(["auto", *sorted(KINDS)])
        raise ParamError([("kind", f"unknown model kind {name!r} (known: {known})")])
    return KINDS[name](validated)


def model_for(detector_type: str, overrides: dict[str, Any] | None = None) -> SeriesModel:
    """The model a detector of ``detector_type`` runs: its preset plus ``overrides``."""
    return make_model(**{**preset(detector_type), **(overrides or {})})


__all__ = [
    "KINDS",
    "PRESETS",
    "Direction",
    "ModelParams",
    "ParamError",
    "Score",
    "Seasonality",
    "SeriesModel",
    "make_model",
    "model_for",
    "preset",
    "validate_params",
]
