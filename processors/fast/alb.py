"""The fast path for ALB access logs: a block of file bytes to NDJSON documents and detector columns.

``AlbFastPath.process`` takes a block of whole lines and returns an
``AlbBatch``: the NDJSON bytes of every line the compiled scanner admitted
(``alb_scan``), rendered by ``alb_render`` with per-distinct-value fragments
from ``alb_tables``, plus the reference chain's result for every other line
(Classic ELB, NLB, connection logs, escapes, IPv6, malformed lines: the same
documents, the same dead letters with line numbers and reasons).

``alb_support`` says whether a chain can take this path and why not.

>>> from processors.chain import ParserSet, ProcessorChain
>>> chain = ProcessorChain("auto", "elb", ParserSet(), [])
>>> line = (b'http 2018-07-02T22:23:00.186641Z app/lb/1 192.168.1.9:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 '
...         b'"GET http://x.com:80/ HTTP/1.1" "curl/7.46.0" - - arn "Root=1" "-" "-" 0 - "forward" "-" "-" "" "" "-" "-"')
>>> batch = AlbFastPath(chain).process("replay", "f.log", line + b"\\nhttp x\\n", 1, {})
>>> batch.documents, len(batch.slow.dead_letters), bytes(batch.ndjson)[:58]
(1, 1, b'{"_id":"b4ce2d6bf78b91c8ecaa2c6a6bdba3d2","aws":{"elb":{"n')
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from processors.chain import ProcessorChain
from processors.fast.alb_block import ScanBuffers, scan_interned
from processors.fast.alb_render import AGENT, GEO, MAX_FIXED, TLS, URL, render_alb
from processors.fast.alb_scan import CIP, CPORT, RECV, SENT, STATUS, TIP, TPORT, TSTATUS
from processors.fast.alb_store import FragmentStore
from processors.fast.alb_tables import AlbTables, BlockCodes, Prepared
from processors.fast.base import BlockBatch, Schema, register_fast_path
from processors.fast.buffers import Reusable
from processors.fast.render import event_ids
from processors.fast.scan import BLANK, FAST
from processors.fast.spantable import int_codes
from streams.core import metrics
from streams.core.model import Position, Record

DATASET = "aws.elb_logs"
SUPPORTED_ENRICHERS = {"network", "geoip", "community_id", "user_agent"}  # community_id adds nothing to ALB documents


TOP_LEVEL = {"aws", "event", "@timestamp", "source", "related", "http", "url", "user_agent", "tls", "trace",
             "destination", "cloud", "network"}
# field -> (kind, index): tok = token column, int = ints column, req = request span pair, url = a url_fields key
FIELDS: dict[str, tuple[str, Any]] = {
    "aws.elb.name": ("tok", 2), "aws.elb.type": ("tok", 0), "aws.elb.target_group.arn": ("tok", 16),
    "destination.domain": ("tok", 18), "user_agent.original": ("tok", 13), "aws.elb.ssl_cipher": ("tok", 14),
    "source.ip": ("ip", CIP), "source.address": ("ip", CIP), "aws.elb.backend.ip": ("ip", TIP),
    "source.port": ("int", CPORT), "aws.elb.backend.port": ("port", TPORT),
    "http.response.status_code": ("int", STATUS), "aws.elb.backend.http.response.status_code": ("int", TSTATUS),
    "http.request.body.bytes": ("int", RECV), "http.response.body.bytes": ("int", SENT),
    "http.request.method": ("req", 0), "http.version": ("req", 4),
    **{f"url.{key}": ("url", key) for key in ("original", "scheme", "domain", "port", "path", "query", "extension")},
}


def _absent(path: str) -> bool:
    """Fields no fast ALB document has."""
    parts = path.split(".")
    return (parts[0] not in TOP_LEVEL or (parts[0] == "aws" and parts[1:2] != ["elb"])
            or (parts[0] == "destination" and path != "destination.domain")
            or (parts[0] == "source" and parts[1:2] not in (["address"], ["ip"], ["port"], ["geo"], ["as"])))


SCHEMA = Schema(DATASET, frozenset(FIELDS), _absent, frozenset({"@timestamp", "event.end"}))
# interned for every block in one pass (``AlbTables.intern``): (fragment column, name, pair 0 = ts/te or
# 1 = req, start column, end column); aws.elb.name (tok2) is error_rate's default key
SPAN_COLUMNS = [(URL, "url", 1, 2, 3), (AGENT, "ua", 0, 13, 13), (TLS, "tls", 0, 15, 15), (-1, "tok2", 0, 2, 2)]


_EMPTY = np.zeros((0, 0), np.int64)


@dataclass(slots=True)
class AlbBatch(BlockBatch):
    """One block: rendered documents of fast rows, the reference result of the others, their token spans."""

    schema = SCHEMA
    data: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    ts: np.ndarray = field(default_factory=lambda: np.zeros((0, 33), np.int64))
    te: np.ndarray = field(default_factory=lambda: np.zeros((0, 33), np.int64))
    ints: np.ndarray = field(default_factory=lambda: np.zeros((0, 8), np.int64))
    req: np.ndarray = field(default_factory=lambda: np.zeros((0, 6), np.int64))
    interned: BlockCodes | None = None  # stable codes of the span columns and clients (``alb_tables``)
    tables: AlbTables | None = None  # the path's interned values
    epochs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))  # the detectors' clock per row

    def values(self, path: str) -> tuple[np.ndarray, list[Any]]:
        kind, index = FIELDS[path]
        assert self.tables is not None and self.interned is not None, "columns of a block with fast rows"
        if kind == "url":
            return self.tables.column(self.interned, "url", self.data, self.req[:, 2], self.req[:, 3], index)
        if kind in ("tok", "req"):
            name = "ua" if index == 13 and kind == "tok" else f"{kind}{index}"
            spans = (self.ts[:, index], self.te[:, index]) if kind == "tok" else (self.req[:, index], self.req[:, index + 1])
            return self.tables.column(self.interned, name, self.data, *spans)
        if kind == "ip" and index == CIP:
            return self.tables.addresses_column(self.interned)
        if kind == "int":
            codes, firsts = int_codes(self.ints[:, index:index + 1])
            return codes, [None if v < 0 else v for v in self.ints[firsts, index].tolist()]
        uniq, inverse = np.unique(self.ints[:, index], return_inverse=True)
        convert = {"ip": lambda v: socket.inet_ntoa(struct.pack("!I", v)), "port": str}[kind]
        return inverse.astype(np.int64).ravel(), [None if v < 0 else convert(v) for v in uniq.tolist()]

    def times(self, path: str) -> np.ndarray:
        return self.epochs  # computed by the scanner: @timestamp and event.end are both the line's time

    def release(self) -> None:
        """Drop the block's buffers once written: the scanner's and renderer's pools hand them out again."""
        BlockBatch.release(self)
        self.ts = self.te = self.ints = self.req = self.data = self.epochs = _EMPTY


@register_fast_path("elb")
def build(chain: ProcessorChain, *, include_id: bool, keep_original: bool, sample: bytes) -> AlbFastPath | str:
    """The ALB fast path for ``chain`` or why not."""
    if sample.lstrip()[:1] in (b"{", b"["):
        return "the input looks like JSON"
    why = alb_support(chain, keep_original)
    return why if why is not None else AlbFastPath(chain, include_id=include_id)


def alb_support(chain: ProcessorChain, keep_original: bool = False) -> str | None:
    """None when ``chain`` can run on the fast ALB path, else the reason it cannot."""
    if chain.dataset != "elb":
        return f"dataset {chain.dataset!r}"
    if keep_original or chain.parsers.get("elb").keep_original:
        return "keep_original"
    kinds = [getattr(e, "name", type(e).__name__) for e in chain.enrichers]
    unsupported = [k for k in kinds if k not in SUPPORTED_ENRICHERS]
    if unsupported or len(set(kinds)) != len(kinds):
        return f"enrichers {unsupported or kinds}"
    return None


class AlbFastPath:
    schema = SCHEMA

    def __init__(self, chain: ProcessorChain, include_id: bool = True):
        self.chain = chain
        self.include_id = include_id
        by_name = {getattr(e, "name", ""): e for e in chain.enrichers}
        self.network = "network" in by_name
        self.tables = AlbTables(by_name.get("geoip"), by_name.get("user_agent"))
        self.buffers = Reusable(lambda size: np.empty(size, np.uint8))  # rendered NDJSON of a block
        self.scan_buffers = ScanBuffers(interned=True)

    def process(self, source: str, path: str, block: bytes | memoryview, first_line: int, attrs: dict) -> AlbBatch:
        data = np.frombuffer(block, np.uint8)
        prepared = self.tables.prepare(SPAN_COLUMNS)  # the span columns are interned by the scanner
        (starts, ends, status, ts, te, ints, req, times, prepared.codes), prepared.rows = scan_interned(
            data, self.scan_buffers, prepared.table, prepared.spec)  # of fast rows only
        numbers = np.arange(first_line, first_line + len(starts), dtype=np.int64)
        out = AlbBatch(lines=len(starts), last_line=first_line + len(starts) - 1, data=data, tables=self.tables,
                       epochs=times)
        rows = np.flatnonzero(status == FAST)
        self._slow(out, source, path, block, starts, ends, numbers, status, attrs)
        if len(rows):
            self._render(out, data, rows, ts, te, ints, req, numbers, int((ends[rows] - starts[rows]).sum()), path,
                         prepared)
        metrics.STAGE_OUT.labels("parse", DATASET).inc(len(rows))
        return out

    def _fragments(self, out: AlbBatch, data: np.ndarray, ts: np.ndarray, te: np.ndarray, ints: np.ndarray,
                   req: np.ndarray, prepared: Prepared | None = None) -> tuple[np.ndarray, FragmentStore]:
        """Fragment ids per fast row (``alb_render`` columns) and the store holding the fragments."""
        block = out.interned = self.tables.intern(data, (ts, te), (req, req), SPAN_COLUMNS, (GEO, ints[:, CIP]),
                                                  prepared)
        return block.fc, block.gen.store

    def _slow(self, out: AlbBatch, source: str, path: str, block: bytes | memoryview, starts: np.ndarray,
              ends: np.ndarray, numbers: np.ndarray, status: np.ndarray, attrs: dict) -> None:
        now = time.time()
        records = [
            Record(bytes(block[starts[r]:ends[r]]), Position(source, path, "", str(numbers[r])), now, attrs)
            for r in np.flatnonzero((status != FAST) & (status != BLANK)).tolist()
        ]
        if records:
            out.slow = self.chain.process(records)

    def _render(self, out: AlbBatch, data: np.ndarray, rows: np.ndarray, ts: np.ndarray, te: np.ndarray,
                ints: np.ndarray, req: np.ndarray, numbers: np.ndarray, text: int, path: str,
                prepared: Prepared | None = None) -> None:
        """Render the fast rows (``text``: their bytes in the block)."""
        fc, store = self._fragments(out, data, ts, te, ints, req, prepared)
        n = len(rows)
        ids = np.empty((n, 32), np.uint8)
        event_ids(np.frombuffer(f"{path}\x1f\x1f".encode(), np.uint8), numbers[rows], ids)
        fbuf, foff = store.packed()
        longest = store.longest
        # no token is written more than 4 times its length (3 ISO times from one 20+ byte token, lists at 2x)
        bound = n * (MAX_FIXED + 4 * int(longest)) + 4 * text + 8  # + the last word copy's overshoot
        buf = self.buffers.get(bound)
        line_ends = render_alb(data, ts, te, ints, req, fc, fbuf, foff, ids.reshape(-1), self.include_id, self.network, buf)
        out.ndjson = memoryview(buf[: int(line_ends[-1])])
        out.documents, out.ids = n, ids
        out.ts, out.te, out.ints, out.req = ts, te, ints, req

