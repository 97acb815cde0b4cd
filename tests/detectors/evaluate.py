"""Run the detectors over synthetic traffic and score them against the injected labels."""

from __future__ import annotations

from dataclasses import dataclass, field

from detectors.runner import DetectorSet
from streams.core.config import validate_detectors
from streams.core.model import Finding
from tests.detectors.traffic import T0, Injection, Traffic

DETECTOR_CONFIGS = [
    {"type": "log_rate", "name": "rate", "keys": ["dataset", "aws.vpcflow.interface_id", "aws.elb.name"]},
    {"type": "vpc_rejects", "name": "rejects"},
    {"type": "port_scan", "name": "scan"},
    {"type": "error_rate", "name": "errors"},
]

EXPECTED_DETECTOR = {
    "port_scan": "scan",
    "reject_spike": "rejects",
    "rate_spike": "rate",
    "silence": "rate",
    "error_burst": "errors",
}


def related(inj: Injection) -> set[str]:
    """Entities an injection legitimately disturbs (a scan is also a rate and REJECT spike on its ENI)."""
    out = {inj.entity[1]}
    if inj.kind == "port_scan":
        out |= {"eni-0000", "vpcflow"}
    if inj.kind in ("reject_spike", "rate_spike", "silence"):
        out |= {"vpcflow"} | {f"203.0.113.{i}" for i in range(3)}
    if inj.kind == "error_burst":
        out.add("elb")
    return out


@dataclass
class Quality:
    detected: dict[Injection, float] = field(default_factory=dict)  # injection -> minutes to detect
    missed: list[Injection] = field(default_factory=list)
    false_alarms: list[Finding] = field(default_factory=list)
    episodes: int = 0

    @property
    def recall(self) -> float:
        total = len(self.detected) + len(self.missed)
        return len(self.detected) / total if total else 1.0

    @property
    def precision(self) -> float:
        return 1.0 - len(self.false_alarms) / self.episodes if self.episodes else 1.0


def run(traffic: Traffic, configs: list[dict] | None = None) -> list[Finding]:
    ds = DetectorSet(validate_detectors(configs or DETECTOR_CONFIGS), clock=lambda: 0.0)
    found: list[Finding] = []
    for batch in traffic.batches():
        found += ds.observe(batch)
    return found + ds.flush()


def score(traffic: Traffic, findings: list[Finding], grace_minutes: int = 2) -> Quality:
    q = Quality()
    first_by_id: dict[str, Finding] = {}
    for f in findings:
        first_by_id.setdefault(f.id, f)
    q.episodes = len(first_by_id)
    for inj in traffic.injections:
        lo, hi = T0 + inj.start * 60, T0 + (inj.start + inj.minutes + grace_minutes) * 60
        hits = [
            f for f in first_by_id.values()
            if f.detector == EXPECTED_DETECTOR[inj.kind] and inj.entity[1] in f.entity.values()
            and lo <= f.first_seen < hi
        ]
        if hits:
            q.detected[inj] = (min(f.first_seen for f in hits) - lo) / 60
        else:
            q.missed.append(inj)
    for f in first_by_id.values():
        ok = any(
            set(f.entity.values()) & related(inj)
            and T0 + inj.start * 60 <= f.first_seen < T0 + (inj.start + inj.minutes + grace_minutes) * 60
            for inj in traffic.injections
        )
        if not ok:
            q.false_alarms.append(f)
    return q
