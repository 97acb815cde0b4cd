"""``auto`` (the default decoder of every source): sniff each record and delegate.

Order of the checks: gzip magic (decompress, then sniff again); JSON
(``{``/``[``): a CloudWatch Logs envelope (``messageType``), a Lambda
``awslogs`` wrapper, a Firehose envelope (``records``), a CloudTrail file
(``Records``), a CloudTrail digest (dropped), a JSON array (fans out), any
other object (one entry); base64-wrapped gzip (``H4sI...``); otherwise text
lines. The common case, one plain text line per record, takes a fast path
that builds the entry directly.

>>> import gzip
>>> from streams.core.model import Position, Record
>>> pos = Position("gen", "generator", "0", "1")
>>> records = [Record(b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 50000 6 1 40 1 2 ACCEPT OK", pos, 0.0),
...            Record(gzip.compress(b'{"Records": [{"eventVersion": "1.08", "eventSource": "s3.amazonaws.com"}]}'), pos, 0.0),
...            Record(b'{"truncated": ', pos, 0.0)]
>>> result = AutoDecoder().decode(records)
>>> [(type(e.value).__name__, e.dataset) for e in result.entries], [d.reason for d in result.errors]
([('str', None), ('dict', 'cloudtrail')], ['invalid_json'])
"""

from __future__ import annotations

from typing import Any

import orjson

from processors.decode._common import (
    GZIP_MAGIC,
    DecodeError,
    DecodeFailure,
    Emitter,
    dead_letter_raw,
    gunzip,
    loads_concatenated,
    record_dataset,
    text_of,
    unbase64,
)
from processors.decode.base import DecoderConfig
from processors.decode.cloudtrail import emit_trail_document, is_digest
from processors.decode.cloudwatch import BASE64_GZIP, emit_envelope
from processors.decode.firehose import emit_firehose, is_firehose_envelope
from processors.decode.jsondoc import emit_json_value
from processors.decode.lines import LineSplitter
from streams.core.model import DecodeResult, Entry, Record
from streams.core.registry import DECODERS

# First bytes that need a closer look; any other first byte of a one-line record takes the fast path.
_SPECIAL_FIRST = frozenset(b"\x1f{[#H \t\r\n\x0b\x0c")
_MAX_DEPTH = 4


@DECODERS.register("auto", DecoderConfig)
class AutoDecoder:
    """Content-sniffing decoder: envelopes, JSON, gzip and text in one."""

    name = "auto"

    def __init__(self, config: DecoderConfig | None = None):
        self.config = config
        self.splitter = LineSplitter()

    def decode(self, records: list[Record]) -> DecodeResult:
        out = Emitter()
        entries = out.result.entries
        memory = self.splitter.memory
        for record in records:
            data = record.data
            dataset = record_dataset(record) if record.attrs else None
            if (
                data
                and data[0] not in _SPECIAL_FIRST
                and data[-1] != 13
                and b"\n" not in data
                and not memory
            ):
                pos = record.position
                entries.append(Entry(text_of(data), pos if pos.sub == 0 else pos.child(0), dataset))
                continue
            out.begin(record, dataset)
            try:
                self.emit_bytes(data, out)
            except DecodeFailure as failure:
                out.error(failure.reason, dead_letter_raw(failure))
        return out.finish(self.name)

    def emit_bytes(self, data: bytes, out: Emitter, depth: int = 0) -> None:
        """Decode one payload into ``out`` (also the inner decoder of Firehose records)."""
        if depth > _MAX_DEPTH:
            raise DecodeFailure(DecodeError.TOO_DEEPLY_WRAPPED)
        if data[:2] == GZIP_MAGIC:
            self.emit_bytes(gunzip(data), out, depth + 1)
            return
        stripped = data.lstrip()
        head = stripped[:1]
        if head == b"{" or head == b"[":
            self._emit_json(stripped, out, depth)
        elif stripped[:4] == BASE64_GZIP:
            try:
                inner = unbase64(stripped)
            except DecodeFailure:
                self.splitter.emit_text(text_of(data), out)
                return
            self.emit_bytes(inner, out, depth + 1)
        else:
            self.splitter.emit_text(text_of(data), out)

    def _emit_json(self, data: bytes, out: Emitter, depth: int) -> None:
        try:
            docs = [orjson.loads(data)]
        except orjson.JSONDecodeError:
            try:
                docs = loads_concatenated(data)
            except DecodeFailure:
                if b"\n" in data.rstrip():
                    self._emit_mixed_lines(text_of(data), out, depth)
                elif data[:1] == b"[":
                    self.splitter.emit_text(text_of(data), out)  # "[INFO] ..." is text, not broken JSON
                else:
                    raise
                return
        for doc in docs:
            try:
                self._emit_document(doc, out, depth)
            except DecodeFailure as failure:
                out.error(failure.reason, dead_letter_raw(failure))

    def _emit_document(self, doc: Any, out: Emitter, depth: int) -> None:
        if not isinstance(doc, dict):
            emit_json_value(doc, out)
            return
        if "messageType" in doc:
            emit_envelope(doc, out)
            return
        wrapped = doc.get("awslogs")
        if isinstance(wrapped, dict) and isinstance(wrapped.get("data"), str):
            self.emit_bytes(unbase64(wrapped["data"]), out, depth + 1)
        elif isinstance(doc.get("Records"), list) or is_digest(doc):
            emit_trail_document(doc, out)
        elif is_firehose_envelope(doc):
            emit_firehose(doc, out, lambda raw, o: self.emit_bytes(raw, o, depth + 1))
        else:
            emit_json_value(doc, out)

    def _emit_mixed_lines(self, text: str, out: Emitter, depth: int) -> None:
        """Lines of which some are JSON: JSON objects decoded, text kept, broken JSON dead-lettered."""
        for line in text.split("\n"):
            line = line.strip()
            if not line:
                continue
            if line[0] != "{":
                self.splitter.emit_text(line, out)
                continue
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError:
                out.error(DecodeError.INVALID_JSON, line)
                continue
            try:
                self._emit_document(doc, out, depth)
            except DecodeFailure as failure:
                out.error(failure.reason, dead_letter_raw(failure))
