"""The integer IPv4 public-address check against the standard library's own answer."""

from __future__ import annotations

import ipaddress
import random

from processors.enrich._ipnet import is_public


def _stdlib(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast


def _edges() -> list[int]:
    constants = ipaddress.IPv4Address._constants  # type: ignore[attr-defined]
    nets: list[ipaddress.IPv4Network] = []
    for name in ("_private_networks", "_private_networks_exceptions", "_public_network", "_multicast_network",
                 "_reserved_network", "_linklocal_network", "_loopback_network"):
        value = getattr(constants, name, [])
        nets.extend([value] if isinstance(value, ipaddress.IPv4Network) else value)
    assert len(nets) > 10
    edges = []
    for net in nets:
        first, last = int(net.network_address), int(net.broadcast_address)
        edges += [first - 1, first, first + 1, last - 1, last, last + 1]
    return [e for e in edges if 0 <= e < 2**32]


def test_every_range_edge_and_random_addresses_agree_with_the_stdlib() -> None:
    rng = random.Random(7)
    values = _edges() + [rng.getrandbits(32) for _ in range(20_000)] + [0, 2**32 - 1]
    wrong = [str(ipaddress.IPv4Address(v)) for v in values
             if is_public(ipaddress.IPv4Address(v)) != _stdlib(ipaddress.IPv4Address(v))]
    assert wrong == []


def test_ipv6_keeps_the_stdlib_answer() -> None:
    for text in ("2001:4860:4860::8888", "::1", "fe80::1", "fd00::1", "ff02::1", "2001:db8::1", "::ffff:8.8.8.8"):
        ip = ipaddress.ip_address(text)
        assert is_public(ip) == _stdlib(ip), text
    assert is_public(ipaddress.ip_address("2001:4860:4860::8888")) is True
