"""Synthetic AWS traffic: VPC flow, ALB and CloudTrail entries with injectable anomalies.

Library API for tests and benchmarks; the ``generator`` source
(``streams/sources/generator.py``) and ``logwarden generate`` are built on it.

>>> lines = list(generate_vpcflow_lines(3, seed=7, start="2024-01-02T00:00:00Z"))
>>> lines == list(generate_vpcflow_lines(3, seed=7, start="2024-01-02T00:00:00Z")), len(lines)
(True, 3)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from streams.generator.anomalies import AnomalyKind, AnomalySpec
from streams.generator.engine import Channel, Chunk, TrafficGenerator, TrafficSettings

__all__ = [
    "AnomalyKind",
    "AnomalySpec",
    "Channel",
    "Chunk",
    "TrafficGenerator",
    "TrafficSettings",
    "generate_lines",
    "generate_vpcflow_lines",
]


def generate_lines(settings: TrafficSettings) -> Iterator[str]:
    """Every entry of a (finite or not) generation as one text line, in simulated-time order."""
    for chunk in TrafficGenerator(settings).chunks():
        yield from chunk.lines


def generate_vpcflow_lines(n: int, seed: int = 42, **settings: Any) -> Iterator[str]:
    """``n`` VPC Flow Logs v2 lines; ``settings`` are ``TrafficSettings`` fields (rate, anomalies, ...)."""
    return generate_lines(TrafficSettings(seed=seed, max_records=n, datasets={"vpcflow": 1.0}, **settings))
