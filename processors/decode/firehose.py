"""``firehose``: Kinesis Data Firehose envelopes.

Accepts the HTTP-endpoint delivery request ``{"requestId", "timestamp",
"records": [{"data": "<base64>"}]}`` and the Lambda transformation input
``{"invocationId", "records": [{"recordId", "data", ...}]}``. Each record's
data is base64-decoded and then decoded like ``auto`` would: a CloudWatch
Logs subscription payload fans out, anything else is split into lines. A
record whose data is not base64 becomes a dead letter; the others go on.

>>> import base64, orjson
>>> from streams.core.model import Position, Record
>>> def b64(raw): return base64.b64encode(raw).decode()
>>> body = orjson.dumps({"requestId": "r-1", "timestamp": 1704189600000, "records": [
...     {"data": b64(b"2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 50000 6 1 40 1 2 ACCEPT OK\\n")},
...     {"data": "%%%"}, {"data": b64(b"line a\\nline b\\n")}]})
>>> result = FirehoseDecoder().decode([Record(body, Position("http", "fh", "0", "7"), 0.0)])
>>> [(e.value[:12], e.position.sub) for e in result.entries], [d.reason for d in result.errors]
([('2 1234567890', 0), ('line a', 1), ('line b', 2)], ['bad_base64'])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from processors.decode._common import DecodeError, DecodeFailure, Emitter, loads, record_dataset, unbase64
from processors.decode.base import DecoderConfig
from streams.core.model import DecodeResult, Record
from streams.core.registry import DECODERS


def is_firehose_envelope(doc: dict[str, Any]) -> bool:
    records = doc.get("records")
    if not isinstance(records, list):
        return False
    if "requestId" in doc or "invocationId" in doc:
        return True
    return bool(records) and isinstance(records[0], dict) and "data" in records[0]


def emit_firehose(doc: dict[str, Any], out: Emitter, inner: Callable[[bytes, Emitter], None]) -> None:
    """Decode every Firehose record of an envelope with ``inner``; bad ones become dead letters."""
    for item in doc.get("records") or ():
        data = item.get("data") if isinstance(item, dict) else None
        if not isinstance(data, str):
            out.error(DecodeError.MISSING_FIREHOSE_DATA, item if isinstance(item, dict) else repr(item))
            continue
        try:
            inner(unbase64(data), out)
        except DecodeFailure as failure:
            out.error(failure.reason, item)


@DECODERS.register("firehose", DecoderConfig)
class FirehoseDecoder:
    """Firehose HTTP-endpoint requests and Lambda transformation events."""

    name = "firehose"

    def __init__(self, config: DecoderConfig | None = None):
        from processors.decode.auto import AutoDecoder

        self.config = config
        self.inner = AutoDecoder()

    def decode(self, records: list[Record]) -> DecodeResult:
        out = Emitter()
        for record in records:
            out.begin(record, record_dataset(record))
            try:
                doc = loads(record.data.strip())
                if not isinstance(doc, dict) or not isinstance(doc.get("records"), list):
                    raise DecodeFailure(DecodeError.NOT_FIREHOSE_ENVELOPE)
            except DecodeFailure as failure:
                out.error(failure.reason)
                continue
            emit_firehose(doc, out, self.inner.emit_bytes)
        return out.finish(self.name)
