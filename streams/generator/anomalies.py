"""Injectable anomalies and their ground truth.

Each anomaly has a kind, a start and end (offsets from the simulated start,
``"20m"`` or seconds) and parameters. Entities left unset are chosen
deterministically from the seed. ``label()`` is the ground truth written to
``labels_path`` for detector evaluation.

* ``port_scan``: one external source probing many distinct ports on one ENI, mostly REJECTed.
* ``reject_spike``: a burst of REJECTs on one ENI from a handful of sources.
* ``rate_spike``: the ENI's (or the ``log_group``'s) normal traffic multiplied by ``factor``.
* ``silence``: one busy ENI stops logging entirely.

>>> spec = AnomalySpec(kind="port_scan", start="10m", end="15m")
>>> spec.kind.value, spec.start_offset, spec.end_offset
('port_scan', 600.0, 900.0)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from streams.generator.fleet import Fleet, public_ips
from streams.generator.timeparse import iso, parse_duration

REJECT_SPIKE_PORTS = np.array([22, 3389, 445, 443, 23])


class AnomalyKind(enum.StrEnum):
    PORT_SCAN = "port_scan"
    REJECT_SPIKE = "reject_spike"
    RATE_SPIKE = "rate_spike"
    SILENCE = "silence"


class AnomalySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AnomalyKind
    start: str | float = Field(description="offset from the simulated start, e.g. 20m")
    end: str | float = Field(description="offset from the simulated start, e.g. 25m")
    eni: str | None = Field(None, description="target ENI id; default: chosen from the seed")
    log_group: str | None = Field(None, description="rate_spike: spike a whole log group instead of one ENI")
    source_ip: str | None = Field(None, description="port_scan: the scanner's address")
    rate: float | None = Field(None, gt=0, description="port_scan/reject_spike: entries per simulated second")
    sources: int = Field(5, ge=1, le=1000, description="reject_spike: number of source addresses")
    factor: float = Field(10.0, gt=1, description="rate_spike: multiplier of the ENI's normal rate")
    reject_ratio: float = Field(0.95, ge=0, le=1, description="port_scan: share of probes REJECTed")

    @field_validator("start", "end")
    @classmethod
    def _duration(cls, value: str | float) -> str | float:
        parse_duration(value)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> AnomalySpec:
        if self.end_offset <= self.start_offset:
            raise ValueError("end must be after start")
        if self.log_group is not None and (self.kind is not AnomalyKind.RATE_SPIKE or self.eni is not None):
            raise ValueError("log_group applies to rate_spike only, instead of eni")
        return self

    @property
    def start_offset(self) -> float:
        return parse_duration(self.start)

    @property
    def end_offset(self) -> float:
        return parse_duration(self.end)


@dataclass(slots=True)
class Anomaly:
    """An anomaly resolved against a fleet: absolute times, concrete entities."""

    kind: AnomalyKind
    start: float
    end: float
    eni: int
    eni_id: str
    sources: np.ndarray
    rate: float
    factor: float
    reject_ratio: float
    ports: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cursor: int = 0
    log_group: str | None = None

    def overlap(self, t0: float, t1: float) -> tuple[float, float] | None:
        lo, hi = max(t0, self.start), min(t1, self.end)
        return (lo, hi) if hi > lo else None

    def label(self) -> dict[str, Any]:
        entity: dict[str, Any] = {"log_group": self.log_group} if self.log_group else {"eni": self.eni_id}
        params: dict[str, Any] = {}
        if self.kind is AnomalyKind.PORT_SCAN:
            entity["source_ip"] = str(self.sources[0])
            params = {"rate": self.rate, "reject_ratio": self.reject_ratio}
        elif self.kind is AnomalyKind.REJECT_SPIKE:
            params = {"rate": self.rate, "source_ips": [str(s) for s in self.sources]}
        elif self.kind is AnomalyKind.RATE_SPIKE:
            params = {"factor": self.factor}
        return {
            "kind": self.kind.value,
            "entity": entity,
            "start": iso(self.start),
            "end": iso(self.end),
            "start_epoch": self.start,
            "end_epoch": self.end,
            "params": params,
        }


def resolve(specs: list[AnomalySpec], fleet: Fleet, start: float, seed: int) -> list[Anomaly]:
    """Fix every anomaly's times and entities; deterministic for a seed, independent of the traffic stream."""
    rng = np.random.default_rng([seed, 0xA90])
    n_enis = len(fleet.eni_ids)
    resolved = []
    for spec in specs:
        if spec.eni is not None:
            eni = fleet.eni_index(spec.eni)
        elif spec.kind is AnomalyKind.SILENCE:
            eni = 0  # the busiest ENI: its silence is visible
        elif spec.kind is AnomalyKind.RATE_SPIKE:
            eni = int(rng.integers(min(3, n_enis - 1), max(min(12, n_enis), min(3, n_enis - 1) + 1)))
        else:
            eni = int(rng.integers(0, min(10, n_enis)))
        if spec.kind is AnomalyKind.PORT_SCAN:
            sources = np.array([spec.source_ip or public_ips(rng, 1)[0]], dtype=object)
            ports = rng.permutation(np.arange(1, 65536, dtype=np.int64))
        else:
            sources = np.array(public_ips(rng, spec.sources), dtype=object)
            ports = REJECT_SPIKE_PORTS
        default_rate = 15.0 if spec.kind is AnomalyKind.PORT_SCAN else 30.0
        resolved.append(
            Anomaly(
                kind=spec.kind,
                start=start + spec.start_offset,
                end=start + spec.end_offset,
                eni=eni,
                eni_id=fleet.eni_ids[eni],
                sources=sources,
                rate=spec.rate or default_rate,
                factor=spec.factor,
                reject_ratio=spec.reject_ratio if spec.kind is AnomalyKind.PORT_SCAN else 1.0,
                ports=ports,
                log_group=spec.log_group,
            )
        )
    return resolved
