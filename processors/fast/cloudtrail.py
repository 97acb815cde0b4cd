"""The fast path for CloudTrail records, one JSON object per line: a block of bytes to NDJSON and columns.

``CloudTrailFastPath.process`` scans every line of a block once
(``processors.fast.jsonscan``: the value span and kind of each known
top-level key), computes the document parts that are not verbatim copies
once per distinct value with the reference code
(``processors.fast.trail_frags``), and renders the NDJSON of the whole
block in one compiled pass (``processors.fast.trail_render``). A line the
scanner does not fully understand (not one object of printable ASCII, a
repeated or escaped key, a key the decoder treats as an envelope's, an
ignored key whose value the strict checker declines, an escaped or
non-string value where the renderer copies bytes, a part the reference
rejects) goes to the reference chain, so its document, or its dead letter
with line number and reason, is the reference's own.

>>> import orjson
>>> from processors.chain import ParserSet, ProcessorChain
>>> chain = ProcessorChain("auto", "cloudtrail", ParserSet(), [])
>>> fast = build(chain, include_id=False, keep_original=False, sample=b"{")
>>> block = (b'{"eventTime":"2024-01-02T03:04:05Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets",'
...          b'"awsRegion":"eu-west-1","sourceIPAddress":"s3.amazonaws.com","recipientAccountId":"1"}\\n{"bad": }\\n')
>>> batch = fast.process("file", "ct.log", block, 1, {})
>>> doc = orjson.loads(batch.rendered()); doc["event"]["action"], doc["cloud"]["service"], doc["service"]
('ListBuckets', {'name': 's3'}, {'name': 's3.amazonaws.com'})
>>> record = Record(block.split(b"\\n")[0], Position("file", "ct.log", "", "1"), 0.0, {})
>>> batch.rendered() == orjson.dumps(chain.process([record]).events[0].doc) + b"\\n"  # the reference's bytes
True
>>> [(d.position.offset, d.reason) for d in batch.slow.dead_letters], batch.values("event.action")[1]
([('2', 'invalid_json')], ['ListBuckets'])
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
from processors.fast.jsonscan import BLANK, FAST, NULL, STR, KeyTable
from processors.fast.render import event_ids
from processors.fast.scan import _line_bounds
from processors.fast.trail_columns import FIELDS, TOP_LEVEL, TrailColumns
from processors.fast.trail_frags import TrailFragments
from processors.fast.trail_parts import INTERNED, block_parts
from processors.fast.trail_render import LITERALS, render_bounds, render_trail
from processors.fast.words import byte_positions
from processors.parsers.cloudtrail import PARAMS, SCALARS
from streams.core import metrics
from streams.core.model import Position, Record

DATASET = "aws.cloudtrail"
CHUNK_ROWS = 512  # documents rendered at once (~1.3 MB of NDJSON): in cache when the sink copies them out
SUPPORTED_ENRICHERS = {"network", "geoip"}  # they read source/destination only (trail_frags relies on it)
OTHER_KEYS = ("eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent", "eventID",
              "userIdentity", "resources")
# keys that make the auto decoder treat a line as an envelope, a digest or an export (never ignored)
DECODER_KEYS = ["messageType", "awslogs", "Records", "records", "digestPublicKeyFingerprint",
                "digestSignatureAlgorithm", "findings", "Findings"]
KEYS = KeyTable([*SCALARS, *PARAMS, *OTHER_KEYS], others=DECODER_KEYS)  # other keys: the parser ignores them
SCALAR_KEYS = np.array([KEYS.index(k) for k in SCALARS], np.int64)
COPIED = np.array([KEYS.index(k) for k in ("awsRegion", "eventID", "userAgent", "recipientAccountId")], np.int64)
# values that repeat across records (principals, TLS details, clients, request parameters of the same calls): the
# scanner takes a repeat without walking it; responseElements, ids and times are mostly unique or short
REMEMBERED = ("userIdentity", "tlsDetails", "requestParameters", "resources", "userAgent", "additionalEventData",
              "serviceEventDetails", "insightDetails", "edgeDeviceDetails", "errorMessage")
STRICT = np.array([KEYS.index(k) for k in ("awsRegion", "eventID", "userAgent", "recipientAccountId", "errorCode")])


def _absent(path: str) -> bool:
    parts = path.split(".")
    return parts[0] not in TOP_LEVEL or (parts[0] == "aws" and parts[1:2] != ["cloudtrail"])


SCHEMA = Schema(DATASET, frozenset(FIELDS), _absent, frozenset({"@timestamp"}))


@dataclass(slots=True)
class TrailRendering:
    """The render kernel's inputs for a block's fast rows; ``chunk(a, b)`` renders rows ``a:b`` into ``buffer``."""

    data: np.ndarray
    vs: np.ndarray
    ve: np.ndarray
    kinds: np.ndarray
    ids: np.ndarray
    include_id: bool
    fr: np.ndarray
    fail: np.ndarray
    buf: np.ndarray
    off: np.ndarray
    lit: np.ndarray
    compiled: np.ndarray
    pstart: np.ndarray
    pend: np.ndarray
    pbytes: np.ndarray
    buffer: RenderBuffer
    bounds: np.ndarray  # ``trail_render.render_bounds``

    def chunk(self, a: int, b: int) -> memoryview:
        out = self.buffer.get(int(self.bounds[b] - self.bounds[a]) + 8)
        ends = render_trail(self.data, self.vs[a:b], self.ve[a:b], self.kinds[a:b], self.ids[a:b], self.include_id,
                            self.fr[a:b], self.fail[a:b], self.buf, self.off, self.lit, SCALAR_KEYS, COPIED,
                            self.compiled[a:b], self.pstart[a:b], self.pend[a:b], self.pbytes, out)
        return memoryview(out[: int(ends[-1])])


@dataclass(slots=True)
class TrailBatch(BlockBatch):
    """One block: documents of the fast rows (rendered chunk by chunk on delivery), the reference result of the
    others, columns."""

    schema = SCHEMA
    source: TrailColumns | None = None
    epochs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    rendering: TrailRendering | None = None

    def chunks(self, rows: int = CHUNK_ROWS) -> Iterator[tuple[bytes | memoryview, int]]:
        """(NDJSON bytes, documents) of the fast rows, ``rows`` documents at a time, in row order.

        Each chunk's bytes are valid until the next chunk is rendered (one reused buffer per fast path).
        """
        return render_chunks(self.rendering, self.documents, rows)

    def release(self) -> None:
        BlockBatch.release(self)
        self.rendering = None

    def values(self, path: str) -> tuple[np.ndarray, list[Any]]:
        assert self.source is not None
        return self.source.values(path)

    def times(self, path: str) -> np.ndarray:
        return self.epochs


def fast_support(chain: ProcessorChain, keep_original: bool = False) -> str | None:
    """None when ``chain`` can run on the CloudTrail fast path, else the reason it cannot."""
    if keep_original:
        return "keep_original"
    parser = chain.parsers.get("cloudtrail")
    if getattr(parser.config, "keep_original", False):
        return "keep_original"
    kinds = [getattr(e, "name", type(e).__name__) for e in chain.enrichers]
    unsupported = [k for k in kinds if k not in SUPPORTED_ENRICHERS]
    return f"enrichers {unsupported}" if unsupported else None


def _take(rows: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """``array[rows]`` of each array; the arrays themselves when ``rows`` are all of them (the usual block)."""
    if len(rows) == len(arrays[0]):  # rows are ascending and distinct: all rows, in order
        return list(arrays)
    return [a[rows] for a in arrays]


@register_fast_path("cloudtrail")
def build(chain: ProcessorChain, *, include_id: bool, keep_original: bool, sample: bytes) -> CloudTrailFastPath | str:
    """The CloudTrail fast path for ``chain`` or why not (the input must be one JSON object per line)."""
    if sample.lstrip()[:1] != b"{" or b'"Records"' in sample:
        return "the input is not one CloudTrail record per line"
    why = fast_support(chain, keep_original)
    return why if why is not None else CloudTrailFastPath(chain, include_id=include_id)


class CloudTrailFastPath:
    schema = SCHEMA

    def __init__(self, chain: ProcessorChain, include_id: bool = True):
        self.chain = chain
        self.include_id = include_id
        self.frags = TrailFragments(chain.parsers.get("cloudtrail"), chain.enrichers)
        self.literals = [*LITERALS, *(b',"' + t.encode() + b'":' for t in SCALARS.values())]
        self.buffer = RenderBuffer()  # one chunk of NDJSON at a time (``TrailBatch.chunks``)

    def process(self, source: str, path: str, block: bytes | memoryview, first_line: int, attrs: dict) -> TrailBatch:
        data = np.frombuffer(block, np.uint8)
        starts, ends = _line_bounds(data, byte_positions(data, 10))  # scan.split_lines without a 4 MB temporary
        status, vs, ve, kinds, codes = KEYS.scan_interned(data, starts, ends, INTERNED, REMEMBERED)
        strict = kinds[:, STRICT]
        region = KEYS.index("awsRegion")
        ok = (status == FAST) & ((strict <= NULL) | (strict == STR)).all(axis=1) & (kinds[:, region] == STR)
        width = ve[:, region] - vs[:, region]
        ok &= (width > 2) & ~((width == 3) & (data[np.minimum(vs[:, region] + 1, len(data) - 1)] == 45))  # "-"
        rows = np.flatnonzero(ok)
        parts = block_parts(self.frags, KEYS, data, *_take(rows, vs, ve, kinds, codes))
        good = rows[parts.good]
        numbers = np.arange(first_line, first_line + len(starts), dtype=np.int64)
        out = TrailBatch(lines=len(starts), last_line=first_line + len(starts) - 1)
        slow = np.ones(len(starts), bool)
        slow[good] = False
        self._slow(out, source, path, block, starts, ends, numbers, np.flatnonzero(slow & (status != BLANK)), attrs)
        if len(good):
            self._fast(out, data, good, *_take(good, vs, ve, kinds), parts, numbers[good], path)
        metrics.STAGE_OUT.labels("parse", DATASET).inc(len(good))
        return out

    def _slow(self, out: TrailBatch, source: str, path: str, block: bytes | memoryview, starts: np.ndarray,
              ends: np.ndarray, numbers: np.ndarray, rows: np.ndarray, attrs: dict) -> None:
        now = time.time()
        records = [Record(bytes(block[starts[r]:ends[r]]), Position(source, path, "", str(numbers[r])), now, attrs)
                   for r in rows.tolist()]
        if records:
            out.slow = self.chain.process(records)

    def _fast(self, out: TrailBatch, data: np.ndarray, rows: np.ndarray, vs: np.ndarray, ve: np.ndarray,
              kinds: np.ndarray, parts: Any, numbers: np.ndarray, path: str) -> None:
        n = len(rows)
        ids = np.empty((n, 32), np.uint8)
        event_ids(np.frombuffer(f"{path}\x1f\x1f".encode(), np.uint8), numbers, ids)
        fr, fail, buf, off, lit = parts.render_inputs(self.literals)
        compiled, pstart, pend = parts.compiled_params()
        out.rendering = TrailRendering(data, vs, ve, kinds, ids, self.include_id, fr, fail, buf, off, lit, compiled,
                                       pstart, pend, parts.param_bytes, self.buffer,
                                       render_bounds(fr, off, lit, vs, ve, pstart, pend))
        out.documents, out.ids = n, ids
        out.epochs = parts.epochs
        out.source = TrailColumns(KEYS, data, vs, ve, kinds, parts)
