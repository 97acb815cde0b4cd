"""Network context: direction, transport, address family and service name.

Fields written (only where the parser left them empty):

- ``network.direction``: ``internal`` (both ends inside), ``ingress`` (from
  outside in), ``egress`` (from inside out), ``external`` (both outside),
  where "inside" is the configured ``internal_networks`` (your VPC CIDRs)
  plus, by default, the private ranges.
- ``network.transport``: the IANA keyword of ``network.iana_number``.
- ``network.type``: ``ipv4`` or ``ipv6`` from ``source.ip``.
- ``network.protocol``: the well-known service of the destination port, or of
  the source port for a reply flow (``443 -> 51234`` is ``https``).

>>> from streams.core.model import Event, Position
>>> enricher = NetworkEnricher(NetworkConfig(type="network", internal_networks=["203.0.113.0/24"]))
>>> doc = {"source": {"ip": "198.51.100.7", "port": 51234}, "destination": {"ip": "203.0.113.10", "port": 443},
...        "network": {"iana_number": "6"}}
>>> _ = enricher.enrich([Event(doc, "vpcflow", "id", Position("s", "t", "0", "1"))])
>>> doc["network"]
{'iana_number': '6', 'transport': 'tcp', 'type': 'ipv4', 'direction': 'ingress', 'protocol': 'https'}
"""

from __future__ import annotations

import enum
import ipaddress
from typing import Any

from pydantic import Field, field_validator

from processors.enrich._cache import LruFunction
from processors.enrich._fields import protocol_number
from processors.enrich._iana import PROTOCOLS, SERVICES
from processors.enrich._ipnet import PRIVATE_RANGES, CidrSet, parse_ip
from processors.enrich._lifecycle import NoBackgroundWork
from streams.core.model import Event
from streams.core.registry import ENRICHERS, ComponentConfig


class Direction(enum.StrEnum):
    INTERNAL = "internal"
    INGRESS = "ingress"
    EGRESS = "egress"
    EXTERNAL = "external"


#: (source inside, destination inside) -> direction
_DIRECTIONS = {
    (True, True): Direction.INTERNAL.value,
    (False, True): Direction.INGRESS.value,
    (True, False): Direction.EGRESS.value,
    (False, False): Direction.EXTERNAL.value,
}
_FAMILY = {4: "ipv4", 6: "ipv6"}


class NetworkConfig(ComponentConfig):
    internal_networks: list[str] = Field(default_factory=list, description="VPC CIDRs and other inside networks")
    include_private_ranges: bool = Field(True, description="count RFC 1918, CGNAT, loopback, link-local as inside")
    direction: bool = True
    transport: bool = True
    service_names: bool = True
    cache_size: int = Field(65_536, ge=1, le=10_000_000, description="addresses remembered")

    @field_validator("internal_networks")
    @classmethod
    def _valid_cidrs(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError as err:
                raise ValueError(f"not a CIDR: {cidr!r} ({err})") from None
        return value


@ENRICHERS.register("network", NetworkConfig)
class NetworkEnricher(NoBackgroundWork):
    """Adds network direction, transport, family and service name."""

    def __init__(self, config: NetworkConfig):
        self.name = config.type
        self.config = config
        cidrs = list(config.internal_networks)
        if config.include_private_ranges:
            cidrs.extend(PRIVATE_RANGES)
        self._inside = CidrSet(cidrs)
        # address text -> (is inside, ip version), or None when it is not an address
        self._classify = LruFunction(self._classify_uncached, config.cache_size, "network.address")

    def _classify_uncached(self, text: str) -> tuple[bool, int] | None:
        ip = parse_ip(text)
        if ip is None:
            return None
        return self._inside.contains(ip), ip.version

    def enrich(self, events: list[Event]) -> list[Event]:
        classify = self._classify.get
        want_direction, want_transport, want_service = (
            self.config.direction,
            self.config.transport,
            self.config.service_names,
        )
        for event in events:
            doc = event.doc
            network = doc.get("network")
            if not isinstance(network, dict):
                network = None
            src = doc.get("source")
            dst = doc.get("destination")
            src_ip = src.get("ip") if isinstance(src, dict) else None
            dst_ip = dst.get("ip") if isinstance(dst, dict) else None
            added: dict[str, Any] = {}
            proto = None
            if network is not None:
                proto = protocol_number(network)
            if want_transport and proto is not None and (network is None or "transport" not in network):
                keyword = PROTOCOLS.get(proto)
                if keyword is not None:
                    added["transport"] = keyword
            src_class = classify(src_ip) if isinstance(src_ip, str) else None
            if src_class is not None and (network is None or "type" not in network):
                added["type"] = _FAMILY[src_class[1]]
            if want_direction and src_class is not None and (network is None or "direction" not in network):
                dst_class = classify(dst_ip) if isinstance(dst_ip, str) else None
                if dst_class is not None:
                    added["direction"] = _DIRECTIONS[(src_class[0], dst_class[0])]
            if want_service and proto is not None and (network is None or "protocol" not in network):
                service = _service(proto, src, dst)
                if service is not None:
                    added["protocol"] = service
            if added:
                if network is None:
                    doc["network"] = added
                else:
                    network.update(added)
        self._classify.publish()
        return events


def _service(proto: int, src: Any, dst: Any) -> str | None:
    dport = dst.get("port") if isinstance(dst, dict) else None
    if type(dport) is int:
        name = SERVICES.get((proto, dport))
        if name is not None:
            return name
    sport = src.get("port") if isinstance(src, dict) else None
    if type(sport) is int:
        return SERVICES.get((proto, sport))
    return None
