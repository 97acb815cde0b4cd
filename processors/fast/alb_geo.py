"""GeoIP fragments of client addresses, computed once per database network instead of once per address.

The GeoIP enricher answers an address with the City and ASN records of the
database networks that hold it (``GeoIpEnricher._lookup_uncached``): every
public address of the smaller of those two networks gets the same answer.
``NetworkFragments`` asks the databases for the record and the network's
prefix length (``get_with_prefix_len``) and keeps the rendered fragment per
network, so a new address inside a network seen before costs a bisect
(public or not) and a dict look-up or two, not two tree walks, the ECS
field mapping and two JSON dumps. The fragment is the one the per-address
path renders (``VpcTables._address``), byte for byte.

>>> NetworkFragments(None, 16).fragment(134744072)  # 8.8.8.8 without GeoIP
b''
"""

from __future__ import annotations

import ipaddress
from typing import Any

import maxminddb
import orjson

from processors.enrich._fields import copy_nested
from processors.enrich._ipnet import is_public
from processors.enrich.geoip import as_fields, geo_fields
from streams.core.metrics import CACHE_SIZE


def _record(reader: Any, ip: ipaddress.IPv4Address) -> tuple[Any, int]:
    """(record, IPv4 prefix length of its network) from a ``FollowingReader`` (none: the whole space)."""
    current = reader.reader if reader is not None else None
    if current is None:
        return None, 0
    try:
        record, length = current.get_with_prefix_len(ip)
    except (ValueError, maxminddb.InvalidDatabaseError):  # as FollowingReader.get: no answer, for this address only
        return None, 32
    return record, length if 0 <= length <= 32 else 32


class NetworkFragments:
    """``,"geo":{...},"as":{...}`` of source addresses (b"": none), remembered per network (at most ``limit``)."""

    def __init__(self, geoip: Any | None, limit: int):
        self.geoip = geoip
        self.limit = limit
        self.nets: dict[tuple[int, int], bytes] = {}  # (prefix length, network number) -> fragment
        self.lengths: list[int] = []  # the prefix lengths in ``nets``
        self.readers = self._readers()

    def _readers(self) -> tuple[Any, ...]:
        geoip = self.geoip
        return () if geoip is None else tuple(r.reader if r is not None else None for r in (geoip.city, geoip.asn))

    def reloaded(self) -> bool:
        """Whether a database was reopened since the fragments were made (they are dropped then)."""
        readers = self._readers()
        if len(readers) == len(self.readers) and all(a is b for a, b in zip(readers, self.readers, strict=True)):
            return False
        self.readers = readers
        self.clear()
        return True

    def clear(self) -> None:
        self.nets.clear()
        self.lengths.clear()

    def fragment(self, value: int) -> bytes:
        """The source fragment of the IPv4 address ``value``."""
        geoip = self.geoip
        if geoip is None or not geoip.active or "source" not in geoip.config.fields:
            return b""
        ip = ipaddress.IPv4Address(value)
        if not is_public(ip):
            return b""
        nets = self.nets
        for length in self.lengths:
            found = nets.get((length, value >> (32 - length)))
            if found is not None:
                return found
        city, city_length = _record(geoip.city, ip)
        asn, asn_length = _record(geoip.asn, ip)
        geo = geo_fields(city, geoip.config.language) if geoip.city is not None else None
        system = as_fields(asn) if geoip.asn is not None else None
        frag = (b',"geo":' + orjson.dumps(copy_nested(geo)) if geo is not None else b"") + (
            b',"as":' + orjson.dumps(copy_nested(system)) if system is not None else b"")
        if len(nets) >= self.limit:
            self.clear()
        length = max(city_length, asn_length)  # both records hold for every address of the smaller network
        nets[length, value >> (32 - length)] = frag
        if length not in self.lengths:
            self.lengths.append(length)
        CACHE_SIZE.labels(cache="fast.alb_geo_networks").set(len(nets))
        return frag
