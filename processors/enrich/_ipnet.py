"""IP address classification against CIDR lists, as integer ranges.

CIDRs are merged into sorted, disjoint ``(first, last)`` integer ranges per
IP version, so a membership test is one ``bisect`` on a list of ints.

>>> nets = CidrSet(["10.0.0.0/8", "10.1.0.0/16", "fd00::/8"])
>>> nets.contains(parse_ip("10.1.2.3")), nets.contains(parse_ip("11.0.0.1"))
(True, False)
>>> nets.contains(parse_ip("fd12::1")), len(nets)
(True, 2)
>>> parse_ip("not-an-ip") is None
True
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: RFC 1918, RFC 6598 (carrier-grade NAT, used by some AWS services),
#: loopback, link-local (instance metadata 169.254.169.254) and IPv6 ULA/link-local.
PRIVATE_RANGES: tuple[str, ...] = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
)


def parse_ip(value: object) -> IPAddress | None:
    """An address from a document value, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


class CidrSet:
    """Fast membership tests for a fixed list of networks."""

    __slots__ = ("_starts", "_ends")

    def __init__(self, cidrs: Iterable[str]):
        ranges: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        for cidr in cidrs:
            net = ipaddress.ip_network(cidr, strict=False)
            ranges[net.version].append((int(net.network_address), int(net.broadcast_address)))
        self._starts: dict[int, list[int]] = {}
        self._ends: dict[int, list[int]] = {}
        for version, items in ranges.items():
            merged: list[list[int]] = []
            for first, last in sorted(items):
                if merged and first <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], last)
                else:
                    merged.append([first, last])
            self._starts[version] = [first for first, _ in merged]
            self._ends[version] = [last for _, last in merged]

    def contains(self, ip: IPAddress | None) -> bool:
        if ip is None:
            return False
        starts = self._starts[ip.version]
        value = int(ip)
        index = bisect.bisect_right(starts, value) - 1
        return index >= 0 and value <= self._ends[ip.version][index]

    def __len__(self) -> int:
        return len(self._starts[4]) + len(self._starts[6])


def is_public(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses (what GeoIP can locate).

    >>> [is_public(parse_ip(a)) for a in ("8.8.8.8", "10.0.0.1", "100.64.0.1", "224.0.0.1", "2001:db8::1")]
    [True, False, False, False, False]
    """
    return ip.is_global and not ip.is_multicast
