"""``cloudtrail``: CloudTrail log files ``{"Records": [...]}``, gzip or plain.

One entry per record (value = the record dict, dataset ``cloudtrail``,
``timestamp_ms`` left to the parser). Digest files (``CloudTrail-Digest`` in
the key, or JSON carrying ``digestPublicKeyFingerprint``) are dropped and
counted as ``digest``.

>>> import orjson
>>> from streams.core.model import Position, Record
>>> trail = orjson.dumps({"Records": [{"eventVersion": "1.08", "eventName": "GetObject"},
...                                   {"eventVersion": "1.08", "eventName": "PutObject"}]})
>>> digest = orjson.dumps({"digestPublicKeyFingerprint": "ab12", "logFiles": []})
>>> result = CloudTrailDecoder().decode([Record(trail, Position("s3", "b", "0", "k1"), 0.0),
...                                      Record(digest, Position("s3", "b", "0", "k2"), 0.0)])
>>> [(e.value["eventName"], e.dataset, e.position.sub) for e in result.entries], result.dropped
([('GetObject', 'cloudtrail', 0), ('PutObject', 'cloudtrail', 1)], {'digest': 1})
"""

from __future__ import annotations

from typing import Any

from processors.decode._common import (
    GZIP_MAGIC,
    DecodeError,
    DecodeFailure,
    Dropped,
    Emitter,
    dead_letter_raw,
    gunzip,
    loads_concatenated,
)
from processors.decode.base import DecoderConfig
from streams.core.model import DecodeResult, Record
from streams.core.registry import DECODERS


def is_digest(doc: dict[str, Any]) -> bool:
    return "digestPublicKeyFingerprint" in doc or "digestSignatureAlgorithm" in doc


def emit_trail_document(doc: Any, out: Emitter) -> None:
    """One CloudTrail file document: fan ``Records`` out, drop digests."""
    if not isinstance(doc, dict):
        raise DecodeFailure(DecodeError.NOT_CLOUDTRAIL_FILE, doc if isinstance(doc, str) else None)
    if is_digest(doc):
        out.drop(Dropped.DIGEST)
        return
    records = doc.get("Records")
    if not isinstance(records, list):
        raise DecodeFailure(DecodeError.MISSING_RECORDS, doc)
    for item in records:
        if isinstance(item, dict):
            out.entry(item, "cloudtrail")
        else:
            out.error(DecodeError.BAD_CLOUDTRAIL_RECORD, repr(item))


@DECODERS.register("cloudtrail", DecoderConfig)
class CloudTrailDecoder:
    """CloudTrail ``Records`` files (S3 objects or records carrying a whole file)."""

    name = "cloudtrail"

    def __init__(self, config: DecoderConfig | None = None):
        self.config = config

    def decode(self, records: list[Record]) -> DecodeResult:
        out = Emitter()
        for record in records:
            out.begin(record, "cloudtrail")
            if "CloudTrail-Digest" in str(record.attrs.get("key") or ""):
                out.drop(Dropped.DIGEST)
                continue
            try:
                data = record.data
                if data[:2] == GZIP_MAGIC:
                    data = gunzip(data)
                docs = loads_concatenated(data)
            except DecodeFailure as failure:
                out.error(failure.reason)
                continue
            for doc in docs:
                try:
                    emit_trail_document(doc, out)
                except DecodeFailure as failure:
                    out.error(failure.reason, dead_letter_raw(failure))
        return out.finish(self.name)
