"""Per-distinct-value work of the fast ALB path, done once per value across blocks.

Every span column the render needs a fragment of (URL, user agent, TLS
version) and the client address are interned in persistent compiled
tables (``alb_intern``): one kernel pass over a block's rows gives every
row a code per column that stays the same across blocks, and only values never seen
before reach Python, where the reference code itself makes their fragment
(``url_fields``, the configured ``user_agent`` enricher, ``tls_version``,
the GeoIP databases once per network, ``alb_geo``). Fragments stay in one
``FragmentStore`` the render reads directly. The detectors' columns come
from the same codes (``column``): a block's codes compacted to its
distinct values, the converted value remembered per code.

Everything interned since the last clear is one ``Generation``; when a
column goes over ``cache_size`` distinct values, a fresh generation
replaces it (``CACHE_SIZE{cache="fast.alb_<column>"}`` shows the sizes). A
block's ``BlockCodes`` keeps the generation its codes refer to.

>>> import numpy as np
>>> data = np.frombuffer(b"TLSv1.2 - tlsv13", np.uint8)
>>> tables = AlbTables(None, None)
>>> spans = np.array([[0, 7], [8, 9], [10, 16]])
>>> block = tables.intern(data, (spans, spans), (spans, spans), [(0, "tls", 0, 0, 1)], None)
>>> buf, offsets = block.gen.store.packed()
>>> block.fc[:, 0].tolist(), [buf[offsets[f]:offsets[f + 1]].tobytes() for f in block.fc[:, 0] if f >= 0]
([0, -1, 1], [b'"version":"1.2","version_protocol":"tls"', b'"version":"1.3","version_protocol":"tls"'])
>>> tables.column(block, "tls", data, np.array([0, 8, 10]), np.array([7, 9, 16]))[1]  # the block's codes
['TLSv1.2', 'tlsv13', None]
>>> codes, values = tables.column(block, "other", data, np.array([10, 8, 0]), np.array([16, 9, 7]))  # new
>>> codes.tolist(), values
([0, 2, 1], ['tlsv13', 'TLSv1.2', None])
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from processors.fast.alb_geo import NetworkFragments
from processors.fast.alb_intern import IntCodes, SpanCodes, compact
from processors.fast.alb_store import FragmentStore
from processors.parsers._http import tls_version, url_fields
from streams.core.metrics import CACHE_SIZE
from streams.core.model import Event, Position

_POSITION = Position("fast", "alb", "", "0")
CLIENT, SPANS = "client", "spans"  # the client addresses; the span columns interned together


def _url(text: str) -> bytes:
    return b',"url":' + orjson.dumps(url_fields(text))


def _tls(text: str) -> bytes | None:
    version = tls_version(text)
    return None if version is None else orjson.dumps({"version": version, "version_protocol": "tls"})[1:-1]


@dataclass(slots=True)
class Interned:
    """One column's values since the last clear: codes, texts, fragment ids and converted values per code."""

    codes: SpanCodes | IntCodes
    texts: list[str] = field(default_factory=list)  # text per code (dotted quads for addresses)
    frags: np.ndarray = field(default_factory=lambda: np.full(64, -1, np.int64))  # fragment id per code, -1: none
    parsed: dict[int, Any] = field(default_factory=dict)  # code -> url_fields of its text (the detectors' url.*)
    scratch: np.ndarray = field(default_factory=lambda: np.full(64, -1, np.int64))  # for ``compact``
    sizes: dict[str, int] = field(default_factory=dict)  # values per column name (a table several share)

    def frag_ids(self, codes: np.ndarray) -> np.ndarray:
        """The fragment id of every code (code -1, and codes without a fragment: -1)."""
        self._room(self.codes.count)
        return self.frags[codes]  # ``frags`` is longer than the count: code -1 picks a -1

    def set_frag(self, code: int, frag: int) -> None:
        self._room(code + 1)
        self.frags[code] = frag

    def _room(self, count: int) -> None:
        if count >= len(self.frags):
            self.frags = np.concatenate([self.frags, np.full(max(len(self.frags), count), -1, np.int64)])

    def block_codes(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.codes.count > len(self.scratch):
            self.scratch = np.full(2 * self.codes.count, -1, np.int64)
        return compact(codes, self.scratch)


class Generation:
    """Every column interned since the last clear and the fragments they made.

    A column holds ``limit`` values, or what ``room`` asks for when it is created: a generation started for
    a block whose values alone are over ``limit`` holds that block.
    """

    def __init__(self, limit: int, rows: int = 0):
        self.limit, self.rows = limit, rows
        self.columns: dict[str, Interned] = {}
        self.store = FragmentStore()

    def column(self, name: str, room: int = 0) -> Interned:
        """The column ``name`` (created with room for ``max(limit, room)`` values)."""
        found = self.columns.get(name)
        if found is None:
            limit = max(self.limit, room)
            found = self.columns[name] = Interned(IntCodes(limit) if name == CLIENT else SpanCodes(limit))
        return found

    def fresh(self, name: str, room: int) -> Interned:
        """A new, empty column ``name`` instead of the one over its limit."""
        self.columns.pop(name, None)
        return self.column(name, room)


@dataclass(slots=True)
class Prepared:
    """The shared span table and column spec a scanner interns into before ``AlbTables.intern`` runs
    (``alb_block.scan_interned``): ``new`` is the table's count before, ``codes`` and ``rows`` what the scanner
    did."""

    gen: Generation
    table: SpanCodes
    spec: np.ndarray
    new: int
    codes: np.ndarray | None = None
    rows: int = 0


@dataclass(slots=True)
class BlockCodes:
    """A block's stable codes per column (``url``, ``ua``, ``tls``, ``client`` ...) and their fragment ids ``fc``."""

    gen: Generation
    codes: dict[str, tuple[Interned, np.ndarray]]  # column name -> (its interned values, code per row)
    fc: np.ndarray


class AlbTables:
    """Fragment makers per column kind and the current ``Generation`` of interned values."""

    def __init__(self, geoip: Any | None, user_agent: Any | None, cache_size: int = 65_536):
        self.cache_size = cache_size
        self.geo = NetworkFragments(geoip, cache_size)  # ALB documents get no direction: only the GeoIP fragments
        self.makers: dict[str, Callable[[str], Any]] = {"url": _url, "tls": _tls, "ua": self._agent}
        self.kinds: dict[str, int] = {}  # span column name -> its kind in the shared table
        self.user_agent = user_agent
        self.gen = Generation(cache_size)

    def _agent(self, text: str) -> bytes:
        agent = {"original": text}
        if self.user_agent is not None:
            self.user_agent.enrich([Event({"user_agent": agent}, "aws.elb_logs", "", _POSITION)])
        return b',"user_agent":' + orjson.dumps(agent)

    def intern(self, data: np.ndarray, pair0: tuple[np.ndarray, np.ndarray], pair1: tuple[np.ndarray, np.ndarray],
               columns: list[tuple[int, str, int, int, int]], clients: tuple[int, np.ndarray] | None,
               prepared: Prepared | None = None) -> BlockCodes:
        """Codes of span columns and client addresses, their fragment ids in ``fc``; new values get fragments.

        ``columns``: (fragment column k or -1, name, matrix pair, start column, end column): the spans of the
        column are ``pair[0][:, start]:pair[1][:, end]`` (all interned in one pass over the rows); ``clients``:
        (k, address per row). Over ``cache_size`` values: everything starts over. ``prepared``: rows a scanner
        interned already (``prepare``), used while the generation is the same.
        """
        rows = len(pair0[0])
        if self.geo.reloaded():  # a GeoIP database changed: no fragment made with the old one stays
            self.gen = Generation(self.cache_size)
        for _ in range(2):
            block = self._intern(self.gen, data, pair0, pair1, columns, clients, rows, prepared)
            if block is not None:
                return block
            self.gen = Generation(self.cache_size, rows)  # the second pass fits
            self.geo.clear()
        raise AssertionError("a fresh generation holds a whole block")

    def _intern(self, gen: Generation, data: np.ndarray, pair0: tuple[np.ndarray, np.ndarray],
                pair1: tuple[np.ndarray, np.ndarray], columns: list[tuple[int, str, int, int, int]],
                clients: tuple[int, np.ndarray] | None, rows: int, prepared: Prepared | None = None) -> BlockCodes | None:
        fc = np.full((rows, 4), -1, np.int64)
        out = BlockCodes(gen, {}, fc)
        col = gen.column(SPANS, gen.rows * len(columns))
        spec = self._spec(columns)
        done = None
        if prepared is not None and prepared.gen is gen and prepared.table is col.codes and prepared.codes is not None:
            done = prepared.codes[:, :len(spec)], prepared.rows, prepared.new
        codes = col.codes.columns(data, pair0, pair1, spec, done) if columns else np.zeros((rows, 0), np.int64)  # type: ignore[union-attr]
        if codes is None:
            return None
        if col.codes.count > col.codes.new:
            self._span_fragments(gen, col)
        for j, (k, name, *_) in enumerate(columns):
            out.codes[name] = col, codes[:, j]
            if k >= 0:
                fc[:, k] = col.frag_ids(codes[:, j])
        if clients is not None:
            k, values = clients
            col = gen.column(CLIENT, gen.rows)
            client_codes = col.codes.codes(values)
            if client_codes is None:
                return None
            if col.codes.count > col.codes.new:
                self._sources(gen, col)
            out.codes[CLIENT], fc[:, k] = (col, client_codes), col.frag_ids(client_codes)
        return out

    def prepare(self, columns: list[tuple[int, str, int, int, int]]) -> Prepared:
        """The shared span table of the current generation and the spec of ``columns`` for a scanner."""
        table = self.gen.column(SPANS, self.gen.rows * len(columns)).codes
        return Prepared(self.gen, table, self._spec(columns), table.count)  # type: ignore[arg-type]

    def _spec(self, columns: list[tuple[int, str, int, int, int]]) -> np.ndarray:
        kinds = [self._kind(name) for _, name, *_ in columns]
        return np.array([[p, a, e, kind] for (_, _, p, a, e), kind in zip(columns, kinds, strict=True)], np.int64)

    def _kind(self, name: str) -> int:
        return self.kinds.setdefault(name, len(self.kinds))

    def _span_fragments(self, gen: Generation, col: Interned) -> None:
        """Texts and fragments of new span values (``makers`` by kind), the sizes per kind."""
        names = {kind: name for name, kind in self.kinds.items()}
        for code, text in self._new_texts(col):
            name = names[col.codes.kind(code)]  # type: ignore[union-attr]
            col.sizes[name] = col.sizes.get(name, 0) + 1
            make = self.makers.get(name)
            frag = make(text) if make is not None else None
            if frag is not None:
                col.set_frag(code, gen.store.add(frag))
        for name, size in col.sizes.items():
            CACHE_SIZE.labels(cache=f"fast.alb_{name}").set(size)

    @staticmethod
    def _new_texts(col: Interned) -> list[tuple[int, str]]:
        found = col.codes
        new = [(code, found.text(code).decode()) for code in range(found.new, found.count)]  # type: ignore[union-attr]
        col.texts.extend(text for _, text in new)
        return new

    def _sources(self, gen: Generation, col: Interned) -> None:
        """GeoIP fragments and dotted quads of the new client addresses."""
        found = col.codes
        values = found.values(np.arange(found.new, found.count))  # type: ignore[union-attr]
        add = gen.store.add
        for code, value, src in zip(range(found.new, found.count), values.tolist(), self.geo.fragments(values),
                                    strict=True):
            col.texts.append(socket.inet_ntoa(struct.pack("!I", value)))
            if src:
                col.set_frag(code, add(src))
        CACHE_SIZE.labels(cache="fast.alb_addresses").set(found.count)

    def column(self, block: BlockCodes, name: str, data: np.ndarray, fs: np.ndarray, fe: np.ndarray,
               url_key: str | None = None) -> tuple[np.ndarray, list[Any]]:
        """The detectors' column of a span column: a code per row and the distinct values (None: absent), equal
        values merged; ``url_key``: the ``url_fields`` key of the URL instead of the text."""
        found = block.codes.get(name)
        if found is not None:
            col, codes = found
        else:  # a column the block did not intern: interned on first use, in a table of its own
            col = block.gen.column(name)
            codes = col.codes.codes(data, fs, fe)
            if codes is None:  # over the limit: this column starts over (other blocks' codes stay valid)
                col = block.gen.fresh(name, len(fs))
                codes = col.codes.codes(data, fs, fe)
                assert codes is not None, "a fresh column holds a whole block"
            self._new_texts(col)
            CACHE_SIZE.labels(cache=f"fast.alb_{name}").set(col.codes.count)
        local, uniq = col.block_codes(codes)
        texts = col.texts
        if url_key is None:
            return merged(local, [texts[c] for c in uniq.tolist()])
        parsed = col.parsed
        values = []
        for c in uniq.tolist():
            fields = parsed.get(c)
            if fields is None:
                fields = parsed[c] = url_fields(texts[c])
            values.append(fields.get(url_key))
        return merged(local, values)

    def addresses_column(self, block: BlockCodes) -> tuple[np.ndarray, list[str | None]]:
        """The detectors' client address column (``source.ip``, ``source.address``)."""
        col, codes = block.codes[CLIENT]
        local, uniq = col.block_codes(codes)
        texts = col.texts
        values: list[str | None] = [texts[c] for c in uniq.tolist()]
        values.append(None)
        return np.where(local < 0, len(uniq), local), values


def merged(codes: np.ndarray, values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes into ``values`` (-1: None) and the distinct values, equal values (of equal type) merged.

    >>> codes, values = merged(np.array([0, 1, -1, 2]), ["/a", None, "/a"])
    >>> codes.tolist(), values
    ([0, 1, 1, 0], ['/a', None])
    """
    index: dict[tuple[type, Any], int] = {}
    remap = np.array([index.setdefault((type(v), v), len(index)) for v in [*values, None]], np.int64)
    return remap[codes], [value for (_, value) in index]  # code -1 picks the last entry: None
