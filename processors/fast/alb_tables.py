"""Per-distinct-value fragments for the fast ALB path: what needs Python semantics, computed once per value.

Each column of token spans gets a dictionary (``scan.token_codes``); each
distinct text is turned into a byte fragment by the reference code itself
(``url_fields``, the configured
``user_agent`` enricher, ``tls_version``, the GeoIP enricher through
``VpcTables``), remembered across blocks in a bounded cache.

>>> frags: list[bytes] = []
>>> AlbTables(None, None).fragments("tls", [b"TLSv1.2", b"-", b"tlsv13"], frags).tolist(), frags
([0, -1, 1], [b'"version":"1.2","version_protocol":"tls"', b'"version":"1.3","version_protocol":"tls"'])
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson

from processors.fast.tables import VpcTables
from processors.parsers._http import tls_version, url_fields
from streams.core.metrics import CACHE_SIZE
from streams.core.model import Event, Position

_POSITION = Position("fast", "alb", "", "0")


def _url(text: str) -> bytes:
    return b',"url":' + orjson.dumps(url_fields(text))


def _tls(text: str) -> bytes | None:
    version = tls_version(text)
    return None if version is None else orjson.dumps({"version": version, "version_protocol": "tls"})[1:-1]


class AlbTables:
    """Fragment makers per column kind, with their bounded caches (``CACHE_SIZE{cache="fast.alb_<kind>"}``)."""

    def __init__(self, geoip: Any | None, user_agent: Any | None, cache_size: int = 65_536):
        self.cache_size = cache_size
        self.addresses = VpcTables(None, geoip)  # ALB documents get no direction: only the GeoIP fragments
        self.makers: dict[str, Callable[[str], Any]] = {"url": _url, "tls": _tls, "ua": self._agent}
        self.caches: dict[str, dict[bytes, Any]] = {kind: {} for kind in self.makers}
        self.user_agent = user_agent
        self.texts: dict[int, str] = {}  # address -> dotted quad, for the detectors' columns
        self.parts: dict[str, dict[str, Any]] = {}  # URL -> url_fields, for the detectors' url.* columns

    def _agent(self, text: str) -> bytes:
        agent = {"original": text}
        if self.user_agent is not None:
            self.user_agent.enrich([Event({"user_agent": agent}, "aws.elb_logs", "", _POSITION)])
        return b',"user_agent":' + orjson.dumps(agent)

    def fragments(self, kind: str, texts: list[bytes], frags: list[bytes]) -> np.ndarray:
        """Fragment codes (-1: none) of distinct texts; appends the fragments to ``frags``."""
        cache, make = self.caches[kind], self.makers[kind]
        mapped = np.full(len(texts), -1, np.int64)
        for k, key in enumerate(texts):
            frag = cache.get(key)
            if frag is None and key not in cache:
                if len(cache) >= self.cache_size:
                    cache.clear()
                frag = cache[key] = make(key.decode())
            if frag is not None:
                mapped[k] = len(frags)
                frags.append(frag)
        CACHE_SIZE.labels(cache=f"fast.alb_{kind}").set(len(cache))
        return mapped

    def address_texts(self, values: list[int]) -> list[str | None]:
        """Dotted quads of IPv4 numbers (None for -1: absent), remembered across blocks."""
        cache = self.texts
        if len(cache) + len(values) > self.cache_size:
            cache.clear()
        texts = [cache.get(v) for v in values]
        for k, v in enumerate(values):
            if texts[k] is None and v >= 0:
                texts[k] = cache[v] = socket.inet_ntoa(struct.pack("!I", v))
        CACHE_SIZE.labels(cache="fast.alb_texts").set(len(cache))
        return texts

    def url_parts(self, text: str) -> dict[str, Any]:
        """``url_fields(text)``, remembered across blocks (callers must not change it)."""
        found = self.parts.get(text)
        if found is None:
            if len(self.parts) >= self.cache_size:
                self.parts.clear()
            found = self.parts[text] = url_fields(text)
            CACHE_SIZE.labels(cache="fast.alb_url_fields").set(len(self.parts))
        return found

    def sources(self, uniq: np.ndarray, frags: list[bytes]) -> np.ndarray:
        """GeoIP fragment codes (-1: none) of the distinct client addresses ``uniq``."""
        mapped = np.full(len(uniq), -1, np.int64)
        for k, value in enumerate(uniq.tolist()):
            frag = self.addresses._address(int(value))[0]
            if frag:
                mapped[k] = len(frags)
                frags.append(frag)
        if self.addresses.geoip is not None:
            self.addresses.geoip._lookup.publish()
        CACHE_SIZE.labels(cache="fast.alb_addresses").set(len(self.addresses._addresses))
        return mapped
