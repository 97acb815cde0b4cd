"""``port_scan``: distinct destination ports and hosts per source within a window.

A source touching at least ``min_ports`` distinct destination ports is a
vertical scan; at least ``min_hosts`` distinct destination addresses of
REJECTed flows, a horizontal scan. Reply flows (from a service port to an
ephemeral port) are not probes and are skipped. Sources that do this routinely (a NAT gateway, a monitoring
host) are learned: once a source's own series is warm, a window within its
band is not reported. Finding types follow GuardDuty's names:

* ``Recon:EC2/Portscan``: the source is inside ``internal_networks`` (one of
  our instances scans others);
* ``Recon:EC2/PortProbeUnprotectedPort``: an outside source probed ports and
  some were ACCEPTed (the explanation lists them);
* ``Recon:EC2/PortProbeBlocked``: an outside source probed ports and every
  probe was REJECTed (a logwarden type, not a GuardDuty one).

>>> from streams.core.model import Event, Position
>>> det = PortScanDetector(PortScanConfig(type="port_scan", name="scan", min_ports=20))
>>> docs = [{"@timestamp": 100.0 + p / 100, "source": {"ip": "198.51.100.9"},
...          "destination": {"ip": "10.0.0.4", "port": p}, "aws": {"vpcflow": {"action": "REJECT"}}}
...         for p in range(1, 200)]
>>> found = det.observe([Event(d, "vpcflow", str(i), Position("g", "s", "0", "0")) for i, d in enumerate(docs)])
>>> found += det.flush()
>>> f = found[0]; (f.finding_type, f.observed, f.explanation["scan"], f.explanation["ports"][:3])
('Recon:EC2/PortProbeBlocked', 199.0, 'vertical', [1, 2, 3])
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from pydantic import Field, field_validator

from detectors.fields import field_getter
from detectors.findings import Anomaly
from detectors.vpc_rejects import REJECT_VALUES, action_getter
from detectors.windowed import KeyState, WindowedConfig, WindowedDetector
from detectors.windows import Key, Partial
from streams.core.model import Event
from streams.core.registry import DETECTORS

PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]


class PortScanConfig(WindowedConfig):
    datasets: list[str] | None = Field(default_factory=lambda: ["vpcflow"])
    source_field: str = "source.ip"
    min_ports: int = Field(25, ge=2, description="distinct destination ports of one source (vertical scan)")
    min_hosts: int = Field(25, ge=2, description="distinct destination hosts of one source (horizontal scan)")
    internal_networks: list[str] = Field(default_factory=lambda: list(PRIVATE))
    skip_responses: bool = Field(True, description="ignore flows from a service port to an ephemeral port (replies)")
    ephemeral_from: int = Field(32768, ge=1024, le=65535, description="first port of the ephemeral range")
    hosts_rejected_only: bool = Field(
        True, description="count hosts of REJECTed flows only (busy clients reach many hosts legitimately)"
    )
    exact_limit: int = Field(256, ge=8, le=65_536, description="distinct values kept exactly before a HyperLogLog")
    listed: int = Field(50, ge=1, le=1000, description="ports / hosts listed in an explanation")

    @field_validator("internal_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for net in value:
            ipaddress.ip_network(net, strict=False)
        return value


def _threshold_score(observed: float, threshold: float) -> float:
    """0.7 at the threshold, 0.91 at twice, 0.97 at three times."""
    return 1.0 - 0.3 ** (observed / threshold)


@DETECTORS.register("port_scan", PortScanConfig)
class PortScanDetector(WindowedDetector):
    type_name = "port_scan"

    def _configure(self, config: PortScanConfig) -> None:
        self._source = field_getter(config.source_field)
        self._dst_ip = field_getter("destination.ip")
        self._dst_port = field_getter("destination.port")
        self._src_port = field_getter("source.port")
        self._action = action_getter()
        # fewer entries than this: fewer than half of both thresholds in distinct ports and hosts (a window's
        # distinct values are at most its entries, and exact up to ``exact_limit``)
        self.quiet_count = min((min(config.min_ports, config.min_hosts) + 1) // 2, config.exact_limit + 1)
        networks = [ipaddress.ip_network(n, strict=False) for n in config.internal_networks]

        @lru_cache(maxsize=4096)
        def internal(ip: str) -> bool:
            try:
                addr = ipaddress.ip_address(ip)
            except ValueError:
                return False
            return any(addr.version == n.version and addr in n for n in networks)

        self._internal = internal

    def _keys(self, event: Event) -> list[Key]:
        src = self._source(event.doc)
        return [(self.config.source_field, str(src))] if src else []  # type: ignore[attr-defined]

    def _fold(self, doc: dict[str, Any], partial: Partial) -> None:
        cfg: PortScanConfig = self.config  # type: ignore[assignment]
        limit = cfg.exact_limit
        port, host = self._dst_port(doc), self._dst_ip(doc)
        if cfg.skip_responses and _is_reply(self._src_port(doc), port, cfg.ephemeral_from):
            partial.add_sum("replies", 1)
            return
        rejected = self._action(doc) in REJECT_VALUES
        if port is not None:
            partial.add_distinct("ports", port, limit)
        if host is not None and (rejected or not cfg.hosts_rejected_only):
            partial.add_distinct("hosts", host, limit)
        if rejected:
            partial.add_sum("rejects", 1)
        elif port is not None:
            partial.add_distinct("accepted_ports", port, limit)

    def _evaluate(self, key: Key, state: KeyState, start: int, partial: Partial | None) -> Anomaly | None:
        cfg: PortScanConfig = self.config  # type: ignore[assignment]
        assert partial is not None
        if partial.count < self.quiet_count and not state.models:
            return None  # the test below, decided on the count alone (most sources send a flow or two)
        ports = partial.distinct.get("ports")
        hosts = partial.distinct.get("hosts")
        n_ports = ports.count() if ports else 0
        n_hosts = hosts.count() if hosts else 0
        if not state.models and n_ports * 2 < cfg.min_ports and n_hosts * 2 < cfg.min_hosts:
            return None  # far below both thresholds: no model for the many ordinary sources
        port_score, port_warm = self._score(key, state, "ports", start, n_ports)
        host_score, host_warm = self._score(key, state, "hosts", start, n_hosts)
        vertical = n_ports >= cfg.min_ports and not (port_warm and not port_score.anomalous)
        horizontal = n_hosts >= cfg.min_hosts and not (host_warm and not host_score.anomalous)
        if not (vertical or horizontal):
            return None
        score = max(
            _threshold_score(n_ports, cfg.min_ports) if vertical else 0.0,
            _threshold_score(n_hosts, cfg.min_hosts) if horizontal else 0.0,
        )
        accepted = partial.distinct.get("accepted_ports")
        source = key[1]
        if self._internal(source):
            kind = "Recon:EC2/Portscan"
        elif accepted is not None and accepted.count():
            kind = "Recon:EC2/PortProbeUnprotectedPort"
        else:
            kind = "Recon:EC2/PortProbeBlocked"
        scan = "both" if vertical and horizontal else ("vertical" if vertical else "horizontal")
        observed, expected = (n_ports, port_score.expected) if vertical else (n_hosts, host_score.expected)
        explanation = {
            "scan": scan,
            "distinct_ports": n_ports,
            "distinct_hosts": n_hosts,
            "flows": partial.count,
            "rejected_flows": int(partial.sums.get("rejects", 0)),
            "ports": _listed(ports, cfg.listed),
            "hosts": _listed(hosts, cfg.listed),
            "accepted_ports": _listed(accepted, cfg.listed),
        }
        summary = f"{source} touched {n_ports} ports on {n_hosts} hosts ({scan} scan)"
        return Anomaly(kind, float(observed), expected, None, score, summary, explanation)


def _is_reply(source_port: Any, destination_port: Any, ephemeral_from: int) -> bool:
    """A flow from a service port to an ephemeral port is the reply half of a connection.

    >>> _is_reply(443, 47510, 32768), _is_reply(40000, 22, 32768), _is_reply(None, 80, 32768)
    (True, False, False)
    """
    try:
        return int(source_port) < ephemeral_from <= int(destination_port)
    except (TypeError, ValueError):
        return False


def _listed(sketch: Any, limit: int) -> list[Any]:
    if sketch is None:
        return []
    return sorted(sketch.sample, key=lambda v: (isinstance(v, str), v))[:limit]
