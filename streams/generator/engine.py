"""The traffic timeline: settings, simulated clock, dataset mix, anomalies, malformed lines.

``TrafficGenerator.chunks()`` yields the entries of consecutive slices of
simulated time, in time order, each entry with the channel (dataset, log
group, log stream) it belongs to. Everything is drawn from one seeded numpy
generator, so a seed reproduces the same entries.

>>> gen = TrafficGenerator(TrafficSettings(seed=1, start="2024-01-02T00:00:00Z", rate=100, max_records=5))
>>> chunk = next(gen.chunks())
>>> len(chunk.lines), chunk.lines[0].split()[11] >= "1704153600", gen.channels[chunk.channels[0]].dataset
(5, True, 'vpcflow')
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from streams.generator.alb import AlbSynth
from streams.generator.anomalies import Anomaly, AnomalyKind, AnomalySpec, resolve
from streams.generator.cloudtrail import CloudTrailSynth
from streams.generator.fleet import Fleet
from streams.generator.timeparse import parse_duration, parse_start
from streams.generator.vpcflow import FlowRows, VpcFlowSynth

MIX_DATASETS = {"vpcflow": "vpcflow", "alb": "elb", "elb": "elb", "cloudtrail": "cloudtrail"}
CHUNK_ENTRIES = 8192


class TrafficSettings(BaseModel):
    """What to generate (shared by the ``generator`` source and ``logwarden generate``)."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(42, description="same seed, same traffic")
    start: str | None = Field(None, description="ISO time, 'now' or 'now-2h'; default now minus duration (or 1h)")
    rate: float = Field(50.0, gt=0, le=10_000_000, description="entries per simulated second")
    duration: str | float | None = Field(None, description="simulated length (e.g. 45m); unbounded when unset")
    max_records: int | None = Field(None, ge=1, description="stop after this many entries")
    datasets: dict[str, float] = Field(default_factory=lambda: {"vpcflow": 1.0}, description="mix weights")
    enis: int = Field(40, ge=1, le=100_000)
    external_hosts: int = Field(2000, ge=1, le=1_000_000)
    reject_rate: float = Field(0.02, ge=0, le=1, description="background share of REJECTed noise")
    anomalies: list[AnomalySpec] = Field(default_factory=list)
    malformed_every: int | None = Field(None, ge=2, description="every Nth entry is a malformed line")
    account_id: str = Field("123456789012", pattern=r"^\d{12}$")
    region: str = "us-east-1"

    @field_validator("datasets")
    @classmethod
    def _mix(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(MIX_DATASETS))
        if unknown:
            raise ValueError(f"unknown dataset(s) {unknown}; known: {sorted(MIX_DATASETS)}")
        if not value or any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError("weights must be >= 0 with a positive sum")
        return value

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | float | None) -> str | float | None:
        if value is not None and parse_duration(value) <= 0:
            raise ValueError("duration must be positive")
        return value


@dataclass(frozen=True, slots=True)
class Channel:
    dataset: str
    log_group: str
    log_stream: str


@dataclass(slots=True)
class Chunk:
    times: list[float]
    lines: list[str]
    channels: list[int]
    start: float
    end: float


class TrafficGenerator:
    def __init__(self, settings: TrafficSettings, now: float | None = None):
        self.settings = settings
        duration = parse_duration(settings.duration) if settings.duration is not None else None
        self.start = parse_start(settings.start, duration, now)
        self.end = self.start + duration if duration is not None else None
        self.rng = np.random.default_rng(settings.seed)
        self.fleet = Fleet.build(self.rng, settings.enis, settings.external_hosts, settings.account_id, settings.region)
        self.vpc = VpcFlowSynth(self.fleet, self.rng, settings.reject_rate)
        self.alb = AlbSynth(self.fleet, self.rng)
        self.trail = CloudTrailSynth(self.fleet, self.rng)
        self.anomalies: list[Anomaly] = resolve(settings.anomalies, self.fleet, self.start, settings.seed)
        total = sum(settings.datasets.values())
        self.mix = [(MIX_DATASETS[name], weight / total) for name, weight in settings.datasets.items() if weight > 0]
        fleet = self.fleet
        self.channels: list[Channel] = [
            Channel("vpcflow", f"/aws/vpc/flowlogs/{vpc}", f"{eni}-all")
            for eni, vpc in zip(fleet.eni_ids, fleet.vpc_of_eni, strict=True)
        ]
        self.channel_of = {
            "elb": self._add_channel(Channel("elb", "/logwarden/alb-access", "shop-public")),
            "cloudtrail": self._add_channel(
                Channel("cloudtrail", f"aws-cloudtrail-logs-{fleet.account_id}", f"{fleet.account_id}_CloudTrail_{fleet.region}")
            ),
        }

        groups = {c.log_group for c in self.channels}
        for anomaly in self.anomalies:
            if anomaly.log_group is not None and anomaly.log_group not in groups:
                raise ValueError(f"unknown log group {anomaly.log_group!r}; known: {', '.join(sorted(groups))}")

    def _add_channel(self, channel: Channel) -> int:
        self.channels.append(channel)
        return len(self.channels) - 1

    def labels(self) -> list[dict[str, Any]]:
        """Ground truth of the injected anomalies."""
        return [a.label() for a in self.anomalies]

    def chunks(self) -> Iterator[Chunk]:
        span = max(1.0, CHUNK_ENTRIES / self.settings.rate)
        limit = self.settings.max_records
        emitted, t0 = 0, self.start
        while self.end is None or t0 < self.end:
            t1 = t0 + span if self.end is None else min(t0 + span, self.end)
            chunk = self._chunk(t0, t1)
            if self.settings.malformed_every:
                self._corrupt(chunk, emitted, self.settings.malformed_every)
            if limit is not None and emitted + len(chunk.lines) >= limit:
                keep = limit - emitted
                del chunk.times[keep:], chunk.lines[keep:], chunk.channels[keep:]
                yield chunk
                return
            emitted += len(chunk.lines)
            yield chunk
            t0 = t1

    def _times(self, rate: float, t0: float, t1: float) -> np.ndarray:
        n = int(self.rng.poisson(rate * (t1 - t0)))
        return t0 + np.sort(self.rng.random(n)) * (t1 - t0)

    def _chunk(self, t0: float, t1: float) -> Chunk:
        parts: list[tuple[np.ndarray, list[str], np.ndarray]] = []
        for dataset, share in self.mix:
            times = self._times(self.settings.rate * share, t0, t1)
            if dataset == "vpcflow":
                rows = self._silence(self.vpc.baseline(times), t0, t1)
                parts.append((rows.times, self.vpc.format(rows), rows.eni))
                parts.extend(self._anomaly_parts(t0, t1, self.settings.rate * share))
            else:
                synth = self.alb if dataset == "elb" else self.trail
                parts.append((times, synth.lines(times), np.full(len(times), self.channel_of[dataset])))
        times = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
        lines = [line for p in parts for line in p[1]]
        channels = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        if len(parts) > 1:
            order = np.argsort(times, kind="stable")
            times, channels = times[order], channels[order]
            lines = [lines[i] for i in order.tolist()]
        return Chunk(times.tolist(), lines, channels.tolist(), t0, t1)

    def _silence(self, rows: FlowRows, t0: float, t1: float) -> FlowRows:
        for anomaly in self.anomalies:
            if anomaly.kind is AnomalyKind.SILENCE and anomaly.overlap(t0, t1):
                keep = ~((rows.eni == anomaly.eni) & (rows.times >= anomaly.start) & (rows.times < anomaly.end))
                rows = FlowRows(*(getattr(rows, f)[keep] for f in FlowRows.__slots__))
        return rows

    def _anomaly_parts(self, t0: float, t1: float, vpc_rate: float) -> list[tuple[np.ndarray, list[str], np.ndarray]]:
        parts = []
        for anomaly in self.anomalies:
            window = anomaly.overlap(t0, t1)
            if window is None or anomaly.kind is AnomalyKind.SILENCE:
                continue
            if anomaly.kind is AnomalyKind.RATE_SPIKE and anomaly.log_group is not None:
                parts.extend(self._group_spike(anomaly, window))
                continue
            if anomaly.kind is AnomalyKind.RATE_SPIKE:
                eni_rate = vpc_rate * float(self.fleet.eni_weights[anomaly.eni])
                times = self._times(eni_rate * (anomaly.factor - 1), *window)
                rows = self.vpc.baseline(times, np.full(len(times), anomaly.eni, dtype=np.int64))
            else:
                times = self._times(anomaly.rate, *window)
                n = len(times)
                if anomaly.kind is AnomalyKind.PORT_SCAN:
                    ports = anomaly.ports[(anomaly.cursor + np.arange(n)) % len(anomaly.ports)]
                    anomaly.cursor += n
                    sources = np.full(n, anomaly.sources[0], dtype=object)
                else:
                    ports = self.rng.choice(anomaly.ports, n)
                    sources = anomaly.sources[self.rng.integers(0, len(anomaly.sources), n)]
                rows = self.vpc.probes(times, anomaly.eni, sources, ports, anomaly.reject_ratio)
            parts.append((rows.times, self.vpc.format(rows), rows.eni))
        return parts

    def _group_spike(self, anomaly: Anomaly, window: tuple[float, float]) -> list[tuple[np.ndarray, list[str], np.ndarray]]:
        """Extra entries of one log group: (factor - 1) times its normal rate (0 if the mix leaves it out)."""
        members = [i for i, c in enumerate(self.channels) if c.log_group == anomaly.log_group]
        dataset = self.channels[members[0]].dataset
        share = dict(self.mix).get(dataset, 0.0)
        if dataset == "vpcflow":
            weights = self.fleet.eni_weights[members]
            times = self._times(self.settings.rate * share * float(weights.sum()) * (anomaly.factor - 1), *window)
            enis = self.rng.choice(np.array(members), len(times), p=weights / weights.sum())
            rows = self.vpc.baseline(times, enis)
            return [(rows.times, self.vpc.format(rows), rows.eni)]
        times = self._times(self.settings.rate * share * (anomaly.factor - 1), *window)
        synth = self.alb if dataset == "elb" else self.trail
        return [(times, synth.lines(times), np.full(len(times), members[0]))]

    def _corrupt(self, chunk: Chunk, emitted: int, every: int) -> None:
        """Replace every ``every``-th entry (counting from the first) by a malformed line."""
        first = (every - 1 - emitted) % every
        for i in range(first, len(chunk.lines), every):
            chunk.lines[i] = malformed(chunk.lines[i], (emitted + i) // every)


def malformed(line: str, ordinal: int) -> str:
    """The ``ordinal``-th broken line, from ``line``: truncated, a non-numeric field, truncated JSON, or garbage.

    >>> malformed("2 123 eni-1 10.0.0.1 10.0.0.2 443 5000 6 1 40 1 2 ACCEPT OK", 0)
    '2 123 eni-1'
    >>> malformed('{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}', 4)
    '{"eventVe'
    """
    variant = ordinal % 4
    if variant == 0:  # cut short, at a space when there is one
        cut = line.find(" ", len(line) // 6)
        return line[: cut if cut > 0 else len(line) // 6]
    if variant == 1:
        if line.startswith("{"):  # a stray token instead of a colon (a space-split could land inside a string)
            return line.replace('":', '" port?', 1)
        fields = line.split(" ")
        fields[min(6, len(fields) - 1)] = "port?"
        return " ".join(fields)
    if variant == 2:
        return '{"truncated": "' + line[:20]
    return "\ufffd\ufffd garbage \x7f line " + str(ordinal)
