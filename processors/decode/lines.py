"""``lines``: newline-delimited text, plain or gzip.

One entry per non-blank line (``\\r`` stripped). W3C header lines
(``#Version``, ``#Fields:`` ... of CloudFront standard logs) are dropped and
counted as ``header``; the last ``#Fields`` list of a stream is kept and set
as ``entry.context["fields"]`` on the lines that follow it, in the same
record or in later records of the same stream (a file source hands out one
line per record), so the cloudfront parser can map columns by header.

>>> from streams.core.model import Position, Record
>>> data = b"#Version: 1.0\\n#Fields: date time c-ip\\n2024-01-02\\t10:00:00\\t1.2.3.4\\r\\n\\n"
>>> result = LinesDecoder().decode([Record(data, Position("f", "cf.log", "0", "1"), 0.0)])
>>> [(e.value, e.position.sub, e.context) for e in result.entries]
[('2024-01-02\\t10:00:00\\t1.2.3.4', 0, {'fields': ['date', 'time', 'c-ip']})]
>>> result.dropped
{'header': 2}
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from processors.decode._common import GZIP_MAGIC, DecodeFailure, Dropped, Emitter, gunzip, record_dataset, text_of
from processors.decode.base import DecoderConfig
from streams.core.metrics import CACHE_SIZE
from streams.core.model import DecodeResult, Entry, Record
from streams.core.registry import DECODERS

W3C_DIRECTIVES = ("#Version:", "#Fields:", "#Software:", "#Date:", "#Remark:", "#Start-Date:", "#End-Date:")


class FieldsMemory:
    """Last W3C ``#Fields`` header per stream, bounded (least recently used streams forgotten)."""

    def __init__(self, size: int = 1024, metric_name: str = "decode_w3c_fields"):
        self.size = size
        self.metric_name = metric_name
        self._items: OrderedDict[tuple[str, str, str], dict[str, Any]] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self._items)

    def get(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        context = self._items.get(key)
        if context is not None:
            self._items.move_to_end(key)
        return context

    def set(self, key: tuple[str, str, str], fields: list[str]) -> dict[str, Any]:
        context = {"fields": fields}
        self._items[key] = context
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        CACHE_SIZE.labels(self.metric_name).set(len(self._items))
        return context


class LineSplitter:
    """Splits text payloads into line entries; shared by ``lines`` and ``auto``."""

    def __init__(self, memory: FieldsMemory | None = None):
        self.memory = memory or FieldsMemory()

    def emit(self, data: bytes, out: Emitter) -> None:
        if data[:2] == GZIP_MAGIC:
            data = gunzip(data)
        self.emit_text(text_of(data), out)

    def emit_text(self, text: str, out: Emitter) -> None:
        record = out.record
        assert record is not None
        pos = record.position
        key = (pos.source, pos.stream, pos.partition)
        context = self.memory.get(key) if self.memory else None
        lines = text.split("\n") if "\n" in text else (text,)
        append = out.result.entries.append
        child = pos.child
        dataset = out.dataset
        index = out.index
        for line in lines:
            if line.endswith("\r"):
                line = line.rstrip("\r")
            if not line or line.isspace():
                continue
            if line[0] == "#" and line.startswith(W3C_DIRECTIVES):
                if line.startswith("#Fields:"):
                    context = self.memory.set(key, line[8:].split())
                out.drop(Dropped.HEADER)
                continue
            append(Entry(line, child(index), dataset, context))
            index += 1
        out.index = index


@DECODERS.register("lines", DecoderConfig)
class LinesDecoder:
    """Newline-delimited text (gzip detected by magic bytes)."""

    name = "lines"

    def __init__(self, config: DecoderConfig | None = None):
        self.config = config
        self.splitter = LineSplitter()

    def decode(self, records: list[Record]) -> DecodeResult:
        out = Emitter()
        for record in records:
            out.begin(record, record_dataset(record))
            try:
                self.splitter.emit(record.data, out)
            except DecodeFailure as failure:
                out.error(failure.reason)
        return out.finish(self.name)
