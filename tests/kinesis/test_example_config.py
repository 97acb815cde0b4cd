"""examples/kinesis.yaml validates against the registered Kinesis source and sinks."""

from __future__ import annotations

from pathlib import Path

import yaml

from streams.core.config import validate
from streams.sinks.kinesis import KinesisSinkConfig
from streams.sources.kinesis import KinesisSourceConfig

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kinesis.yaml"


def test_example_validates() -> None:
    config = validate(yaml.safe_load(EXAMPLE.read_text()), str(EXAMPLE))
    [source] = config.sources
    assert isinstance(source, KinesisSourceConfig) and source.initial_position == "TRIM_HORIZON"
    assert all(isinstance(s, KinesisSinkConfig) for s in config.sinks + config.finding_sinks)
