"""CloudFront access logs to ECS: standard logs (W3C, tab-separated) and real-time logs.

Standard logs name their fields in a ``#Fields:`` header line; the parser
remembers it per file (bounded), takes it from the decoder's ``fields`` context
otherwise, and falls back to the documented default order. Real-time logs
have no header: set ``realtime_fields`` to the field list chosen in the
real-time log configuration. URL-encoded values (user agent, referrer,
cookie) are decoded.

>>> from streams.core.model import Entry, Position
>>> p = CloudFrontParser(CloudFrontConfig(type="cloudfront"))
>>> line = "\\t".join(["2019-12-04", "21:02:31", "LAX1", "392", "192.0.2.100", "GET", "d111111abcdef8.cloudfront.net",
...     "/index.html", "200", "-", "Mozilla/5.0%20(X11)", "-", "-", "Hit", "SOX4xw==", "d111111abcdef8.cloudfront.net",
...     "https", "23", "0.001", "-", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "Hit", "HTTP/2.0", "-", "-", "11040",
...     "0.001", "Hit", "text/html", "78", "-", "-"])
>>> doc = p.parse([Entry(line, Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["url"]["full"], doc["user_agent"]["original"], doc["http"]["version"], doc["source"]["port"]
('https://d111111abcdef8.cloudfront.net/index.html', 'Mozilla/5.0 (X11)', '2.0', 11040)
>>> rt = CloudFrontParser(CloudFrontConfig(type="cloudfront", realtime_fields=["timestamp", "c-ip", "sc-status"]))
>>> rt.parse([Entry("1591119637.123\\t192.0.2.1\\t404", Position("f", "s", "0", "2"))]).events[0].doc["@timestamp"]
'2020-06-02T17:40:37.123Z'
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from urllib.parse import unquote

from pydantic import Field

from processors.parsers._common import BaseParser, ParseFailure, Reason, Skip, add_related, entry_text, put
from processors.parsers._dns import question_fields
from processors.parsers._http import outcome, tls_fields
from processors.parsers._network import ip_type
from processors.parsers._time import epoch_ms_iso, iso_ms
from processors.parsers.base import ParserConfig
from streams.core.metrics import CACHE_SIZE
from streams.core.model import Entry
from streams.core.registry import PARSERS

STANDARD = (
    "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) "
    "cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken "
    "x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status "
    "fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end"
).split()
ALIASES = {"cs-host": "cs(Host)", "cs-user-agent": "cs(User-Agent)", "cs-referer": "cs(Referer)", "cs-cookie": "cs(Cookie)"}
# field -> (aws.cloudfront key, converter)
AWS_FIELDS: dict[str, tuple[str, type]] = {
    "x-edge-location": ("edge_location", str), "x-edge-result-type": ("edge_result_type", str),
    "x-edge-response-result-type": ("edge_response_result_type", str),
    "x-edge-detailed-result-type": ("edge_detailed_result_type", str), "cs(Host)": ("domain", str),
    "fle-status": ("fle_status", str), "fle-encrypted-fields": ("fle_encrypted_fields", str),
    "time-to-first-byte": ("time_to_first_byte", float), "sc-content-type": ("content_type", str),
    "sc-range-start": ("range_start", int), "sc-range-end": ("range_end", int), "cs(Cookie)": ("cookie", str),
    "c-country": ("country", str), "cache-behavior-path-pattern": ("cache_behavior_path_pattern", str),
"origin-fbl": ("origin_fbl", float), "origin-lbl": ("origin_lbl", float),
    "asn": ("asn", int), "cs-accept": ("accept", str), "cs-accept-encoding": ("accept_encoding", str),
}
DECODED = frozenset(("cs(User-Agent)", "cs(Referer)", "cs(Cookie)"))
INTS = {"sc-bytes": "http.response.bytes", "cs-bytes": "http.request.bytes", "sc-status": "http.response.status_code",
        "c-port": "source.port", "sc-content-len": "http.response.body.bytes"}


class CloudFrontConfig(ParserConfig):
    type: str = "cloudfront"
    fields: list[str] | None = Field(None, description="standard log field order when files carry no #Fields header")
    realtime_fields: list[str] | None = Field(None, description="real-time log field list (enables real-time mode)")
    max_tracked_headers: int = Field(1024, ge=1)


def _space_split(text: str) -> list[str]:
    """Space-separated variant (some exports): ``a, b`` lists stay one field."""
    parts: list[str] = []
    for token in text.split():
        if parts and parts[-1].endswith(","):
            parts[-1] += " " + token
        else:
            parts.append(token)
    return parts


def _forwarded(value: str) -> list[str]:
    """``x-forwarded-for`` (``\\x20`` escapes a space) to a list of addresses."""
    return [ip.strip() for ip in value.replace("\\x20", " ").split(",") if ip.strip()]


def _convert(value: str, kind: type, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise ParseFailure(Reason.BAD_VALUE, f"{name}: bad value {value[:40]!r}") from None


@PARSERS.register("cloudfront", CloudFrontConfig)
class CloudFrontParser(BaseParser):
    dataset = "aws.cloudfront_logs"

    def __init__(self, config: CloudFrontConfig):
        super().__init__(config)
        self.realtime = tuple(ALIASES.get(f, f) for f in config.realtime_fields or ())
        self.default = tuple(config.fields or STANDARD)
        self.headers: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    def _key(self, entry: Entry) -> str:
        context = entry.context or {}
        pos = entry.position
        return str(context.get("key") or f"{pos.source}/{pos.stream}/{pos.partition}")

    def _fields(self, entry: Entry) -> tuple[str, ...]:
        if self.realtime:
            return self.realtime
        fields = (entry.context or {}).get("fields")
        if isinstance(fields, list | tuple) and fields:
            return tuple(ALIASES.get(str(f), str(f)) for f in fields)
        return self.headers.get(self._key(entry), self.default)

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        text = entry_text(entry)
        if text.startswith("#"):
            if text.startswith("#Fields:"):
                key = self._key(entry)
                self.headers[key] = tuple(ALIASES.get(f, f) for f in text[8:].split())
                self.headers.move_to_end(key)
                while len(self.headers) > self.config.max_tracked_headers:
                    self.headers.popitem(last=False)
                CACHE_SIZE.labels(cache="cloudfront_headers").set(len(self.headers))
            raise Skip("header")
        fields = self._fields(entry)
        parts = text.split("\t") if "\t" in text else _space_split(text)
        if len(parts) < min(len(fields), 3):
            raise ParseFailure(Reason.FIELD_COUNT, f"expected {len(fields)} tab-separated fields, got {len(parts)}")
        rec = {name: value for name, value in zip(fields, parts, strict=False) if value not in ("-", "")}
        return self.build(rec)

    @staticmethod
    def _timestamp(rec: dict[str, str]) -> str:
        if "timestamp" in rec:
            seconds = _convert(rec["timestamp"], float, "timestamp")
            return epoch_ms_iso(round(seconds * 1000))
        stamp = iso_ms(f"{rec.get('date', '')}T{rec.get('time', '')}Z")
        if stamp is None:
            raise ParseFailure(Reason.BAD_TIMESTAMP, "missing or bad date/time")
        return stamp

    def build(self, rec: dict[str, str]) -> dict[str, Any]:
        cloudfront: dict[str, Any] = {}
        doc: dict[str, Any] = {"@timestamp": self._timestamp(rec), "aws": {"cloudfront": cloudfront},
                               "event": {"kind": "event", "category": ["web"], "type": ["access"]}}
        for name, value in rec.items():
            if name in DECODED:
                value = rec[name] = unquote(unquote(value))
            spec = AWS_FIELDS.get(name)
            if spec is not None:
                cloudfront[spec[0]] = _convert(value, spec[1], name)
            path = INTS.get(name)
            if path is not None:
                put(doc, path, _convert(value, int, name))
        ip = rec.get("c-ip")
        if ip:
            doc["source"] = {**doc.get("source", {}), "address": ip, "ip": ip}
            doc.setdefault("network", {})["type"] = ip_type(ip)
            add_related(doc, "ip", ip)
        if "x-forwarded-for" in rec:
            forwarded = _forwarded(rec["x-forwarded-for"])
            doc.setdefault("network", {})["forwarded_ip"] = forwarded
            add_related(doc, "ip", *forwarded)
        put(doc, "network.protocol", rec.get("cs-protocol"))
        put(doc, "http.request.method", rec.get("cs-method"))
        put(doc, "http.request.referrer", rec.get("cs(Referer)"))
        put(doc, "http.request.id", rec.get("x-edge-request-id"))
        put(doc, "event.id", rec.get("x-edge-request-id"))
        version = rec.get("cs-protocol-version", "")
        put(doc, "http.version", version[5:] if version.startswith("HTTP/") else None)
        put(doc, "user_agent.original", rec.get("cs(User-Agent)"))
        if "time-taken" in rec:
            doc["event"]["duration"] = round(_convert(rec["time-taken"], float, "time-taken") * 1e9)
        put(doc, "event.outcome", outcome(doc.get("http", {}).get("response", {}).get("status_code")))
        tls = tls_fields(rec.get("ssl-cipher"), rec.get("ssl-protocol"))
        if tls:
            doc["tls"] = tls
        self._url(doc, rec)
        return doc

    @staticmethod
    def _url(doc: dict[str, Any], rec: dict[str, str]) -> None:
        # The Host header the viewer sent is the URL's host; cs(Host) is the distribution's domain.
        host = rec.get("x-host-header") or rec.get("cs(Host)")
        path, query, scheme = rec.get("cs-uri-stem"), rec.get("cs-uri-query"), rec.get("cs-protocol")
        path = unquote(path) if path else path
        url: dict[str, Any] = {}
        if host:
            doc["destination"] = {"address": host, "domain": host}
            add_related(doc, "hosts", host, rec.get("cs(Host)"))
        if host and "/" in host:  # a Host header with a path in it: the path belongs to the URL path
            path = "/" + host.split("/", 1)[1] + (path or "")
        elif host:
            names = question_fields(host)
            url["domain"] = host
            for key in ("registered_domain", "top_level_domain", "subdomain"):
                put(url, key, names.get(key))
        put(url, "scheme", scheme if scheme in ("http", "https", "ws", "wss") else None)
        if path:
            url["path"] = path
            leaf = path.rsplit("/", 1)[-1]
            if "." in leaf and not leaf.endswith("."):
                url["extension"] = leaf.rsplit(".", 1)[-1]
        put(url, "query", query)
        if host and path and url.get("scheme"):
            path = rec.get("cs-uri-stem", "")
            url["full"] = f"{url['scheme']}://{host}{path}" + (f"?{query}" if query else "")
        if url:
            doc["url"] = url
