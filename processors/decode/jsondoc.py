"""``json``: one JSON document per record, or one per line (NDJSON).

A JSON array fans out one entry per element (a GuardDuty findings export is
such an array). A line that is not valid JSON becomes a dead letter
(``invalid_json``) and the other lines go on.

>>> from streams.core.model import Position, Record
>>> records = [Record(b'[{"type": "Recon:EC2/PortProbeUnprotectedPort"}, {"type": "UnauthorizedAccess:EC2/SSHBruteForce"}]',
...                   Position("f", "gd.json", "0", "1"), 0.0),
...            Record(b'{"a": 1}\\n{"a": 2\\n{"a": 3}\\n', Position("f", "x.ndjson", "0", "1"), 0.0)]
>>> result = JsonDecoder().decode(records)
>>> [(e.value, e.position.sub) for e in result.entries]  # doctest: +NORMALIZE_WHITESPACE
[({'type': 'Recon:EC2/PortProbeUnprotectedPort'}, 0), ({'type': 'UnauthorizedAccess:EC2/SSHBruteForce'}, 1),
 ({'a': 1}, 0), ({'a': 3}, 1)]
>>> [(d.reason, d.raw) for d in result.errors]
[('invalid_json', '{"a": 2')]
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
    gunzip,
    record_dataset,
    text_of,
)
from processors.decode.base import DecoderConfig
from streams.core.model import DecodeResult, Record
from streams.core.registry import DECODERS


def findings_list(doc: dict[str, Any]) -> list[Any] | None:
    """The list of a ``{"findings": [...]}`` export (GuardDuty API responses and exports), else None."""
    if len(doc) != 1:
        return None
    findings = doc.get("findings", doc.get("Findings"))
    return findings if isinstance(findings, list) else None


def emit_json_value(value: Any, out: Emitter) -> None:
    """A parsed JSON value as entries: an object is one entry, an array (or a findings export) fans out."""
    if isinstance(value, dict):
        findings = findings_list(value)
        if findings is None:
            out.entry(value)
        elif findings:
            emit_json_value(findings, out)
        else:
            out.drop(Dropped.EMPTY_EXPORT)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                out.entry(item)
            else:
                out.entry(item if isinstance(item, str) else orjson.dumps(item).decode())
    else:
        out.entry(value if isinstance(value, str) else orjson.dumps(value).decode())


def emit_json_lines(text: str, out: Emitter) -> None:
    """NDJSON: each non-blank line is one document; a bad line is dead-lettered alone."""
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            out.error(DecodeError.INVALID_JSON, line)
            continue
        emit_json_value(value, out)


@DECODERS.register("json", DecoderConfig)
class JsonDecoder:
    """JSON documents: one per record or one per line (gzip detected)."""

    name = "json"

    def __init__(self, config: DecoderConfig | None = None):
        self.config = config

    def decode(self, records: list[Record]) -> DecodeResult:
        out = Emitter()
        for record in records:
            out.begin(record, record_dataset(record))
            try:
                data = record.data
                if data[:2] == GZIP_MAGIC:
                    data = gunzip(data)
            except DecodeFailure as failure:
                out.error(failure.reason)
                continue
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError:
                emit_json_lines(text_of(data), out)
                continue
            emit_json_value(value, out)
        return out.finish(self.name)
