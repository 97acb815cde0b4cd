"""Generated VPC flow events with injected REJECT spikes, and the single-process reference findings."""

from __future__ import annotations

import random
from typing import Any

from streams.core.model import Event, Finding, Position, event_id

DETECTOR = {
    "type": "vpc_rejects",
    "name": "rejects",
    "keys": ["aws.vpcflow.interface_id", "source.ip"],
    "model": {"kind": "fallback", "warmup_windows": 5},
    "window": {"seconds": 60, "allowed_lateness_seconds": 30},
}


def flow_events(minutes: int = 40, enis: int = 6, per_minute: int = 40, seed: int = 7) -> list[Event]:
    """Flows per ENI per minute, ~10 % REJECT; two ENIs get a scan burst in minutes 30-31."""
    rng = random.Random(seed)
    events = []
    n = 0
    for minute in range(minutes):
        for eni in range(enis):
            burst = minute in (30, 31) and eni in (1, 4)
            count = per_minute + (120 if burst else 0)
            for i in range(count):
                scanning = burst and i >= per_minute
                src = "198.51.100.9" if scanning else f"10.0.{eni}.{rng.randrange(1, 6)}"
                action = "REJECT" if scanning or rng.random() < 0.1 else "ACCEPT"
                doc = {
                    "@timestamp": 1_700_000_000 + minute * 60 + rng.uniform(0, 59.9),
                    "source": {"ip": src},
                    "destination": {"ip": f"10.1.0.{eni}", "port": rng.randrange(1, 1024) if scanning else 443},
                    "aws": {"vpcflow": {"interface_id": f"eni-{eni}", "action": action}},
                }
                pos = Position("gen", "vpc", "0", str(n))
                events.append(Event(doc, "vpcflow", event_id(pos), pos))
                n += 1
    events.sort(key=lambda e: e.doc["@timestamp"])
    return events


def batches(events: list[Event], size: int = 200) -> list[list[Event]]:
    return [events[i : i + size] for i in range(0, len(events), size)]


def single_process_findings(events: list[Event]) -> list[Finding]:
    from streams.core.config import validate_detectors
    from streams.core.registry import DETECTORS

    det = DETECTORS.build(validate_detectors([DETECTOR])[0])
    out: list[Finding] = []
    for batch in batches(events):
        out.extend(det.observe(batch))
    out.extend(det.flush())
    return out


def comparable(f: Finding | dict[str, Any]) -> tuple:
    """What must be equal across runtimes (sample ids depend on merge order and are left out)."""
    d = f if isinstance(f, dict) else {k: getattr(f, k) for k in f.__slots__}  # type: ignore[attr-defined]
    severity = d["severity"] if isinstance(d["severity"], str) else d["severity"].value
    return (d["id"], d["status"], d["count"], d["finding_type"], tuple(sorted(d["entity"].items())),
            d["window_start"], d["window_end"], d["observed"], d["expected"], severity, round(d["score"], 9),
            d["first_seen"], d["last_seen"], repr(d["explanation"]))
