"""``network.community_id``: the Community ID v1 flow hash.

Specification: https://github.com/corelight/community-id-spec. The hash is
SHA1 over ``seed(2) . saddr . daddr . proto(1) . 0(1) . sport(2) . dport(2)``
(network byte order) after ordering the endpoints so the smaller
``(address, port)`` comes first, rendered as ``"1:" + base64(digest)``.
Ports are hashed only for TCP, UDP, SCTP, ICMP and ICMPv6; for ICMP the
source and destination port hold the ICMP type and code (the Zeek and VPC
flow log convention), mapped to the spec's port pairs. A flow whose ends
are of different address families (possible in VPC flow logs v5+, where
``pkt-srcaddr`` and ``pkt-dstaddr`` are reported) is hashed over the raw
bytes as Elastic's ``community_id`` processor does.

>>> community_id_v1("128.232.110.120", "66.35.250.204", 34855, 80, 6)
'1:LQU9qZlK+B5F3KDmev6m5PMibrg='
>>> community_id_v1("66.35.250.204", "128.232.110.120", 80, 34855, 6)
'1:LQU9qZlK+B5F3KDmev6m5PMibrg='
>>> community_id_v1("not-an-ip", "66.35.250.204", 80, 34855, 6) is None
True
"""

from __future__ import annotations

import base64
import hashlib
import struct

from pydantic import Field

from processors.enrich._cache import LruFunction
from processors.enrich._fields import protocol_number
from processors.enrich._ipnet import parse_ip
from processors.enrich._lifecycle import NoBackgroundWork
from streams.core.model import Event
from streams.core.registry import ENRICHERS, ComponentConfig

ICMP, TCP, UDP, ICMP6, SCTP = 1, 6, 17, 58, 132
_PORT_PROTOCOLS = frozenset((TCP, UDP, SCTP, ICMP, ICMP6))

# ICMP message types that come in request/reply pairs (Zeek's mapping, cited by the spec)
_ICMP4_PAIRS = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
_ICMP6_PAIRS = {128: 129, 129: 128, 130: 131, 131: 130, 133: 134, 134: 133, 135: 136, 136: 135,
                139: 140, 140: 139, 144: 145, 145: 144}


def _pack(text: str) -> bytes | None:
    ip = parse_ip(text)
    return ip.packed if ip is not None else None


def icmp_ports(proto: int, icmp_type: int, icmp_code: int) -> tuple[int, int, bool]:
    """(source port, destination port, one-way) for an ICMP type and code.

    >>> icmp_ports(1, 8, 0), icmp_ports(1, 11, 0), icmp_ports(58, 135, 0)
    ((8, 0, False), (11, 0, True), (135, 136, False))
    """
    pairs = _ICMP4_PAIRS if proto == ICMP else _ICMP6_PAIRS
    counter = pairs.get(icmp_type)
    if counter is None:
        return icmp_type, icmp_code, True
    return icmp_type, counter, False


def _digest(seed: int, saddr: bytes, daddr: bytes, sport: int | None, dport: int | None, proto: int,
            one_way: bool = False) -> str:
    if not one_way and (saddr > daddr or (saddr == daddr and (sport or 0) > (dport or 0))):
        saddr, daddr, sport, dport = daddr, saddr, dport, sport
    data = struct.pack("!H", seed) + saddr + daddr + struct.pack("!BB", proto, 0)
    if sport is not None and dport is not None:
        data += struct.pack("!HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode()


def community_id_v1(saddr: str, daddr: str, sport: int | None, dport: int | None, proto: int,
                    seed: int = 0) -> str | None:
    """The Community ID of one flow whose ports are already in the spec's form."""
    src, dst = _pack(saddr), _pack(daddr)
    if src is None or dst is None:
        return None
    if proto not in _PORT_PROTOCOLS:
        sport = dport = None
    return _digest(seed, src, dst, sport, dport, proto)


def community_id(saddr: str, daddr: str, sport: int | None, dport: int | None, proto: int,
                 seed: int = 0) -> str | None:
    """The Community ID of a flow as logs record it: ICMP type and code in the port fields.

    The one implementation every component uses (the enricher, the VPC flow parser).

    >>> community_id("192.168.0.89", "192.168.0.1", 8, 0, 1)   # echo request
    '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='
    >>> community_id("192.168.0.1", "192.168.0.89", 0, 0, 1)   # its reply: the same flow
    '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='
    >>> community_id("10.0.0.1", "10.0.0.2", None, 80, 6) is None
    True
    """
    src, dst = _pack(saddr), _pack(daddr)
    if src is None or dst is None:
        return None
    one_way = False
    if proto in _PORT_PROTOCOLS:
        if type(sport) is not int or type(dport) is not int or not (0 <= sport <= 65535 and 0 <= dport <= 65535):
            return None
        if proto == ICMP or proto == ICMP6:
            sport, dport, one_way = icmp_ports(proto, sport, dport)
    else:
        sport = dport = None
    return _digest(seed, src, dst, sport, dport, proto, one_way)


class CommunityIdConfig(ComponentConfig):
    seed: int = Field(0, ge=0, le=65535, description="Community ID seed (0 unless your tools agree otherwise)")
    cache_size: int = Field(65_536, ge=1, le=10_000_000, description="packed addresses remembered")


@ENRICHERS.register("community_id", CommunityIdConfig)
class CommunityIdEnricher(NoBackgroundWork):
    """Sets ``network.community_id`` from source/destination ip and port and the IP protocol.

    >>> from streams.core.model import Event, Position
    >>> doc = {"source": {"ip": "192.168.1.52", "port": 54585}, "destination": {"ip": "8.8.8.8", "port": 53},
    ...        "network": {"iana_number": "17"}}
    >>> _ = CommunityIdEnricher(CommunityIdConfig(type="community_id")).enrich(
    ...     [Event(doc, "vpcflow", "id", Position("s", "t", "0", "1"))])
    >>> doc["network"]["community_id"]
    '1:d/FP5EW3wiY1vCndhwleRRKHowQ='
    """

    def __init__(self, config: CommunityIdConfig):
        self.name = config.type
        self.seed = config.seed
        self._packed = LruFunction(_pack, config.cache_size, "community_id.address")

    def enrich(self, events: list[Event]) -> list[Event]:
        pack = self._packed.get
        seed = self.seed
        for event in events:
            doc = event.doc
            network = doc.get("network")
            if not isinstance(network, dict) or "community_id" in network:
                continue
            src, dst = doc.get("source"), doc.get("destination")
            if not isinstance(src, dict) or not isinstance(dst, dict):
                continue
            saddr, daddr = src.get("ip"), dst.get("ip")
            if not isinstance(saddr, str) or not isinstance(daddr, str):
                continue
            proto = protocol_number(network)
            if proto is None:
                continue
            src_bytes, dst_bytes = pack(saddr), pack(daddr)
            if src_bytes is None or dst_bytes is None:
                continue
            sport, dport, one_way = src.get("port"), dst.get("port"), False
            if proto in _PORT_PROTOCOLS:
                if type(sport) is not int or type(dport) is not int or not (0 <= sport <= 65535 and 0 <= dport <= 65535):
                    continue
                if proto == ICMP or proto == ICMP6:
                    sport, dport, one_way = icmp_ports(proto, sport, dport)
            else:
                sport = dport = None
            network["community_id"] = _digest(seed, src_bytes, dst_bytes, sport, dport, proto, one_way)
        self._packed.publish()
        return events
