from __future__ import annotations

import pytest

from processors.enrich.network import NetworkConfig, NetworkEnricher
from streams.core.config import ConfigError, validate_component
from streams.core.registry import ENRICHERS
from tests.enrich.compat import expected_docs
from tests.enrich.helpers import events, flow


def build(**kw) -> NetworkEnricher:
    return ENRICHERS.build(NetworkConfig(type="network", **kw))


@pytest.mark.parametrize(("src", "dst", "direction"), [
    ("10.0.1.5", "10.0.2.9", "internal"),
    ("198.51.100.7", "10.0.2.9", "ingress"),
    ("10.0.1.5", "198.51.100.7", "egress"),
    ("198.51.100.7", "192.0.2.1", "external"),
    ("203.0.113.20", "10.0.2.9", "internal"),  # a configured VPC CIDR that is public address space
    ("2600:1f18::5", "198.51.100.7", "egress"),
    ("fd00::1", "fd00::2", "internal"),
])
def test_direction(src, dst, direction):
    [event] = build(internal_networks=["203.0.113.0/24", "2600:1f18::/32"]).enrich(events(flow(src, dst)))
    assert event.doc["network"]["direction"] == direction


def test_private_ranges_can_be_excluded():
    enricher = build(internal_networks=["10.0.0.0/16"], include_private_ranges=False)
    a, b = enricher.enrich(events(flow("10.0.1.5", "10.1.0.1"), flow("192.168.0.1", "10.0.0.9")))
    assert a.doc["network"]["direction"] == "egress" and b.doc["network"]["direction"] == "ingress"


@pytest.mark.parametrize(("proto", "transport"), [("6", "tcp"), (17, "udp"), ("1", "icmp"), ("58", "ipv6-icmp"),
                                                  ("47", "gre"), ("50", "esp"), ("132", "sctp")])
def test_transport_from_iana_number(proto, transport):
    [event] = build().enrich(events(flow("10.0.0.1", "10.0.0.2", proto=proto)))
    assert event.doc["network"]["transport"] == transport


@pytest.mark.parametrize(("sport", "dport", "proto", "service"), [
    (51234, 443, "6", "https"), (443, 51234, "6", "https"), (40000, 53, "17", "dns"), (40000, 22, "6", "ssh"),
    (40000, 3389, "6", "rdp"), (40000, 123, "17", "ntp"), (40000, 123, "6", None), (40000, 50000, "6", None),
])
def test_service_names(sport, dport, proto, service):
    [event] = build().enrich(events(flow("10.0.0.1", "10.0.0.2", sport, dport, proto)))
    assert event.doc["network"].get("protocol") == service


def test_parser_values_are_kept_and_family_is_set():
    doc = flow("10.0.0.1", "8.8.8.8")
    doc["network"].update({"transport": "TCP", "direction": "ingress", "protocol": "http"})
    v6 = flow("2001:db8::1", "2001:db8::2")
    a, b = build().enrich(events(doc, v6))
    assert a.doc["network"] == {"iana_number": "6", "transport": "TCP", "direction": "ingress", "protocol": "http",
                                "type": "ipv4"}
    assert b.doc["network"]["type"] == "ipv6"


@pytest.mark.parametrize("doc", [{}, {"network": 5}, {"source": {"ip": 7}, "destination": {"ip": "x"}},
                                 {"source": "1.2.3.4"}, flow("1.2.3.4", "5.6.7.8", sport=[1], dport={"a": 1}),
                                 flow("1.2.3.4", "5.6.7.8", proto="300"), flow("1.2.3.4", "5.6.7.8", proto=None)])
def test_odd_documents_do_not_raise(doc):
    build().enrich(events(doc))


def test_cache_bounded():
    enricher = build(cache_size=10)
    enricher.enrich(events(*[flow(f"198.51.100.{i}", "10.0.0.1") for i in range(50)]))
    assert enricher._classify.stats()[2] == 10


def test_bad_cidr_is_a_config_error_naming_the_key():
    problems: list = []
    assert validate_component(ENRICHERS, {"type": "network", "internal_networks": ["10.0.0.0/33"]},
                              "enrichers[0]", problems) is None
    assert problems and problems[0][0].startswith("enrichers[0].internal_networks")
    assert "not a CIDR" in str(ConfigError(problems))


def test_matches_elastic_transport_and_type():
    docs = [d for d in expected_docs("vpcflow/test-extra-samples.log-expected.json") if d.get("network")]
    stripped = [{**d, "network": {"iana_number": d["network"]["iana_number"]}} for d in docs]
    out = build().enrich(events(*stripped))
    for got, want in zip(out, docs, strict=True):
        assert got.doc["network"]["transport"] == want["network"]["transport"]
        assert got.doc["network"]["type"] == want["network"]["type"]
