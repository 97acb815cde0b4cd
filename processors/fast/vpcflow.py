"""The fast path for VPC flow logs v2: a block of file bytes to NDJSON documents and detector columns.

``VpcFlowFastPath.process`` takes a block of whole lines and returns a
``FastBatch``: the NDJSON bytes of every line the compiled scanner admitted
(see ``processors.fast.scan``), plus the reference chain's result for every
other line (headers, NODATA, IPv6, malformed lines: same documents, same
dead letters with line numbers and reasons, same metrics), and the columns
the detectors aggregate (``processors.fast.columns``).

``fast_support`` says whether a chain can take this path (else the runtime
keeps the reference path) and why not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from processors.chain import ProcessorChain
from processors.fast.base import BlockBatch, Schema, register_fast_path
from processors.fast.buffers import RenderBuffer, render_chunks
from processors.fast.render import MAX_FIXED, community_ids, event_ids, render
from processors.fast.scan import BLANK, FAST
from processors.fast.tables import VpcTables, port_codes
from processors.fast.vpcfrags import Fragments
from processors.fast.vpcscan import ScanBuffers, scan_block
from processors.parsers.vpcflow import V2
from streams.core import metrics
from streams.core.model import Position, Record

SUPPORTED_ENRICHERS = {"network", "geoip", "community_id", "user_agent"}
_ICMP4_PAIRS = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17, 10: 9, 9: 10}
ICMP_PAIRS = np.array([_ICMP4_PAIRS.get(i, -1) for i in range(256)], np.int64)
CHUNK_ROWS = 4_096  # documents rendered at once (~4 MB of NDJSON; the sink writes it 1 MiB at a time)


@dataclass(slots=True)
class Rendering:
    """The render kernel's inputs for a block's fast rows; ``chunk(a, b)`` renders rows ``a:b`` into ``buffer``."""

    data: np.ndarray
    fs: np.ndarray
    fe: np.ndarray
    ints: np.ndarray
    ids: np.ndarray
    cids: np.ndarray
    codes: np.ndarray
    sources: tuple[np.ndarray, np.ndarray]
    destinations: tuple[np.ndarray, np.ndarray]
    direction: np.ndarray
    fragments: Fragments
    tables: VpcTables
    include_id: bool
    with_cid: bool
    buffer: RenderBuffer
    widest: int = -1  # the longest source plus destination address fragments

    def chunk(self, a: int, b: int) -> memoryview:
        fs, fe, t = self.fs[a:b], self.fe[a:b], self.tables
        (sbuf, soff), (dbuf, doff) = self.sources, self.destinations
        if self.widest < 0:
            self.widest = int(np.diff(soff).max(initial=0) + np.diff(doff).max(initial=0))
        n = b - a
        # fields are copied up to 3 times (plus word overshoot); the rows' fields lie within fs[0, 0]:fe[-1, 13]
        buf = self.buffer.get(MAX_FIXED * n + 4 * (int(fe[-1, 13]) - int(fs[0, 0])) + self.widest * n)
        cids = self.cids[28 * a:28 * b + 8] if self.with_cid else np.zeros(36, np.uint8)  # 8 bytes of slack
        f = self.fragments
        ends = render(self.data, fs, fe, self.ints[a:b], self.ids[a:b].reshape(-1), cids, self.codes[a:b], sbuf, soff, dbuf,
                      doff, t.proto_buf, t.proto_off, t.svc_slot, t.svc_idx, t.svc_buf, t.svc_off,
                      self.direction[a:b], t.dir_buf, t.dir_off, f.codes[a:b], f.buf, f.off, self.include_id,
                      self.with_cid, buf)
        return memoryview(buf[: int(ends[-1])])



DATASET = "aws.vpcflow"
TOP_LEVEL = {"aws", "event", "cloud", "@timestamp", "source", "destination", "network", "related"}
# field -> (kind, index): str = token column, ip = address column, int = ints column
FIELDS: dict[str, tuple[str, int]] = {
    "aws.vpcflow.interface_id": ("str", 2), "aws.vpcflow.account_id": ("str", 1), "cloud.account.id": ("str", 1),
    "aws.vpcflow.action": ("str", 12), "event.action": ("str", 12), "source.ip": ("ip", 0),
    "source.address": ("ip", 0), "destination.ip": ("ip", 1), "destination.address": ("ip", 1),
    "source.port": ("int", 0), "destination.port": ("int", 1),
}


def _absent(path: str) -> bool:
    parts = path.split(".")
    return parts[0] not in TOP_LEVEL or (parts[0] == "aws" and parts[1:2] != ["vpcflow"])


SCHEMA = Schema(DATASET, frozenset(FIELDS), _absent, frozenset({"@timestamp", "event.end"}))


_NO_INTS, _NO_CODES, _NO_NUMBERS = np.zeros((0, 7), np.int64), np.zeros((0, 2), np.int64), np.zeros(0, np.int64)


@dataclass(slots=True)
class FastBatch(BlockBatch):
    """One block: documents of fast rows (rendered on demand, chunk by chunk), the reference result of the others, columns."""

    schema = SCHEMA
    rendering: Rendering | None = None
    numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ints: np.ndarray = field(default_factory=lambda: np.zeros((0, 7), np.int64))
    codes: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    addresses: list[str] = field(default_factory=list)
    strings: dict[int, tuple[np.ndarray, list[str]]] = field(default_factory=dict)

    def values(self, path: str) -> tuple[np.ndarray, list[Any]]:
        kind, index = FIELDS[path]
        if kind == "ip":
            return self.codes[:, index], self.addresses
        if kind == "str":
            return self.strings[index]
        codes, values = port_codes(self.ints[:, index])  # the scanner admits ports up to 65535 only
        return codes, values.tolist()

    def times(self, path: str) -> np.ndarray:
        return self.ints[:, 6].astype(np.float64)  # @timestamp and event.end are both the flow's end

    def release(self) -> None:
        BlockBatch.release(self)
        self.rendering = None  # the scanner's pooled columns are free for the next block once nothing holds them
        self.ints, self.codes, self.numbers = _NO_INTS, _NO_CODES, _NO_NUMBERS

    def chunks(self, rows: int = CHUNK_ROWS) -> Iterator[tuple[bytes | memoryview, int]]:
        """(NDJSON bytes, documents) of the fast rows, ``rows`` documents at a time, in row order.

        Each chunk's bytes are valid until the next chunk is rendered (one reused buffer).
        """
        return render_chunks(self.rendering, self.documents, rows)


@register_fast_path("vpcflow")
def build(chain: ProcessorChain, *, include_id: bool, keep_original: bool, sample: bytes) -> VpcFlowFastPath | str:
    """The VPC flow fast path for ``chain`` or why not."""
    if sample.lstrip()[:1] in (b"{", b"["):
        return "the input looks like JSON"
    why = fast_support(chain, keep_original)
    return why if why is not None else VpcFlowFastPath(chain, include_id=include_id)


def fast_support(chain: ProcessorChain, keep_original: bool = False) -> str | None:
    """None when ``chain`` can run on the fast path, else the reason it cannot."""
    if chain.dataset != "vpcflow":
        return f"dataset {chain.dataset!r} (only vpcflow has a fast path)"
    if keep_original:
        return "keep_original"
    parser = chain.parsers.get("vpcflow")
    fmt = parser.config.format
    if fmt is not None and tuple(fmt.split()) != tuple(V2.split()):
        return "a custom VPC flow format"
    kinds = [getattr(e, "name", type(e).__name__) for e in chain.enrichers]
    unsupported = [k for k in kinds if k not in SUPPORTED_ENRICHERS]
    if unsupported or kinds.count("geoip") > 1 or kinds.count("network") > 1:
        return f"enrichers {unsupported or kinds}"
    return None


class VpcFlowFastPath:
    schema = SCHEMA
    # Large blocks: the detectors' per-block work (group sorts, partials, merges of keys that straddle two
    # blocks) shrinks with fewer blocks; the documents are rendered at delivery a chunk at a time, so one
    # block in flight holds its input and columns (~4x the input) plus one ~4 MB chunk.
    block_bytes = 16 << 20
    blocks_in_flight = 1

    def __init__(self, chain: ProcessorChain, include_id: bool = True):
        self.chain = chain
        self.include_id = include_id
        parser = chain.parsers.get("vpcflow")
        by_name = {getattr(e, "name", ""): e for e in chain.enrichers}
        cid = by_name.get("community_id")
        self.with_cid = bool(parser.config.community_id) or cid is not None
        self.seed = 0 if parser.config.community_id else (cid.seed if cid is not None else 0)
        self.tables = VpcTables(by_name.get("network"), by_name.get("geoip"))
        self.buffer = RenderBuffer()
        self.scan_buffers = ScanBuffers()

    def process(self, source: str, path: str, block: bytes, first_line: int, attrs: dict) -> FastBatch:
        data = np.frombuffer(block, np.uint8)
        starts, ends, status, fs, fe, ints, ips = scan_block(data, self.scan_buffers)  # columns of fast rows only
        out = FastBatch(lines=len(starts), last_line=first_line + len(starts) - 1)
        slow_rows = np.flatnonzero(status != FAST)
        header = self._header_row(block, starts, ends, slow_rows)
        if header is not None:  # lines after a header follow its layout: the reference path decides
            before = int(np.count_nonzero(status[:header] == FAST))
            fs, fe, ints, ips = fs[:before], fe[:before], ints[:before], ips[:before]
            status[header:] = np.where(status[header:] == BLANK, BLANK, 1)
            slow_rows = np.flatnonzero(status != FAST)
        fast = np.flatnonzero(status == FAST)
        self._slow(out, source, path, block, starts, ends, first_line, slow_rows, status, attrs)
        if len(fast):
            self._fast(out, data, fs, fe, ints, ips, fast + first_line, path)
        metrics.STAGE_OUT.labels("parse", "aws.vpcflow").inc(len(fast))
        return out

    @staticmethod
    def _header_row(block: bytes, starts: np.ndarray, ends: np.ndarray, slow_rows: np.ndarray) -> int | None:
        for r in slow_rows.tolist():
            line = bytes(block[starts[r]:ends[r]])
            if line.split()[:1] == [b"version"] and line.split() != V2.encode().split():
                return r
        return None

    def _slow(self, out: FastBatch, source: str, path: str, block: bytes, starts: np.ndarray, ends: np.ndarray,
              first_line: int, rows: np.ndarray, status: np.ndarray, attrs: dict) -> None:
        now = time.time()
        records = [
            Record(bytes(block[starts[r]:ends[r]]), Position(source, path, "", str(first_line + r)), now, attrs)
            for r in rows.tolist() if status[r] != BLANK
        ]
        if records:
            out.slow = self.chain.process(records)

    def _fast(self, out: FastBatch, data: np.ndarray, fs: np.ndarray, fe: np.ndarray, ints: np.ndarray,
              ips: np.ndarray, numbers: np.ndarray, path: str) -> None:
        n = len(numbers)
        ids = np.empty((n, 32), np.uint8)
        prefix = np.frombuffer(f"{path}\x1f\x1f".encode(), np.uint8)
        event_ids(prefix, numbers, ids)
        cids = np.empty(28 * n + 8 if self.with_cid else 0, np.uint8)  # flat, with slack for word copies
        if self.with_cid:
            community_ids(ints, ips, self.seed, ICMP_PAIRS, cids[:28 * n].reshape(n, 28))
        codes, sources, destinations, direction, texts = self.tables.addresses(ips)
        fragments = Fragments.build(data, fs, fe)
        out.rendering = Rendering(data, fs, fe, ints, ids, cids, codes, sources, destinations, direction, fragments,
                                  self.tables, self.include_id, self.with_cid, self.buffer)
        out.documents = n
        out.ids, out.numbers, out.ints, out.codes, out.addresses = ids, numbers, ints, codes, texts
        out.strings = dict(fragments.columns)
