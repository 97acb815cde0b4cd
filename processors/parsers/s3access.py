"""Amazon S3 server access logs to ECS (every documented field, newest included).

>>> from streams.core.model import Entry, Position
>>> line = ('79a5 awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a5 3E57427F3EXAMPLE REST.GET.VERSIONING '
...         '- "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - '
...         's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 '
...         'ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2 '
...         'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes')
>>> doc = S3AccessParser(S3AccessConfig(type="s3access")).parse([Entry(line, Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["aws"]["s3access"]["aclrequired"], doc["tls"]["version"], doc["event"]["duration"], doc["cloud"]["region"]
('Yes', '1.2', 7000000, 'us-west-1')
"""

from __future__ import annotations

import re
from typing import Any

from processors.parsers._common import BaseParser, ParseFailure, Reason, add_related, entry_text, put
from processors.parsers._http import outcome, split_request, tls_fields, url_fields
from processors.parsers._time import clf_iso
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS

# Names as Elastic's integration gives them (access point ARN -> point_arn, ACL required -> aclrequired).
FIELDS = (
    "bucket_owner bucket time remote_ip requester request_id operation key request_uri http_status error_code "
    "bytes_sent object_size total_time turn_around_time referrer user_agent version_id host_id "
    "signature_version cipher_suite authentication_type host_header tls_version point_arn aclrequired"
).split()
INTEGERS = frozenset(("http_status", "bytes_sent", "object_size", "total_time", "turn_around_time"))
TOKEN = re.compile(r'\[([^\]]*)\]|"((?:[^"\\]|\\.)*)"|(\S+)')
REGION = re.compile(r"s3[.-](?:website[.-])?(?:dualstack\.)?(?:fips\.)?([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws")


def _token(match: re.Match[str]) -> str:
    """A ``[bracketed]`` time, a ``"quoted"`` string or a plain token, without its delimiters."""
    bracket, quoted, plain = match.groups()
    if plain is not None:
        return plain
    return bracket if bracket is not None else quoted


class S3AccessConfig(ParserConfig):
    type: str = "s3access"


@PARSERS.register("s3access", S3AccessConfig)
class S3AccessParser(BaseParser):
    dataset = "aws.s3access"

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        text = entry_text(entry)
        parts = [_token(match) for match in TOKEN.finditer(text)]
        if len(parts) < 18:
            raise ParseFailure(Reason.FIELD_COUNT, f"expected at least 18 fields, got {len(parts)}")
        s3: dict[str, Any] = {}
        for name, value in zip(FIELDS, parts, strict=False):
            if value in ("-", "", None) or name == "time":
                continue
            if name in INTEGERS:
                try:
                    s3[name] = int(value)
                except ValueError:
                    raise ParseFailure(Reason.BAD_VALUE, f"{name}: not an integer: {value[:40]!r}") from None
            else:
                s3[name] = value
        stamp = clf_iso(parts[2])
        if stamp is None:
            raise ParseFailure(Reason.BAD_TIMESTAMP, f"bad time {parts[2][:40]!r}")
        doc: dict[str, Any] = {"@timestamp": stamp, "aws": {"s3access": s3},
                               "event": {"kind": "event", "category": ["web"], "type": ["access"]}}
        put(doc, "event.id", s3.get("request_id"))
        put(doc, "event.action", s3.get("operation"))
        status = s3.get("http_status")
        put(doc, "event.outcome", outcome(status) if status else ("failure" if "error_code" in s3 else "success"))
        if "total_time" in s3:
            doc["event"]["duration"] = s3["total_time"] * 1_000_000
        ip = s3.get("remote_ip")
        put(doc, "client.ip", ip)
        put(doc, "client.address", ip)
        add_related(doc, "ip", ip)
        put(doc, "client.user.id", s3.get("requester"))
        add_related(doc, "user", s3.get("bucket_owner"))
        method, url, version = split_request(s3.get("request_uri", ""))
        put(doc, "http.request.method", method)
        put(doc, "http.version", version)
        if url:
            doc["url"] = url_fields(url)
        put(doc, "http.response.status_code", s3.get("http_status"))
        put(doc, "http.response.body.bytes", s3.get("bytes_sent"))
        put(doc, "http.request.referrer", s3.get("referrer"))
        put(doc, "user_agent.original", s3.get("user_agent"))
        tls = tls_fields(s3.get("cipher_suite"), s3.get("tls_version"))
        if tls:
            doc["tls"] = tls
        match = REGION.search(s3.get("host_header", ""))
        if match:
            put(doc, "cloud.region", match.group(1))
        return doc
