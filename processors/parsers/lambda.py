"""Lambda function logs to ECS: platform lines (START, END, REPORT), JSON logs, text application lines.

Platform lines carry the request id, version, durations and memory; JSON logs
(Lambda's JSON log format or an application's own JSON) keep their keys under
``aws.lambda.log``; text lines written by the runtimes
(``<time>\\t<request id>\\t<LEVEL>\\t<message>``) are split into their parts.
The function name comes from the ``/aws/lambda/<name>`` log group.

>>> from streams.core.model import Entry, Position
>>> p = LambdaParser(LambdaConfig(type="lambda"))
>>> report = ("REPORT RequestId: 8f507cfc-1111-2222-3333-444455556666\\tDuration: 102.25 ms\\tBilled Duration: 103 ms\\t"
...           "Memory Size: 128 MB\\tMax Memory Used: 58 MB\\tInit Duration: 126.78 ms")
>>> e = Entry(report, Position("f", "s", "0", "1"), context={"log_group": "/aws/lambda/orders"}, timestamp_ms=1700000000000)
>>> doc = p.parse([e]).events[0].doc
>>> doc["aws"]["lambda"]["billed_duration_ms"], doc["aws"]["lambda"]["init_duration_ms"], doc["faas"]["name"], doc["event"]["duration"]
(103.0, 126.78, 'orders', 102250000)
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from processors.parsers._common import BaseParser, ParseFailure, Reason, entry_text, put
from processors.parsers._time import iso_ms
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS

PLATFORM = re.compile(r"^(START|END|REPORT|INIT_START|EXTENSION|TELEMETRY) (?:RequestId: ([0-9a-fA-F-]+))?(.*)$", re.S)
METRIC = re.compile(r"(Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration|Restore Duration): (\d+(?:\.\d+)?) (ms|MB)")
METRIC_KEYS = {"Duration": "duration_ms", "Billed Duration": "billed_duration_ms", "Memory Size": "memory_size_mb",
               "Max Memory Used": "max_memory_used_mb", "Init Duration": "init_duration_ms",
               "Restore Duration": "restore_duration_ms"}
RUNTIME_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT[\d:.]+Z)\t([0-9a-fA-F-]{36}|undefined)\t([A-Z]+)\t(.*)$", re.S)
LEVELS = ("level", "levelname", "log_level", "severity")


class LambdaConfig(ParserConfig):
    type: str = "lambda"


@PARSERS.register("lambda", LambdaConfig)
class LambdaParser(BaseParser):
    dataset = "aws.lambda"

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        lam: dict[str, Any] = {}
        doc: dict[str, Any] = {"aws": {"lambda": lam}, "event": {"kind": "event"}, "cloud": {"service": {"name": "lambda"}}}
        group = (entry.context or {}).get("log_group")
        if isinstance(group, str) and group.startswith("/aws/lambda/"):
            doc["faas"] = {"name": group[len("/aws/lambda/"):]}
        value = entry.value
        if isinstance(value, dict):
            self._json(doc, lam, value)
            return doc
        text = entry_text(entry)
        if text[:1] == "{":
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError:
                obj = None
            if isinstance(obj, dict):
                self._json(doc, lam, obj)
                return doc
        self._text(doc, lam, text)
        return doc

    @staticmethod
    def _text(doc: dict[str, Any], lam: dict[str, Any], text: str) -> None:
        platform = PLATFORM.match(text)
        if platform:
            kind, request_id, rest = platform.groups()
            doc["event"]["action"] = kind.lower()
            put(lam, "request_id", request_id)
            put(doc, "faas.execution", request_id)
            version = re.search(r"Version: (\S+)", rest)
            put(lam, "version", version.group(1) if version else None)
            for name, number, _unit in METRIC.findall(rest):
                lam[METRIC_KEYS[name]] = float(number)
            if "duration_ms" in lam:
                doc["event"]["duration"] = round(lam["duration_ms"] * 1_000_000)
            doc["message"] = text
            return
        runtime = RUNTIME_LINE.match(text)
        if runtime:
            stamp, request_id, level, message = runtime.groups()
            put(doc, "@timestamp", iso_ms(stamp))
            if request_id != "undefined":
                lam["request_id"] = request_id
                doc["faas"] = {**doc.get("faas", {}), "execution": request_id}
            doc["log"] = {"level": level.lower()}
            doc["message"] = message
            return
        doc["message"] = text

    @staticmethod
    def _json(doc: dict[str, Any], lam: dict[str, Any], obj: dict[str, Any]) -> None:
        kind = obj.get("type")
        record = obj.get("record")
        if isinstance(kind, str) and kind.startswith("platform.") and isinstance(record, dict):
            doc["event"]["action"] = kind
            put(lam, "request_id", record.get("requestId"))
            put(doc, "faas.execution", record.get("requestId"))
            metrics = record.get("metrics")
            if isinstance(metrics, dict):
                for key, name in (("durationMs", "duration_ms"), ("billedDurationMs", "billed_duration_ms"),
                                  ("memorySizeMB", "memory_size_mb"), ("maxMemoryUsedMB", "max_memory_used_mb"),
                                  ("initDurationMs", "init_duration_ms")):
                    if isinstance(metrics.get(key), int | float):
                        lam[name] = float(metrics[key])
        else:
            lam["log"] = obj
            put(lam, "request_id", obj.get("requestId") or obj.get("AWSRequestId"))
            message = obj.get("message") or obj.get("msg")
            put(doc, "message", message if isinstance(message, str) else None)
            for key in LEVELS:
                if isinstance(obj.get(key), str):
                    doc["log"] = {"level": obj[key].lower()}
                    break
        for key in ("time", "timestamp", "@timestamp"):
            value = obj.get(key)
            if isinstance(value, str) and iso_ms(value):
                doc["@timestamp"] = iso_ms(value)
                break
        if "@timestamp" in doc and not isinstance(doc["@timestamp"], str):
            raise ParseFailure(Reason.BAD_TIMESTAMP, "bad time")
