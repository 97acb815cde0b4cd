"""``cloudwatch``: CloudWatch Logs subscription payloads.

A subscription filter delivers gzip-compressed JSON envelopes; Firehose and
hand-made test records add a base64 layer, a Lambda trigger wraps it as
``{"awslogs": {"data": "<base64 gzip>"}}``. All of these are accepted.
``DATA_MESSAGE`` fans out one entry per log event: value = the message (a
JSON object message becomes a dict, a double-encoded one is unwrapped),
``context`` = owner, log group, log stream, subscription filters and the
event id, ``timestamp_ms`` = the event's timestamp. ``CONTROL_MESSAGE`` is
dropped and counted as ``control_message``. The dataset comes from the
record's ``dataset`` attribute, else from the log group name.

>>> import gzip, orjson
>>> from streams.core.model import Position, Record
>>> payload = gzip.compress(orjson.dumps({
...     "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/aws/lambda/shop",
...     "logStream": "2024/01/02/[$LATEST]abc", "subscriptionFilters": ["all"],
...     "logEvents": [{"id": "1", "timestamp": 1704189600000, "message": '{"level": "info"}'},
...                   {"id": "2", "timestamp": 1704189601000, "message": "REPORT RequestId: x\\n"}]}))
>>> result = CloudWatchDecoder().decode([Record(payload, Position("k", "s", "shard-0", "9"), 0.0)])
>>> [(e.value, e.dataset, e.position.sub, e.context["id"], e.timestamp_ms) for e in result.entries]
[({'level': 'info'}, 'lambda', 0, '1', 1704189600000), ('REPORT RequestId: x', 'lambda', 1, '2', 1704189601000)]
"""

from __future__ import annotations

from typing import Any

import orjson

from processors.decode._common import (
    GZIP_MAGIC,
    DecodeError,
    DecodeFailure,
    Dropped,
    Emitter,
    HintCache,
    dead_letter_raw,
    gunzip,
    loads_concatenated,
    record_dataset,
    unbase64,
)
from processors.decode.base import DecoderConfig
from streams.core.model import DecodeResult, Entry, Record
from streams.core.registry import DECODERS

GROUP_HINTS = HintCache("decode_log_group_hints")
BASE64_GZIP = b"H4sI"
_JSONISH = frozenset(("{", '"'))  # base64 of the gzip magic and deflate method


def message_value(message: Any) -> str | dict[str, Any]:
    """A log event message as an entry value: JSON objects decoded, double encoding unwrapped.

    >>> message_value('{"a": 1}'), message_value('"{\\\\"a\\\\": 1}"'), message_value("plain\\n"), message_value("{broken")
    ({'a': 1}, {'a': 1}, 'plain', '{broken')
    """
    if not isinstance(message, str):
        return message if isinstance(message, dict) else orjson.dumps(message).decode()
    text = message.rstrip("\r\n")
    head = text[:1]
    if head == "{" or head == '"':
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
        if isinstance(value, str) and value[:1] == "{":
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                return text
        if isinstance(value, dict):
            return value
    return text


def cloudwatch_documents(data: bytes, depth: int = 0) -> list[Any]:
    """Unwrap gzip / base64 / ``awslogs`` layers down to the envelope documents."""
    if depth > 3:
        raise DecodeFailure(DecodeError.TOO_DEEPLY_WRAPPED)
    data = data.strip()
    if data[:2] == GZIP_MAGIC:
        return cloudwatch_documents(gunzip(data), depth + 1)
    if data[:4] == BASE64_GZIP:
        return cloudwatch_documents(unbase64(data), depth + 1)
    if data[:1] != b"{":
        raise DecodeFailure(DecodeError.NOT_CLOUDWATCH_PAYLOAD)
    docs: list[Any] = []
    for doc in loads_concatenated(data):
        wrapped = doc.get("awslogs") if isinstance(doc, dict) else None
        if isinstance(wrapped, dict) and isinstance(wrapped.get("data"), str):
            docs.extend(cloudwatch_documents(unbase64(wrapped["data"]), depth + 1))
        else:
            docs.append(doc)
    return docs


def emit_envelope(doc: Any, out: Emitter) -> None:
    """Fan a decoded subscription envelope out into entries (or a drop / dead letter)."""
    if not isinstance(doc, dict):
        raise DecodeFailure(DecodeError.NOT_CLOUDWATCH_ENVELOPE, doc)
    kind = doc.get("messageType")
    if kind == "CONTROL_MESSAGE":
        out.drop(Dropped.CONTROL_MESSAGE)
        return
    events = doc.get("logEvents")
    if kind != "DATA_MESSAGE" or not isinstance(events, list):
        raise DecodeFailure(DecodeError.MISSING_LOG_EVENTS if kind == "DATA_MESSAGE" else DecodeError.NOT_CLOUDWATCH_ENVELOPE, doc)
    group = doc.get("logGroup")
    dataset = out.dataset or GROUP_HINTS.get(group if isinstance(group, str) else None, None)
    base = {
        "owner": doc.get("owner"),
        "log_group": group,
        "log_stream": doc.get("logStream"),
        "subscription_filters": doc.get("subscriptionFilters"),
    }
    record = out.record
    assert record is not None
    child, append, index = record.position.child, out.result.entries.append, out.index
    for event in events:
        if not isinstance(event, dict) or "message" not in event:
            out.index = index
            out.error(DecodeError.BAD_LOG_EVENT, event if isinstance(event, dict) else repr(event))
            continue
        context = base.copy()
        context["id"] = event.get("id")
        timestamp = event.get("timestamp")
        message = event["message"]
        if type(message) is str and message[:1] not in _JSONISH and not message.endswith(("\n", "\r")):
            value: str | dict[str, Any] = message
        else:
            value = message_value(message)
        append(Entry(value, child(index), dataset, context, int(timestamp) if isinstance(timestamp, int | float) else None))
        index += 1
    out.index = index


def emit_documents(docs: list[Any], out: Emitter) -> None:
    """Emit each envelope; a bad one becomes a dead letter and the others still count."""
    for doc in docs:
        try:
            emit_envelope(doc, out)
        except DecodeFailure as failure:
            out.error(failure.reason, dead_letter_raw(failure))


def emit_payload(data: bytes, out: Emitter) -> None:
    emit_documents(cloudwatch_documents(data), out)


@DECODERS.register("cloudwatch", DecoderConfig)
class CloudWatchDecoder:
    """CloudWatch Logs subscription payloads (gzip JSON, optionally base64)."""

    name = "cloudwatch"

    def __init__(self, config: DecoderConfig | None = None):
        self.config = config

    def decode(self, records: list[Record]) -> DecodeResult:
        out = Emitter()
        for record in records:
            out.begin(record, record_dataset(record))
            try:
                emit_payload(record.data, out)
            except DecodeFailure as failure:
                out.error(failure.reason, dead_letter_raw(failure))
        return out.finish(self.name)
