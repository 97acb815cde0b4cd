"""Lookup tables for the fast VPC flow path, computed once per distinct value.

The configured enrichers themselves answer every question (``NetworkEnricher``
classifies an address, ``GeoIpEnricher`` looks it up), once per distinct
address in a bounded cache, and the answers become byte fragments the
compiled renderer copies. Protocol and service names come from the same
IANA tables the reference path uses.
"""

from __future__ import annotations

import socket
import struct
from typing import Any

import numba as nb
import numpy as np
import orjson

from processors.enrich._fields import copy_nested
from processors.enrich._iana import PROTOCOLS, SERVICES
from processors.fast.scan import distinct_codes
from processors.parsers._network import TRANSPORTS
from streams.core.metrics import CACHE_SIZE


@nb.njit(cache=True)
def port_codes(values):  # noqa: ANN001, ANN201 - numba kernel
    """``scan.distinct_codes`` of values in 0..65535 (ports) through a direct table (256 KB, in cache).

    >>> codes, uniq = port_codes(np.array([443, 53, 443, 0]))
    >>> codes.tolist(), uniq.tolist()
    ([0, 1, 0, 2], [443, 53, 0])
    """
    table = np.full(65536, -1, np.int32)
    codes = np.empty(len(values), np.int64)
    uniq = np.empty(min(len(values), 65536), np.int64)
    count = 0
    for i in range(len(values)):
        v = values[i]
        code = table[v]
        if code < 0:
            code = table[v] = count
            uniq[count] = v
            count += 1
        codes[i] = code
    return codes, uniq[:count]


def _packed(fragments: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.cumsum([0] + [len(f) for f in fragments]).astype(np.int64)
    # 8 bytes of slack: the render kernel copies words and may read past the last fragment's end
    return np.frombuffer(b"".join(fragments) + bytes(8), np.uint8).copy(), offsets


def dir_table() -> tuple[np.ndarray, np.ndarray]:
    """Fragment 0: no direction; 1 + src_inside * 2 + dst_inside: the direction."""
    names = {(False, False): "external", (False, True): "ingress", (True, False): "egress", (True, True): "internal"}
    frags = [b""] + [b',"direction":"' + names[(s, d)].encode() + b'"' for s in (False, True) for d in (False, True)]
    return _packed(frags)


class VpcTables:
    """Per-address fragments (geo/as, inside flag) and per-protocol fragments."""

    def __init__(self, network: Any | None, geoip: Any | None, cache_size: int = 262_144):
        self.network = network
        self.geoip = geoip
        self.cache_size = cache_size
        self._addresses: dict[int, tuple[bytes, bytes, int, str]] = {}  # src, dst fragment, inside, text
        want_transport = network is not None and network.config.transport
        frags = []
        for number in range(256):
            name = TRANSPORTS.get(number) or (PROTOCOLS.get(number) if want_transport else None)
            frags.append(b',"transport":"' + name.encode() + b'"' if name else b"")
        self.proto_buf, self.proto_off = _packed(frags)
        self.svc_slot = np.full(256, -1, np.int64)
        services = SERVICES if network is not None and network.config.service_names else {}
        protos = sorted({p for p, _ in services})
        names = sorted(set(services.values()))
        self.svc_idx = np.full((max(1, len(protos)), 65536), -1, np.int16)
        for slot, proto in enumerate(protos):
            self.svc_slot[proto] = slot
        for (proto, port), name in services.items():
            self.svc_idx[self.svc_slot[proto], port] = names.index(name)
        self.svc_buf, self.svc_off = _packed([b',"protocol":"' + n.encode() + b'"' for n in names])
        self.dir_buf, self.dir_off = dir_table()
        self.direction = network is not None and network.config.direction

    def _address(self, value: int) -> tuple[bytes, bytes, int, str]:
        found = self._addresses.get(value)
        if found is not None:
            return found
        text = socket.inet_ntoa(struct.pack("!I", value))
        inside = -1
        if self.network is not None:
            cls = self.network._classify.get(text)
            inside = -1 if cls is None else int(cls[0])
        src = dst = b""
        if self.geoip is not None and self.geoip.active:
            hit = self.geoip._lookup.get(text)
            if hit is not None:
                geo, asn = hit
                frag = (b',"geo":' + orjson.dumps(copy_nested(geo)) if geo is not None else b"") + (
                    b',"as":' + orjson.dumps(copy_nested(asn)) if asn is not None else b"")
                fields = self.geoip.config.fields
                src = frag if "source" in fields else b""
                dst = frag if "destination" in fields else b""
        if len(self._addresses) >= self.cache_size:
            self._addresses.clear()
        found = self._addresses[value] = (src, dst, inside, text)
        return found

    def addresses(self, ips: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], np.ndarray, list[str]]:
        """Codes (n, 2) into the distinct addresses, their src/dst fragment tables, direction codes, texts."""
        inverse, uniq = distinct_codes(ips.ravel())
        info = [self._address(v) for v in uniq.tolist()]
        if self.network is not None:
            self.network._classify.publish()
        if self.geoip is not None:
            self.geoip._lookup.publish()
        CACHE_SIZE.labels(cache="fast.vpcflow_addresses").set(len(self._addresses))
        codes = inverse.reshape(ips.shape)
        inside = np.array([i[2] for i in info] or [0], np.int64)
        if self.direction and len(codes):
            s, d = inside[codes[:, 0]], inside[codes[:, 1]]
            direction = np.where((s >= 0) & (d >= 0), 1 + s * 2 + d, 0)
        else:
            direction = np.zeros(len(codes), np.int64)
        texts = [i[3] for i in info]
        return codes, _packed([i[0] for i in info]), _packed([i[1] for i in info]), direction, texts
