"""Settings shared by every windowed detector (their config sections) and their helpers."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from detectors.findings import FindingSettings
from detectors.models import ModelParams
from detectors.scoring import ParamError, model_params
from streams.core.config import DetectorConfig


class WindowSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: int = Field(60, ge=1, le=86_400, description="tumbling window length")
    allowed_lateness_seconds: float = Field(30.0, ge=0, description="watermark = max event time - this")
    idle_timeout_seconds: float = Field(300.0, gt=0, description="advance(now) moves event time after this much idle input")
    max_gap_windows: int = Field(1440, ge=1, description="at most this many empty windows scored after a gap")


class WindowedConfig(DetectorConfig):
    """Settings shared by every windowed detector."""

    window: WindowSettings = WindowSettings.model_validate({})
    model: dict[str, Any] = Field(
        default_factory=dict, description="series model parameters laid over the type's preset (detectors.models)"
    )
    findings: FindingSettings = FindingSettings.model_validate({})
    datasets: list[str] | None = Field(None, description="only events of these datasets (None: all)")
    time_field: str = "@timestamp"
    max_keys: int = Field(10_000, ge=10, le=10_000_000, description="keys tracked per detector (LRU beyond)")
    heavy_hitters: int = Field(256, ge=1, description="busiest keys that are never evicted")
    explain_capacity: int = Field(32, ge=1, le=1024, description="values counted per explanation field and key")

    MODEL_DEFAULTS: ClassVar[dict[str, Any]] = {}  # a type's own departures from its models preset
    _model_params: ModelParams | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _check(self) -> WindowedConfig:
        if self.heavy_hitters >= self.max_keys:
            raise ValueError("heavy_hitters must be smaller than max_keys")
        self.model = _legacy_model(self.model)
        try:
            self._model_params = model_params(self.type, {**self.MODEL_DEFAULTS, **self.model})
        except ParamError as err:
            raise ValueError(f"model: {err}") from None
        return self

    @property
    def model_params(self) -> ModelParams:
        assert self._model_params is not None
        return self._model_params


def _legacy_model(model: dict[str, Any]) -> dict[str, Any]:
    """The first draft's model section (``kind``, ``warmup_windows``, ``params: {...}``) as plain parameters.

    >>> _legacy_model({"kind": "fallback", "warmup_windows": 5, "params": {"direction": "up"}})
    {'kind': 'auto', 'warmup': 5, 'direction': 'up'}
    """
    if not ({"warmup_windows", "params"} & set(model) or model.get("kind") == "fallback"):
        return model
    out = {("warmup" if k == "warmup_windows" else k): v for k, v in model.items() if k != "params"}
    if out.get("kind") == "fallback":
        out["kind"] = "auto"
    params = model.get("params")
    if isinstance(params, dict):
        out.update(params)
    elif params is not None:
        out["params"] = params  # not a mapping: let validation name it
    return out


def dataset_matches(dataset: str, wanted: list[str]) -> bool:
    """``vpcflow`` in a config matches the parsers' ``aws.vpcflow`` (and ``elb`` matches ``aws.elb_logs``).

    >>> dataset_matches("aws.elb_logs", ["elb"]), dataset_matches("aws.vpcflow", ["aws.vpcflow"])
    (True, True)
    >>> dataset_matches("aws.cloudtrail", ["vpcflow"])
    False
    """
    short = dataset.removeprefix("aws.").removesuffix("_logs")
    return any(w in (dataset, short) or w.removeprefix("aws.").removesuffix("_logs") == short for w in wanted)
