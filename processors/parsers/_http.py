"""HTTP helpers shared by the web-access parsers (ELB, CloudFront, S3, API Gateway).

>>> split_request("GET http://www.example.com:80/a?b=1 HTTP/1.1")
('GET', 'http://www.example.com:80/a?b=1', '1.1')
>>> url_fields("http://www.example.com:80/a?b=1")
{'original': 'http://www.example.com:80/a?b=1', 'scheme': 'http', 'domain': 'www.example.com', 'port': 80, 'path': '/a', 'query': 'b=1'}
>>> url_fields("/p/?x")
{'original': '/p/?x', 'path': '/p/', 'query': 'x'}
>>> tls_version("TLSv1.2"), tls_version("tlsv13"), tls_version("-")
('1.2', '1.3', None)
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

TOKEN = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"|(\S+)')  # unrolled: no per-character alternation


def tokens(line: str) -> list[str]:
    """Split a log line on spaces, keeping double-quoted strings (quotes removed) whole.

    Lines whose quotes all sit at token boundaries and hold no backslash
    escapes (nearly every access-log line) are split with ``str.split``;
    the others go through the ``TOKEN`` regex, which defines the result.

    >>> tokens('a "b c" - "" d')
    ['a', 'b c', '-', '', 'd']
    >>> tokens('a"b c" "x"')
    ['a"b', 'c"', 'x']
    """
    if '"' not in line:
        return line.split()
    parts = line.split('"')
    if len(parts) % 2 == 0 or "\\" in line:
        return _regex_tokens(line)
    out: list[str] = []
    for i in range(0, len(parts) - 1, 2):
        plain = parts[i]
        if plain and not plain[-1].isspace():  # a quote inside a token: the regex decides
            return _regex_tokens(line)
        out += plain.split()
        out.append(parts[i + 1])
    out += parts[-1].split()
    return out


def _regex_tokens(line: str) -> list[str]:
    return [plain or quoted for quoted, plain in TOKEN.findall(line)]


def split_request(request: str) -> tuple[str | None, str | None, str | None]:
    """``METHOD URL HTTP/x.y`` to its parts; a URL may itself contain spaces."""
    parts = request.split(" ", 1)
    if len(parts) < 2 or not parts[0] or parts[0] == "-":
        return None, None, None
    method, rest = parts
    url, _, version = rest.rpartition(" ")
    if not version.startswith("HTTP/"):
        url, version = rest, ""
    url = url.strip()
    return method, url or None, version[5:] or None


def url_fields(original: str) -> dict[str, Any]:
    """ECS ``url.*`` from an absolute URL or a path; unparsable parts are left out."""
    out: dict[str, Any] = {"original": original}
    try:
        parts = urlsplit(original)
        port = parts.port
    except ValueError:
        return out
    if parts.scheme:
        out["scheme"] = parts.scheme
    if parts.hostname:
        out["domain"] = parts.hostname
    if port is not None:
        out["port"] = port
    if parts.path:
        out["path"] = parts.path
        leaf = parts.path.rsplit("/", 1)[-1]
        if "." in leaf and not leaf.endswith("."):
            out["extension"] = leaf.rsplit(".", 1)[-1]
    if parts.query:
        out["query"] = parts.query
    if parts.fragment:
        out["fragment"] = parts.fragment
    return out


def tls_version(protocol: str | None) -> str | None:
    """``TLSv1.2`` / ``tlsv12`` / ``TLSV1.3`` to ECS ``tls.version`` (``1.2``)."""
    if not protocol or protocol == "-":
        return None
    text = protocol.lower()
    if not text.startswith("tlsv"):
        return None
    digits = text[4:].replace(".", "")
    if not digits.isdigit() or len(digits) < 2:
        return None
    return f"{digits[0]}.{digits[1:]}"


def tls_fields(cipher: str | None, protocol: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if cipher and cipher != "-":
        out["cipher"] = cipher
    version = tls_version(protocol)
    if version:
        out["version"] = version
        out["version_protocol"] = "tls"
    return out


def outcome(status: int | None) -> str | None:
    """ECS event.outcome from an HTTP status code."""
    if status is None:
        return None
    return "failure" if status >= 400 or status < 100 else "success"


def host_port(value: str) -> tuple[str | None, int | None]:
    """``ip:port`` (IPv6 without brackets too, as ELB writes it) to its parts.

    >>> host_port("10.0.0.1:80"), host_port("2001:db8::1:443"), host_port("-")
    (('10.0.0.1', 80), ('2001:db8::1', 443), (None, None))
    """
    if not value or value == "-":
        return None, None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        return value, None
    return host.strip("[]"), int(port)
