"""API Gateway access logs (JSON, REST and HTTP APIs) to ECS.

Every key of the configured JSON access-log format is kept under
``aws.apigateway`` in snake_case (``ip`` as ``ip_address``, as Elastic names
it); the common ``$context`` variables also fill ECS fields.

>>> from streams.core.model import Entry, Position
>>> line = ('{"requestId":"r1","ip":"192.0.2.1","caller":"-","user":"-","requestTime":"10/Jun/2023:15:36:28 +0000",'
...         '"httpMethod":"GET","resourcePath":"/pets","status":"200","protocol":"HTTP/1.1","responseLength":"184"}')
>>> doc = ApiGatewayParser(ApiGatewayConfig(type="apigateway")).parse([Entry(line, Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["@timestamp"], doc["aws"]["apigateway"]["status"], doc["http"]["response"]["status_code"], doc["url"]["path"]
('2023-06-10T15:36:28.000Z', 200, 200, '/pets')
"""

from __future__ import annotations

import re
from typing import Any

from processors.parsers._common import BaseParser, KeyNames, ParseFailure, Reason, add_related, entry_json, put
from processors.parsers._http import outcome
from processors.parsers._time import clf_iso, epoch_ms_iso, iso_ms
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS

CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
RENAMES = {"ip": "ip_address", "sourceIp": "ip_address"}
NUMBERS = frozenset(("status", "response_length", "integration_latency", "response_latency", "integration_status",
                     "request_time_epoch"))


class ApiGatewayConfig(ParserConfig):
    type: str = "apigateway"


def _snake(key: str) -> str:
    """``responseLength`` -> ``response_length``; ``context.requestId`` -> ``request_id``."""
    key = RENAMES.get(key, key).rsplit(".", 1)[-1]
    return CAMEL.sub(r"_\1", key).lower()


snake = KeyNames("apigateway_keys", _snake)


def _timestamp(api: dict[str, Any]) -> str | None:
    epoch = api.get("request_time_epoch")
    if isinstance(epoch, int):
        return epoch_ms_iso(epoch if epoch > 10**11 else epoch * 1000)
    text = api.get("request_time")
    if isinstance(text, str):
        return clf_iso(text) or iso_ms(text)
    return None


@PARSERS.register("apigateway", ApiGatewayConfig)
class ApiGatewayParser(BaseParser):
    dataset = "aws.apigateway_logs"

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        rec = entry_json(entry)
        api: dict[str, Any] = {}
        for key, value in rec.items():
            name = snake(key)
            if name in NUMBERS and isinstance(value, str) and value.lstrip("-").isdigit():
                value = int(value)
            api[name] = value
        stamp = _timestamp(api)
        if "request_time" in api and isinstance(api["request_time"], str) and stamp:
            api["request_time"] = stamp
        doc: dict[str, Any] = {"aws": {"apigateway": api}, "event": {"kind": "event", "category": ["web"], "type": ["access"]}}
        if stamp is None and entry.timestamp_ms is None:
            raise ParseFailure(Reason.BAD_TIMESTAMP, "no requestTime/requestTimeEpoch")
        put(doc, "@timestamp", stamp)
        status = api.get("status") if isinstance(api.get("status"), int) else None
        put(doc, "http.response.status_code", status)
        put(doc, "event.outcome", outcome(status))
        length = api.get("response_length")
        put(doc, "http.response.body.bytes", length if isinstance(length, int) else None)
        put(doc, "http.request.method", api.get("http_method"))
        protocol = api.get("protocol")
        if isinstance(protocol, str) and protocol.startswith("HTTP/"):
            doc.setdefault("http", {})["version"] = protocol[5:]
        put(doc, "event.id", api.get("request_id"))
        put(doc, "http.request.id", api.get("request_id"))
        ip = api.get("ip_address")
        if isinstance(ip, str) and ip not in ("-", ""):
            doc["source"] = {"address": ip, "ip": ip}
            add_related(doc, "ip", ip)
        put(doc, "url.path", api.get("resource_path") or api.get("path"))
        put(doc, "url.domain", api.get("domain_name"))
        put(doc, "user_agent.original", api.get("user_agent"))
        user = api.get("user")
        if isinstance(user, str) and user not in ("-", ""):
            doc["user"] = {"name": user}
            add_related(doc, "user", user)
        latency = api.get("response_latency")
        if isinstance(latency, int):
            doc["event"]["duration"] = latency * 1_000_000
        return doc
