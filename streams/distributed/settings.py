"""Settings of the distributed detectors, shared by the workers' sink and the merge app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from streams.core.config import ConfigError, DetectorConfig, SinkConfig, load_detector_file, validate_detectors
from streams.kafka.producer import ProducerSettings


class DistributedConfig(SinkConfig, ProducerSettings):
    """``sinks: [{type: detector_partials, ...}]`` on the workers; read by ``logwarden merge-detectors``."""

    topic: str = Field("logwarden-partials", min_length=1, max_length=249, description="the partials topic")
    partitions: int = Field(8, ge=1, le=10_000, description="partitions of the partials topic (merge parallelism)")
    detectors: list[dict[str, Any]] = Field(default_factory=list, description="detectors run distributed")
    detectors_file: str | None = Field(None, description="YAML file with more detectors")
    worker_id: str | None = Field(None, description="this worker's id (default host-pid)")
    app_id: str = Field("logwarden-detectors", description="faust app id: the merge agents' consumer group")
    min_workers: int = Field(1, ge=1, description="windows close only after this many workers reported")
    worker_timeout_seconds: float = Field(120.0, gt=0, description="a silent worker stops holding back windows")
    merge_batch: int = Field(500, ge=1, description="messages merged per agent step")
    tick_seconds: float = Field(5.0, gt=0, description="how often silent workers are checked for")
    _built: list[DetectorConfig] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _detectors_valid(self, info: ValidationInfo) -> DistributedConfig:
        base_dir = (info.context or {}).get("base_dir")
        if self.detectors_file and base_dir is not None and not Path(self.detectors_file).is_absolute():
            self.detectors_file = str(Path(base_dir) / self.detectors_file)  # relative to the config file
        self._built = self.build_detectors()
        if not self._built:
            raise ValueError("at least one detector is required (detectors or detectors_file)")
        return self

    def build_detectors(self) -> list[DetectorConfig]:
        items = list(self.detectors)
        if self.detectors_file:
            try:
                items += load_detector_file(Path(self.detectors_file))
            except ConfigError as err:
                raise ValueError("; ".join(f"{p}: {m}" for p, m in err.problems)) from None
        try:
            return validate_detectors(items, "detector_partials.detectors")
        except ConfigError as err:
            raise ValueError("; ".join(f"{p}: {m}" for p, m in err.problems)) from None

    def detector_configs(self) -> list[DetectorConfig]:
        return list(self._built)
