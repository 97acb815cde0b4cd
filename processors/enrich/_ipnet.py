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

    def __init__(self, cidrs: Iterable[str] = (), ranges: Iterable[tuple[int, int, int]] = ()):
        """From CIDR strings and/or ``(version, first, last)`` integer ranges (merged when they touch)."""
        by_version: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        for cidr in cidrs:
            net = ipaddress.ip_network(cidr, strict=False)
            by_version[net.version].append((int(net.network_address), int(net.broadcast_address)))
        for version, first, last in ranges:
            by_version[version].append((first, last))
        self._starts: dict[int, list[int]] = {}
        self._ends: dict[int, list[int]] = {}
        for version, items in by_version.items():
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

    def boundaries(self, version: int) -> list[int]:
        """Where membership changes: each range's first address and the one after its last."""
        return [edge for first, last in zip(self._starts[version], self._ends[version], strict=True)
                for edge in (first, last + 1)]


def _stdlib_ranges(name: str) -> CidrSet:
    """The IPv4 networks of one of ``ipaddress``'s own special-purpose lists (empty when this Python lacks it)."""
    nets = getattr(ipaddress.IPv4Address._constants, name, [])  # type: ignore[attr-defined]
    if isinstance(nets, ipaddress.IPv4Network):
        nets = [nets]
    return CidrSet(str(net) for net in nets)


def _non_public_v4() -> CidrSet:
    """The IPv4 addresses for which ``ip.is_global and not ip.is_multicast`` is false, as merged integer ranges.

    The standard library answers ``is_private`` by testing the address
    against each of its ~15 special-purpose networks in turn (several
    microseconds per address, and it runs once per distinct address in the
    GeoIP enricher). The same lists, taken from ``ipaddress`` itself so they
    follow the running Python's rules (newer versions carve exceptions out
    of the private list), are folded here into one ``CidrSet``: one
    ``bisect`` per address.
    """
    private, exceptions = _stdlib_ranges("_private_networks"), _stdlib_ranges("_private_networks_exceptions")
    shared, multicast = _stdlib_ranges("_public_network"), _stdlib_ranges("_multicast_network")

    def public(value: int) -> bool:
        ip = ipaddress.IPv4Address(value)
        if shared.contains(ip) or multicast.contains(ip):
            return False
        return not (private.contains(ip) and not exceptions.contains(ip))

    # The answer is constant between consecutive range boundaries: test one address per piece.
    cuts = sorted({0, 2**32} | {edge for ranges in (private, exceptions, shared, multicast)
                                for edge in ranges.boundaries(4)})
    return CidrSet(ranges=[(4, first, after - 1) for first, after in zip(cuts, cuts[1:], strict=False)
                           if not public(first)])


_NON_PUBLIC_V4 = _non_public_v4()


def is_public(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses (what GeoIP can locate).

    Exactly ``ip.is_global and not ip.is_multicast`` (IPv4 by integer ranges).

    >>> [is_public(parse_ip(a)) for a in ("8.8.8.8", "10.0.0.1", "100.64.0.1", "224.0.0.1", "2001:db8::1")]
    [True, False, False, False, False]
    """
    if ip.version == 4:
        return not _NON_PUBLIC_V4.contains(ip)
    return ip.is_global and not ip.is_multicast
