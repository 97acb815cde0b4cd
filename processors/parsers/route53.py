"""Route 53 query logs to ECS: public hosted zone logs (text) and Resolver query logs (JSON).

>>> from streams.core.model import Entry, Position
>>> p = Route53Parser(Route53Config(type="route53"))
>>> line = "1.0 2017-12-13T08:16:02.130Z Z123412341234 example.com A NOERROR UDP FRA6 192.168.1.1 -"
>>> doc = p.parse([Entry(line, Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["dns"]["question"]["type"], doc["network"]["transport"], doc["aws"]["route53"]["edge_location"]
('A', 'udp', 'FRA6')
>>> resolver = {"version": "1.100000", "account_id": "111122223333", "region": "us-east-1", "vpc_id": "vpc-1",
...             "query_timestamp": "2021-02-04T17:51:55Z", "query_name": "example.com.", "query_type": "A",
...             "query_class": "IN", "rcode": "NOERROR", "answers": [{"Rdata": "1.2.3.4", "Type": "A", "Class": "IN"}],
...             "srcaddr": "10.0.0.5", "srcport": "55372", "transport": "UDP", "srcids": {"instance": "i-1"}}
>>> doc = p.parse([Entry(resolver, Position("f", "s", "0", "2"))]).events[0].doc
>>> doc["dns"]["answers"], doc["cloud"]["instance"]["id"], doc["source"]["port"]
([{'data': '1.2.3.4', 'type': 'A', 'class': 'IN'}], 'i-1', 55372)
"""

from __future__ import annotations

from typing import Any

from processors.parsers._common import BaseParser, ParseFailure, Reason, add_related, entry_json, entry_text, put
from processors.parsers._dns import question_fields
from processors.parsers._network import ip_type
from processors.parsers._time import iso_ms
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS

IANA = {"udp": "17", "tcp": "6"}


class Route53Config(ParserConfig):
    type: str = "route53"


def _network(doc: dict[str, Any], transport: str | None, src: str | None) -> None:
    network: dict[str, Any] = {"protocol": "dns"}
    if transport and transport != "-":
        network["transport"] = transport.lower()
        put(network, "iana_number", IANA.get(transport.lower()))
    if src and src != "-":
        network["type"] = ip_type(src)
        doc["source"] = {"address": src, "ip": src}
        add_related(doc, "ip", src)
    doc["network"] = network


def _base(stamp: str | None, rcode: str | None) -> dict[str, Any]:
    if stamp is None:
        raise ParseFailure(Reason.BAD_TIMESTAMP, "missing or bad query timestamp")
    doc: dict[str, Any] = {"@timestamp": stamp, "event": {"kind": "event", "category": ["network"], "type": ["protocol"]}}
    if rcode and rcode != "-":
        doc["dns"] = {"response_code": rcode}
        doc["event"]["outcome"] = "success" if rcode == "NOERROR" else "failure"
    return doc


def _question(doc: dict[str, Any], name: Any, qtype: Any, qclass: Any = None) -> None:
    if not isinstance(name, str) or not name or name == "-":
        return
    question = question_fields(name)
    put(question, "type", qtype if isinstance(qtype, str) else None)
    put(question, "class", qclass if isinstance(qclass, str) else None)
    doc.setdefault("dns", {})["question"] = question
    add_related(doc, "hosts", question["name"])


@PARSERS.register("route53", Route53Config)
class Route53Parser(BaseParser):
    dataset = "aws.route53"

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        value = entry.value
        if isinstance(value, dict) or (isinstance(value, str) and value.lstrip()[:1] == "{"):
            return self._resolver(entry_json(entry))
        return self._public(entry_text(entry))

    @staticmethod
    def _public(text: str) -> dict[str, Any]:
        parts = text.split()
        if len(parts) < 9:
            raise ParseFailure(Reason.FIELD_COUNT, f"expected 10 fields, got {len(parts)}")
        version, stamp, zone, name, qtype, rcode, transport, edge, src = parts[:9]
        doc = _base(iso_ms(stamp), rcode)
        route53: dict[str, Any] = {"hosted_zone_id": zone, "edge_location": edge}
        if len(parts) > 9:
            put(route53, "edns_client_subnet", parts[9])
        doc["aws"] = {"route53": route53}
        _question(doc, name, qtype)
        _network(doc, transport, src)
        return doc

    @staticmethod
    def _resolver(rec: dict[str, Any]) -> dict[str, Any]:
        stamp = rec.get("query_timestamp")
        doc = _base(iso_ms(stamp) if isinstance(stamp, str) else None, rec.get("rcode"))
        _question(doc, rec.get("query_name"), rec.get("query_type"), rec.get("query_class"))
        answers = rec.get("answers")
        if isinstance(answers, list) and answers:
            doc["dns"]["answers"] = [
                {k: a[src] for src, k in (("Rdata", "data"), ("Type", "type"), ("Class", "class")) if src in a}
                for a in answers if isinstance(a, dict)
            ]
            doc["dns"]["resolved_ip"] = [a["data"] for a in doc["dns"]["answers"] if a.get("type") in ("A", "AAAA")]
        transport, src = rec.get("transport"), rec.get("srcaddr")
        _network(doc, transport if isinstance(transport, str) else None, src if isinstance(src, str) else None)
        port = rec.get("srcport")
        if isinstance(port, str | int) and str(port).isdigit():
            doc.setdefault("source", {})["port"] = int(port)
        route53: dict[str, Any] = {}
        for key in ("version", "vpc_id", "firewall_rule_action", "firewall_rule_group_id", "firewall_domain_list_id"):
            put(route53, key, rec.get(key))
        srcids = rec.get("srcids")
        if isinstance(srcids, dict):
            put(route53, "srcids.resolver_endpoint", srcids.get("resolver_endpoint"))
            put(route53, "srcids.instance", srcids.get("instance"))
            put(doc, "cloud.instance.id", srcids.get("instance"))
        doc["aws"] = {"route53": route53}
        put(doc, "cloud.account.id", rec.get("account_id"))
        put(doc, "cloud.region", rec.get("region"))
        put(doc, "event.action", rec.get("firewall_rule_action"))
        return doc
