"""Elastic Load Balancing access logs to ECS: Classic (HTTP and TCP), ALB, ALB connection, NLB TLS.

The kind of log is told by the first token: an ALB type (``http``, ``https``,
``h2``, ``grpcs``, ``ws``, ``wss``), ``tls`` for NLB, else a timestamp (Classic
ELB when the third token is ``ip:port``, ALB connection log otherwise). ALB
lines may carry trailing fields added after the documented ones; they are
ignored.

>>> from streams.core.model import Entry, Position
>>> p = ElbParser(ElbConfig(type="elb"))
>>> line = ('2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 '
...         '200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -')
>>> doc = p.parse([Entry(line, Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["http"]["request"]["method"], doc["url"]["domain"], doc["aws"]["elb"]["backend"]["port"], doc["aws"]["elb"]["type"]
('GET', 'www.example.com', '80', 'http')
"""

from __future__ import annotations

from typing import Any

from processors.parsers._common import BaseParser, ParseFailure, Reason, add_related, entry_text, put
from processors.parsers._http import host_port, outcome, split_request, tls_fields, tokens, url_fields
from processors.parsers._time import iso_ms
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS

ALB_TYPES = frozenset(("http", "https", "h2", "grpcs", "ws", "wss"))
ALB_FIELDS = (
    "type time elb client target request_processing_time target_processing_time response_processing_time "
    "elb_status_code target_status_code received_bytes sent_bytes request user_agent ssl_cipher ssl_protocol "
    "target_group_arn trace_id domain_name chosen_cert_arn matched_rule_priority request_creation_time "
    "actions_executed redirect_url error_reason target_port_list target_status_code_list classification "
    "classification_reason conn_trace_id transformed_host transformed_uri request_transform_status"
).split()
CLASSIC_FIELDS = (
    "time elb client target request_processing_time target_processing_time response_processing_time "
    "elb_status_code target_status_code received_bytes sent_bytes request user_agent ssl_cipher ssl_protocol"
).split()
NLB_FIELDS = (
    "type version time elb listener client destination connection_time tls_handshake_time received_bytes "
    "sent_bytes incoming_tls_alert chosen_cert_arn chosen_cert_serial tls_cipher tls_protocol_version "
    "tls_named_group domain_name alpn_fe_protocol alpn_be_protocol alpn_client_preference_list "
    "tls_connection_creation_time"
).split()
CONN_FIELDS = (
    "time client_ip client_port listener_port tls_protocol tls_cipher tls_handshake_latency "
    "leaf_client_cert_subject leaf_client_cert_validity leaf_client_cert_serial_number tls_verify_status "
    "conn_trace_id"
).split()
MIN_FIELDS = {"alb": 17, "classic": 11, "nlb": 17, "conn": 7}


class ElbConfig(ParserConfig):
    type: str = "elb"


def _num(value: str | None, name: str, kind: type = float) -> Any:
    if value is None or value == "-" or value == "":
        return None
    try:
        number = kind(value)
    except ValueError:
        raise ParseFailure(Reason.BAD_VALUE, f"{name}: not a number: {value[:64]!r}") from None
    return None if number == -1 else number


@PARSERS.register("elb", ElbConfig)
class ElbParser(BaseParser):
    dataset = "aws.elb_logs"

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        text = entry_text(entry)
        first = text.split(" ", 1)[0]
        if first in ALB_TYPES:
            return self._http(self._record(tokens(text), ALB_FIELDS, "alb"), alb=True)
        if first == "tls":
            parts = [p.strip('\\"') for p in text.split()]
            return self._nlb(self._record(parts, NLB_FIELDS, "nlb"))
        parts = tokens(text)
        if len(parts) > 2 and ":" in parts[2]:
            return self._http(self._record(parts, CLASSIC_FIELDS, "classic"), alb=False)
        return self._connection(self._record(parts, CONN_FIELDS, "conn"))

    @staticmethod
    def _record(parts: list[str], fields: list[str], kind: str) -> dict[str, str]:
        if len(parts) < MIN_FIELDS[kind]:
            raise ParseFailure(Reason.FIELD_COUNT, f"{kind} log: expected at least {MIN_FIELDS[kind]} fields, got {len(parts)}")
        return dict(zip(fields, parts, strict=False))

    @staticmethod
    def _time(doc: dict[str, Any], value: str) -> None:
        stamp = iso_ms(value)
        if stamp is None:
            raise ParseFailure(Reason.BAD_TIMESTAMP, f"bad time {value[:40]!r}")
        doc["@timestamp"] = stamp
        doc["event"]["end"] = stamp

    def _http(self, rec: dict[str, str], alb: bool) -> dict[str, Any]:
        elb: dict[str, Any] = {"name": rec["elb"]}
        doc: dict[str, Any] = {"aws": {"elb": elb}, "event": {"kind": "event", "category": ["web"]}}
        self._time(doc, rec["time"])
        method, url, version = split_request(rec.get("request", "-"))
        if alb:
            elb["type"], elb["protocol"] = rec["type"], "http"
        else:
            elb["type"] = elb["protocol"] = "http" if method else "tcp"
        self._peers(doc, elb, rec["client"], rec["target"])
        for name, key in (("request_processing_time", "request_processing_time"),
                          ("target_processing_time", "backend_processing_time"),
                          ("response_processing_time", "response_processing_time")):
            seconds = _num(rec.get(name), name)
            if seconds is not None:
                elb[key] = {"sec": seconds}
        status = _num(rec.get("elb_status_code"), "elb_status_code", int)
        put(doc, "http.response.status_code", status)
        put(doc, "aws.elb.backend.http.response.status_code", _num(rec.get("target_status_code"), "target_status_code", int))
        put(doc, "http.request.body.bytes", _num(rec.get("received_bytes"), "received_bytes", int))
        put(doc, "http.response.body.bytes", _num(rec.get("sent_bytes"), "sent_bytes", int))
        put(doc, "http.request.method", method)
        put(doc, "http.version", version)
        if url:
            doc["url"] = url_fields(url)
        put(doc, "user_agent.original", rec.get("user_agent"))
        self._tls(doc, elb, rec.get("ssl_cipher"), rec.get("ssl_protocol"))
        put(doc, "event.outcome", outcome(status))
        if alb:
            self._alb_extras(doc, elb, rec)
        return doc

    @staticmethod
    def _alb_extras(doc: dict[str, Any], elb: dict[str, Any], rec: dict[str, str]) -> None:
        put(elb, "target_group.arn", rec.get("target_group_arn"))
        trace = rec.get("trace_id")
        put(elb, "trace_id", trace)
        put(doc, "trace.id", trace)
        put(doc, "destination.domain", rec.get("domain_name"))
        put(elb, "chosen_cert.arn", rec.get("chosen_cert_arn"))
        put(elb, "matched_rule_priority", rec.get("matched_rule_priority"))
        put(doc, "event.start", iso_ms(rec.get("request_creation_time", "-")))
        for name, key in (("actions_executed", "action_executed"), ("target_port_list", "target_port"),
                          ("target_status_code_list", "target_status_code")):
            value = rec.get(name, "-")
            if value not in ("-", ""):
                elb[key] = value.split(",") if name == "actions_executed" else value.split()
        for name in ("redirect_url", "classification", "classification_reason", "transformed_host",
                     "transformed_uri", "request_transform_status"):
            put(elb, name, rec.get(name))
        put(elb, "error.reason", rec.get("error_reason"))
        put(elb, "connection_trace_id", rec.get("conn_trace_id"))

    @staticmethod
    def _peers(doc: dict[str, Any], elb: dict[str, Any], client: str, target: str) -> None:
        ip, port = host_port(client)
        if ip:
            doc["source"] = {"address": ip, "ip": ip}
            put(doc, "source.port", port)
            add_related(doc, "ip", ip)
        backend_ip, backend_port = host_port(target)
        if backend_ip:
            elb["backend"] = {"ip": backend_ip}
            put(elb, "backend.port", None if backend_port is None else str(backend_port))
            add_related(doc, "ip", backend_ip)

    @staticmethod
    def _tls(doc: dict[str, Any], elb: dict[str, Any], cipher: str | None, protocol: str | None) -> None:
        put(elb, "ssl_cipher", cipher)
        put(elb, "ssl_protocol", protocol)
        tls = tls_fields(cipher, protocol)
        if tls:
            doc["tls"] = tls

    def _nlb(self, rec: dict[str, str]) -> dict[str, Any]:
        elb: dict[str, Any] = {"name": rec["elb"], "type": "tls", "protocol": "tcp", "listener": rec["listener"]}
        doc: dict[str, Any] = {"aws": {"elb": elb}, "event": {"kind": "event", "category": ["network"]}}
        self._time(doc, rec["time"])
        self._peers(doc, elb, rec["client"], rec["destination"])
        for name in ("connection_time", "tls_handshake_time"):
            value = _num(rec.get(name), name)
            if value is not None:
                elb[name] = {"ms": value}
        put(doc, "source.bytes", _num(rec.get("received_bytes"), "received_bytes", int))
        put(doc, "destination.bytes", _num(rec.get("sent_bytes"), "sent_bytes", int))
        put(elb, "incoming_tls_alert", rec.get("incoming_tls_alert"))
        put(elb, "chosen_cert.arn", rec.get("chosen_cert_arn"))
        put(elb, "chosen_cert.serial", rec.get("chosen_cert_serial"))
        self._tls(doc, elb, rec.get("tls_cipher"), rec.get("tls_protocol_version"))
        put(elb, "tls_named_group", rec.get("tls_named_group"))
        put(doc, "destination.domain", rec.get("domain_name"))
        for name in ("alpn_fe_protocol", "alpn_be_protocol", "alpn_client_preference_list"):
            put(elb, name, rec.get(name))
        put(elb, "tls_connection_creation_time", iso_ms(rec.get("tls_connection_creation_time", "-")))
        return doc

    def _connection(self, rec: dict[str, str]) -> dict[str, Any]:
        elb: dict[str, Any] = {"protocol": "tcp"}
        doc: dict[str, Any] = {"aws": {"elb": elb}, "event": {"kind": "event", "category": ["network"]}}
        self._time(doc, rec["time"])
        put(doc, "client.ip", rec["client_ip"])
        put(doc, "client.address", rec["client_ip"])
        put(doc, "client.port", _num(rec["client_port"], "client_port", int))
        add_related(doc, "ip", rec["client_ip"])
        put(elb, "listener", rec["listener_port"])
        self._tls(doc, elb, rec.get("tls_cipher"), rec.get("tls_protocol"))
        put(elb, "tls_handshake_latency", _num(rec.get("tls_handshake_latency"), "tls_handshake_latency"))
        put(elb, "leaf_client_cert_subject", rec.get("leaf_client_cert_subject"))
        put(elb, "leaf_client_cert_serial_number", rec.get("leaf_client_cert_serial_number"))
        for part in rec.get("leaf_client_cert_validity", "-").split(";"):
            key, _, value = part.partition("=")
            if key in ("NotBefore", "NotAfter"):
                put(elb, "leaf_client_cert_not_" + key[3:].lower(), iso_ms(value))
        status, _, error = rec.get("tls_verify_status", "-").partition(":")
        put(elb, "tls_verify_status", status)
        put(elb, "tls_error_code", error)
        put(elb, "connection_trace_id", rec.get("conn_trace_id"))
        return doc
