"""Shared pieces of the decoders: the result builder, unwrapping helpers, metrics.

Decoders write into an ``Emitter``: it numbers entries per record (``sub`` =
the entry's index within the record), turns failures into ``DeadLetter`` data
and counts deliberate drops. Helpers raise ``DecodeFailure`` internally; the
decoder catches it per record and dead-letters that record, so one bad record
never stops a batch.
"""

from __future__ import annotations

import base64
import binascii
import enum
import zlib
from collections import OrderedDict
from typing import Any

import orjson
from prometheus_client import Counter

from processors.decode.detect import dataset_from_hint
from streams.core.metrics import CACHE_LOOKUPS, CACHE_SIZE
from streams.core.model import DeadLetter, DecodeResult, Entry, Record, Stage, raw_text

DECODED = Counter(
    "logwarden_decoder_items_total",
    "Decoder output by decoder and result (entry, error, dropped)",
    ["decoder", "result"],
)

GZIP_MAGIC = b"\x1f\x8b"
MAX_DECOMPRESSED = 256 << 20  # a gzip bomb becomes a dead letter, not an OOM


class DecodeError(enum.StrEnum):
    """Why (part of) a record became a dead letter at the decode stage."""

    BAD_GZIP = "bad_gzip"
    TRUNCATED_GZIP = "truncated_gzip"
    DECOMPRESSED_TOO_LARGE = "decompressed_too_large"
    BAD_BASE64 = "bad_base64"
    INVALID_JSON = "invalid_json"
    TOO_DEEPLY_WRAPPED = "too_deeply_wrapped"
    NOT_CLOUDWATCH_PAYLOAD = "not_cloudwatch_payload"
    NOT_CLOUDWATCH_ENVELOPE = "not_cloudwatch_envelope"
    MISSING_LOG_EVENTS = "missing_log_events"
    BAD_LOG_EVENT = "bad_log_event"
    NOT_FIREHOSE_ENVELOPE = "not_firehose_envelope"
    MISSING_FIREHOSE_DATA = "missing_firehose_data"
    NOT_CLOUDTRAIL_FILE = "not_cloudtrail_file"
    MISSING_RECORDS = "missing_records"
    BAD_CLOUDTRAIL_RECORD = "bad_cloudtrail_record"


class Dropped(enum.StrEnum):
    """What a decoder drops on purpose (counted, never silently lost)."""

    CONTROL_MESSAGE = "control_message"
    HEADER = "header"
    DIGEST = "digest"
    EMPTY_EXPORT = "empty_export"


class DecodeFailure(Exception):
    """Internal: the current record (or part of it) cannot be decoded; ``reason`` is its label."""

    def __init__(self, reason: DecodeError, raw: bytes | str | dict[str, Any] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


class Emitter:
    """Collects the entries, dead letters and drop counts of one ``decode`` call."""

    __slots__ = ("result", "record", "index", "dataset")

    def __init__(self) -> None:
        self.result = DecodeResult()
        self.record: Record | None = None
        self.index = 0
        self.dataset: str | None = None

    def begin(self, record: Record, dataset: str | None) -> None:
        self.record = record
        self.index = 0
        self.dataset = dataset

    def entry(
        self,
        value: str | dict[str, Any],
        dataset: str | None = None,
        context: dict[str, Any] | None = None,
        timestamp_ms: int | None = None,
    ) -> None:
        assert self.record is not None
        self.result.entries.append(
            Entry(value, self.record.position.child(self.index), dataset or self.dataset, context, timestamp_ms)
        )
        self.index += 1

    def error(self, reason: DecodeError, raw: bytes | str | dict[str, Any] | None = None) -> None:
        assert self.record is not None
        raw_value = self.record.data if raw is None else raw
        self.result.errors.append(
            DeadLetter(raw_text(raw_value), reason.value, Stage.DECODE, self.record.position.child(self.index), self.dataset)
        )

    def drop(self, reason: Dropped, count: int = 1) -> None:
        dropped, key = self.result.dropped, reason.value  # plain strings in the data, the enum is the vocabulary
        dropped[key] = dropped.get(key, 0) + count

    def finish(self, decoder: str) -> DecodeResult:
        flush_hint_metrics()
        result = self.result
        if result.entries:
            DECODED.labels(decoder, "entry").inc(len(result.entries))
        if result.errors:
            DECODED.labels(decoder, "error").inc(len(result.errors))
        if result.dropped:
            DECODED.labels(decoder, "dropped").inc(sum(result.dropped.values()))
        return result


def dead_letter_raw(failure: DecodeFailure) -> dict[str, Any] | str | None:
    """What to keep as a dead letter's raw text: the failing document, else the whole record."""
    raw = failure.raw
    return raw if isinstance(raw, dict | str) else None


def gunzip(data: bytes, limit: int = MAX_DECOMPRESSED) -> bytes:
    """Decompress gzip data, including concatenated members, up to ``limit`` bytes.

    >>> import gzip
    >>> gunzip(gzip.compress(b"a\\n") + gzip.compress(b"b\\n"))
    b'a\\nb\\n'
    """
    parts: list[bytes] = []
    size = 0
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            chunk = inflater.decompress(data, limit - size + 1)
        except zlib.error as err:
            raise DecodeFailure(DecodeError.BAD_GZIP) from err
        size += len(chunk)
        if size > limit or inflater.unconsumed_tail:
            raise DecodeFailure(DecodeError.DECOMPRESSED_TOO_LARGE, data[:4096])
        if not inflater.eof:
            raise DecodeFailure(DecodeError.TRUNCATED_GZIP)
        parts.append(chunk)
        data = inflater.unused_data.lstrip(b"\x00")
        if data and not data.startswith(GZIP_MAGIC):
            break  # trailing garbage after the last member is ignored, as gzip(1) does
    return b"".join(parts)


def unbase64(data: bytes | str) -> bytes:
    """Strict base64 decode (whitespace allowed); ``DecodeFailure('bad_base64')`` otherwise.

    >>> unbase64("aGk=")
    b'hi'
    """
    try:
        if isinstance(data, str):
            data = data.encode("ascii")
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as err:
        raise DecodeFailure(DecodeError.BAD_BASE64, data) from err


def loads(data: bytes | str, reason: DecodeError = DecodeError.INVALID_JSON) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as err:
        raise DecodeFailure(reason, data) from err


def loads_concatenated(data: bytes) -> list[Any]:
    """Parse one JSON document, or several written back to back (Firehose to S3 does that).

    >>> loads_concatenated(b'{"a": 1}{"a": 2}\\n{"a": 3}')
    [{'a': 1}, {'a': 2}, {'a': 3}]
    """
    try:
        return [orjson.loads(data)]
    except orjson.JSONDecodeError:
        pass
    import json

    text = data.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos >= end:
            return docs
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise DecodeFailure(DecodeError.INVALID_JSON, data) from err
        docs.append(doc)


def text_of(data: bytes) -> str:
    """Bytes to text: UTF-8, with undecodable bytes kept as ``\\xNN`` escapes (never lost)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="backslashreplace")


class HintCache:
    """Bounded LRU of ``dataset_from_hint`` answers per (log group, key), with metrics.

    Hits are counted locally and added to the metric once per decode call
    (``flush``): a per-record counter increment would cost more than the lookup.
    """

    def __init__(self, name: str, size: int = 4096):
        self.name = name
        self.size = size
        self._items: OrderedDict[tuple[str | None, str | None], str | None] = OrderedDict()
        self._last: tuple[str | None, str | None] | None = None
        self._pending_hits = 0
        self._hits = CACHE_LOOKUPS.labels(name, "hit")
        self._misses = CACHE_LOOKUPS.labels(name, "miss")
        self._size = CACHE_SIZE.labels(name)
        _HINT_CACHES.append(self)

    def get(self, log_group: str | None, key: str | None) -> str | None:
        if not log_group and not key:
            return None
        k = (log_group, key)
        items = self._items
        if k in items:
            self._pending_hits += 1
            if k != self._last:
                items.move_to_end(k)
                self._last = k
            return items[k]
        self._misses.inc()
        value = items[k] = dataset_from_hint(log_group, key)
        self._last = k
        if len(items) > self.size:
            items.popitem(last=False)
        self._size.set(len(items))
        return value

    def flush(self) -> None:
        if self._pending_hits:
            self._hits.inc(self._pending_hits)
            self._pending_hits = 0


_HINT_CACHES: list[HintCache] = []


def flush_hint_metrics() -> None:
    for cache in _HINT_CACHES:
        cache.flush()


RECORD_HINTS = HintCache("decode_record_hints")


def record_dataset(record: Record) -> str | None:
    """The dataset a record's transport attributes point to: explicit ``dataset``, else key/log group."""
    attrs = record.attrs
    if not attrs:
        return None
    return attrs.get("dataset") or RECORD_HINTS.get(attrs.get("log_group"), attrs.get("key"))
