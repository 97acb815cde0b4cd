"""GeoIP fragments of client addresses, computed once per database network instead of once per address.

The GeoIP enricher answers an address with the City and ASN records of the
database networks that hold it (``GeoIpEnricher._lookup_uncached``): every
public address of the smaller of those two networks gets the same answer.
``NetworkFragments`` asks the databases for the record and the network's
prefix length (``get_with_prefix_len``) and keeps the rendered fragment per
network: the new addresses of a block are looked up all at once
(``np.searchsorted`` over ``is_public``'s non-public ranges and over the
known networks), and only addresses in networks never seen reach the
databases, the ECS field mapping and the JSON dumps. The fragment is the one the per-address
path renders (``VpcTables._address``), byte for byte.

>>> NetworkFragments(None, 16).fragment(134744072)  # 8.8.8.8 without GeoIP
b''
"""

from __future__ import annotations

import ipaddress
from typing import Any

import maxminddb
import numpy as np
import orjson

from processors.enrich._fields import copy_nested
from processors.enrich._ipnet import _NON_PUBLIC_V4
from processors.enrich.geoip import as_fields, geo_fields
from streams.core.metrics import CACHE_SIZE

_NON_PUBLIC_EDGES = np.array(_NON_PUBLIC_V4.boundaries(4), np.int64)  # range k: [edge 2k, edge 2k + 1)


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
        self.nets: dict[int, tuple[int, bytes]] = {}  # first address -> (last address, fragment): disjoint networks
        self._starts = self._ends = np.zeros(0, np.int64)  # ``nets`` sorted, for searchsorted
        self._frags: list[bytes] = []
        self._by_host: dict[int, dict[int, bytes]] = {}  # host bits -> network number -> fragment (same networks)
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
        self._by_host.clear()
        self._sorted()

    def _sorted(self) -> None:
        firsts = sorted(self.nets)
        self._starts = np.array(firsts, np.int64)
        self._ends = np.array([self.nets[f][0] for f in firsts], np.int64)
        self._frags = [self.nets[f][1] for f in firsts]
        CACHE_SIZE.labels(cache="fast.alb_geo_networks").set(len(self.nets))

    def fragment(self, value: int) -> bytes:
        """The source fragment of the IPv4 address ``value``."""
        return self.fragments(np.array([value], np.int64))[0]

    def fragments(self, values: np.ndarray) -> list[bytes]:
        """The source fragment of every IPv4 address of ``values``: known networks found for all at once."""
        geoip = self.geoip
        if geoip is None or not geoip.active or "source" not in geoip.config.fields:
            return [b""] * len(values)
        out = [b""] * len(values)
        public = np.searchsorted(_NON_PUBLIC_EDGES, values, "right") % 2 == 0  # outside every non-public range
        at = np.searchsorted(self._starts, values, "right") - 1
        known = public & (at >= 0)
        known[known] = values[known] <= self._ends[at[known]]
        frags = self._frags
        for k, a in zip(np.flatnonzero(known).tolist(), at[known].tolist(), strict=True):
            out[k] = frags[a]
        misses = np.flatnonzero(public & ~known).tolist()
        if misses:
            for k in misses:
                out[k] = self._lookup(int(values[k]))
            self._sorted()
        return out

    def _lookup(self, value: int) -> bytes:
        """Ask the databases about ``value`` (public); remember the fragment for its network."""
        geoip = self.geoip
        for host, nets in self._by_host.items():  # a network met earlier in this block
            found = nets.get(value >> host)
            if found is not None:
                return found
        ip = ipaddress.IPv4Address(value)
        city, city_length = _record(geoip.city, ip)
        asn, asn_length = _record(geoip.asn, ip)
        geo = geo_fields(city, geoip.config.language) if geoip.city is not None else None
        system = as_fields(asn) if geoip.asn is not None else None
        frag = (b',"geo":' + orjson.dumps(copy_nested(geo)) if geo is not None else b"") + (
            b',"as":' + orjson.dumps(copy_nested(system)) if system is not None else b"")
        if len(self.nets) >= self.limit:
            self.nets.clear()
            self._by_host.clear()
        host = 32 - max(city_length, asn_length)  # both records hold for every address of the smaller network
        first = value >> host << host
        self.nets[first] = (first + (1 << host) - 1, frag)
        self._by_host.setdefault(host, {})[value >> host] = frag
        return frag
