"""Per-key series models from ``detectors.models`` (the models helper's package).

A detector's ``model:`` section is laid over its type's preset
(``detectors.models.presets``) and validated once at config load.
``suppress`` defaults to off here: the detectors do their own episode
handling (``detectors.findings``), so the model must judge every window on
its own rather than damp the windows after an onset.

>>> params = model_params("log_rate", {"warmup": 5})
>>> m = build_model(params)
>>> for t in range(40):
...     m.learn_one(t * 60.0, 50.0 + t % 3)
>>> m.score_one(2400.0, 200.0).anomalous, m.score_one(2400.0, 51.0).anomalous
(True, False)
"""

from __future__ import annotations

from typing import Any

from detectors.models import AUTO_KIND, KINDS, ModelParams, ParamError, SeriesModel, preset, validate_params

__all__ = ["ParamError", "SeriesModel", "build_model", "metric_params", "model_params"]


def model_params(detector_type: str, overrides: dict[str, Any]) -> ModelParams:
    """The validated model parameters of a detector (raises ``ParamError`` naming bad keys)."""
    return validate_params({**preset(detector_type), "suppress": False, **overrides})


def metric_params(params: ModelParams, metric_overrides: dict[str, Any] | None) -> ModelParams:
    """``params`` adapted to one metric (a ratio next to a count)."""
    if not metric_overrides:
        return params
    return validate_params({**params.model_dump(), **metric_overrides})


def build_model(params: ModelParams) -> SeriesModel:
    """One picklable model from already validated parameters (no re-validation per key)."""
    kind = AUTO_KIND if params.kind == "auto" else params.kind
    return KINDS[kind](params)
