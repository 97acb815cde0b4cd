"""Per-distinct-value fragments for the fast ALB path: what needs Python semantics, computed once per value.

Each column of token spans gets a dictionary (``scan.token_codes``); each
distinct text is turned into a byte fragment by the reference code itself
(``_num`` for processing times, ``url_fields``, the configured
``user_agent`` enricher, ``tls_version``, the GeoIP enricher through
``VpcTables``), remembered across blocks in a bounded cache. A value the
reference would reject marks its rows for the reference chain.

>>> import numpy as np
>>> tables = AlbTables(None, None, None)
>>> data = np.frombuffer(b"0.001 -1 0.500 x", np.uint8)
>>> frags: list[bytes] = []
>>> codes, bad = tables.column("float", data, np.array([0, 6, 9, 15]), np.array([5, 8, 14, 16]), frags)
>>> codes.tolist(), bad.tolist(), frags
([0, -1, 1, -1], [False, False, False, True], [b'0.001', b'0.5'])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import orjson

from processors.fast.scan import token_codes
from processors.fast.tables import VpcTables
from processors.parsers._common import ParseFailure
from processors.parsers._http import tls_version, url_fields
from processors.parsers.elb import _num
from streams.core.metrics import CACHE_SIZE
from streams.core.model import Event, Position

INVALID = object()  # the reference parser rejects this value: the row takes the reference path
_POSITION = Position("fast", "alb", "", "0")


def _float(text: str) -> Any:
    try:
        value = _num(text, "processing_time")
    except ParseFailure:
        return INVALID
    return None if value is None else orjson.dumps(value)


def _url(text: str) -> bytes:
    return b',"url":' + orjson.dumps(url_fields(text))


def _tls(text: str) -> bytes | None:
    version = tls_version(text)
    return None if version is None else orjson.dumps({"version": version, "version_protocol": "tls"})[1:-1]


class AlbTables:
    """Fragment makers per column kind, with their bounded caches (``CACHE_SIZE{cache="fast.alb_<kind>"}``)."""

    def __init__(self, network: Any | None, geoip: Any | None, user_agent: Any | None, cache_size: int = 65_536):
        self.cache_size = cache_size
        self.addresses = VpcTables(network, geoip)
        self.makers: dict[str, Callable[[str], Any]] = {"float": _float, "url": _url, "tls": _tls, "ua": self._agent}
        self.caches: dict[str, dict[bytes, Any]] = {kind: {} for kind in self.makers}
        self.user_agent = user_agent

    def _agent(self, text: str) -> bytes:
        agent = {"original": text}
        if self.user_agent is not None:
            self.user_agent.enrich([Event({"user_agent": agent}, "aws.elb_logs", "", _POSITION)])
        return b',"user_agent":' + orjson.dumps(agent)

    def column(self, kind: str, data: np.ndarray, fs: np.ndarray, fe: np.ndarray,
               frags: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """Fragment codes (-1: none) of the spans and which of them the reference rejects; appends to ``frags``."""
        codes = np.full(len(fs), -1, np.int64)
        bad = np.zeros(len(fs), bool)
        if not len(fs):
            return codes, bad
        local, firsts = token_codes(data, fs, fe)
        cache, make = self.caches[kind], self.makers[kind]
        mapped = np.full(len(firsts), -1, np.int64)
        rejected = np.zeros(len(firsts), bool)
        for k, r in enumerate(firsts.tolist()):
            key = data[fs[r]:fe[r]].tobytes()
            frag = cache.get(key)
            if frag is None and key not in cache:
                if len(cache) >= self.cache_size:
                    cache.clear()
                frag = cache[key] = make(key.decode())
            if frag is INVALID:
                rejected[k] = True
            elif frag is not None:
                mapped[k] = len(frags)
                frags.append(frag)
        CACHE_SIZE.labels(cache=f"fast.alb_{kind}").set(len(cache))
        return mapped[local], rejected[local]

    def sources(self, ips: np.ndarray, frags: list[bytes]) -> np.ndarray:
        """GeoIP fragment codes (-1: none) of the client addresses, one look-up per distinct address."""
        uniq, inverse = np.unique(ips, return_inverse=True)
        mapped = np.full(len(uniq), -1, np.int64)
        for k, value in enumerate(uniq.tolist()):
            frag = self.addresses._address(int(value))[0]
            if frag:
                mapped[k] = len(frags)
                frags.append(frag)
        t = self.addresses
        for enricher in (t.network, t.geoip):
            if enricher is not None:
                (enricher._classify if enricher is t.network else enricher._lookup).publish()
        CACHE_SIZE.labels(cache="fast.alb_addresses").set(len(t._addresses))
        return mapped[inverse.ravel()]
