"""Synthetic VPC flow and ALB traffic with injected, labelled anomalies (for the detector tests).

Deterministic for a seed. Normal traffic: a few ENIs, each with a Poisson
flow rate that follows a daily sine, ~5 % REJECTs from a pool of clients to
a handful of service ports; load balancers with ~1 % 5xx. Injections:
``port_scan`` (one outside source sweeps hundreds of ports of one host),
``reject_spike`` (a burst of REJECTs on one ENI from a few addresses),
``rate_spike`` (one ENI's flows x6), ``silence`` (one ENI stops), and
``error_burst`` (a load balancer answers 35 % 5xx).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy

from streams.core.model import Event, Position, event_id

T0 = 1_700_000_000 - 1_700_000_000 % 3600  # an hour boundary
SERVICE_PORTS = [443, 80, 22, 5432, 6379, 8080]


@dataclass(frozen=True)
class Injection:
    kind: str
    entity: tuple[str, str]
    start: int  # first anomalous minute (index)
    minutes: int


@dataclass
class Traffic:
    minutes: int = 180
    seed: int = 7
    enis: int = 4
    rate: float = 40.0  # flows per minute per ENI at the daily mean
    injections: list[Injection] = field(default_factory=list)

    def iso(self, t: float) -> str:
        return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def active(self, kind: str, minute: int, entity: str) -> bool:
        return any(
            i.kind == kind and i.entity[1] == entity and i.start <= minute < i.start + i.minutes
            for i in self.injections
        )

    def minute_events(self, minute: int) -> list[Event]:
        rng = random.Random(self.seed * 1_000_003 + minute)
        base = T0 + minute * 60
        season = 1.0 + 0.3 * math.sin(2 * math.pi * (minute % 1440) / 1440)
        events: list[Event] = []
        for e in range(self.enis):
            eni = f"eni-{e:04d}"
            host = f"10.0.{e}.10"
            if self.active("silence", minute, eni):
                continue
            lam = self.rate * season * (6.0 if self.active("rate_spike", minute, eni) else 1.0)
            for _ in range(_poisson(rng, lam)):
                src = f"10.1.{rng.randrange(4)}.{rng.randrange(50)}"
                action = "REJECT" if rng.random() < 0.05 else "ACCEPT"
                events.append(self._flow(base + rng.random() * 60, eni, src, host, rng.choice(SERVICE_PORTS), action))
            if self.active("reject_spike", minute, eni):
                for _ in range(120):
                    src = f"203.0.113.{rng.randrange(3)}"
                    events.append(self._flow(base + rng.random() * 60, eni, src, host, 3389, "REJECT"))
        for inj in self.injections:
            if inj.kind == "port_scan" and inj.start <= minute < inj.start + inj.minutes:
                eni = "eni-0000"
                for port in range(1, 301):
                    action = "ACCEPT" if port in (22, 80) else "REJECT"
                    events.append(self._flow(base + port / 10, eni, inj.entity[1], "10.0.0.10", port, action))
        for lb in ("app/web/1", "app/api/2"):
            bad = 0.35 if self.active("error_burst", minute, lb) else 0.01
            for _ in range(_poisson(rng, 40 * season)):
                status = rng.choice([500, 502, 503]) if rng.random() < bad else rng.choice([200, 200, 200, 301, 404])
                events.append(self._request(base + rng.random() * 60, lb, status, rng))
        events.sort(key=lambda ev: ev.doc["@timestamp"])
        return events

    def _flow(self, t: float, eni: str, src: str, dst: str, port: int, action: str) -> Event:
        doc = {
            "@timestamp": self.iso(t),
            "source": {"ip": src, "port": 40000 + int(t) % 20000},
            "destination": {"ip": dst, "port": port},
            "network": {"bytes": 800, "transport": "tcp"},
            "event": {"outcome": "failure" if action == "REJECT" else "success"},
            "aws": {"vpcflow": {"interface_id": eni, "action": action}},
        }
        return _event(doc, "vpcflow", t)

    def _request(self, t: float, lb: str, status: int, rng: random.Random) -> Event:
        doc = {
            "@timestamp": self.iso(t),
            "source": {"ip": f"198.51.100.{rng.randrange(40)}"},
            "url": {"path": rng.choice(["/", "/login", "/api/items", "/static/app.js"])},
            "http": {"response": {"status_code": status}},
            "aws": {"elb": {"name": lb}},
        }
        return _event(doc, "elb", t)

    def batches(self, start: int = 0, end: int | None = None) -> list[list[Event]]:
        return [self.minute_events(m) for m in range(start, self.minutes if end is None else end)]


_counter = 0


def _event(doc: dict, dataset: str, t: float) -> Event:
    global _counter
    _counter += 1
    pos = Position("synthetic", dataset, "0", str(_counter))
    return Event(doc, dataset, event_id(pos), pos)


def _poisson(rng: random.Random, lam: float) -> int:
    return int(numpy.random.default_rng(rng.getrandbits(64)).poisson(lam))


def standard_injections() -> list[Injection]:
    return [
        Injection("port_scan", ("source.ip", "198.51.100.200"), 60, 1),
        Injection("reject_spike", ("aws.vpcflow.interface_id", "eni-0001"), 80, 3),
        Injection("rate_spike", ("aws.vpcflow.interface_id", "eni-0002"), 100, 3),
        Injection("silence", ("aws.vpcflow.interface_id", "eni-0003"), 120, 10),
        Injection("error_burst", ("aws.elb.name", "app/api/2"), 140, 3),
        Injection("port_scan", ("source.ip", "10.1.0.77"), 160, 2),
    ]
