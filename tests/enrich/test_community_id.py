from __future__ import annotations

import copy

import pytest

from processors.enrich.community_id import CommunityIdConfig, CommunityIdEnricher, community_id_v1
from tests.enrich.compat import expected_docs
from tests.enrich.helpers import events, flow

# Baseline vectors of the Community ID specification, from
# https://github.com/corelight/community-id-spec/blob/master/baseline/baseline_deflt.json (seed 0) and
# baseline_seed1.json (seed 1). Ports are as the spec's table lists them: for ICMP/ICMPv6 they are
# already the mapped (type, counter-type or code) pairs; None means a protocol without ports.
# (proto, saddr, daddr, sport, dport, seed 0 id, seed 1 id)
SPEC_VECTORS = [
    (58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="),
    (58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="),
    (58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="),
    (58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4="),
    (58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8="),
    (58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="),
    (58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8="),
    (58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc="),
    (1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="),
    (1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="),
    (1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20="),
    (6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="),
    (6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="),
    (132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="),
    (132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="),
    (6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="),
    (6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="),
    (17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="),
    (17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="),
    (46, "10.1.12.1", "10.1.12.2", None, None, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="),
    (46, "10.1.12.2", "10.1.12.1", None, None, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="),
]


@pytest.mark.parametrize(("proto", "saddr", "daddr", "sport", "dport", "seed0", "seed1"), SPEC_VECTORS)
def test_spec_baseline_vectors(proto, saddr, daddr, sport, dport, seed0, seed1):
    assert community_id_v1(saddr, daddr, sport, dport, proto) == seed0
    assert community_id_v1(saddr, daddr, sport, dport, proto, seed=1) == seed1


@pytest.mark.parametrize(("proto", "saddr", "daddr", "sport", "dport", "seed0", "seed1"),
                         [v for v in SPEC_VECTORS if v[0] not in (1, 58)])
def test_enricher_on_documents_matches_the_vectors(proto, saddr, daddr, sport, dport, seed0, seed1):
    doc = {"source": {"ip": saddr}, "destination": {"ip": daddr}, "network": {"iana_number": str(proto)}}
    if sport is not None:
        doc["source"]["port"], doc["destination"]["port"] = sport, dport
    [event] = CommunityIdEnricher(CommunityIdConfig(type="community_id", seed=1)).enrich(events(doc))
    assert event.doc["network"]["community_id"] == seed1


def test_icmp_type_and_code_from_ports_are_mapped():
    # echo request 8/0 one way and echo reply 0/0 back: one flow, one id (mapped to (8, 0) per the spec)
    enricher = CommunityIdEnricher(CommunityIdConfig(type="community_id"))
    request, reply = enricher.enrich(events(flow("192.168.0.89", "192.168.0.1", 8, 0, "1"),
                                            flow("192.168.0.1", "192.168.0.89", 0, 0, "1")))
    assert request.doc["network"]["community_id"] == reply.doc["network"]["community_id"] == "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="


def test_matches_elastic_vpcflow_pipeline():
    docs = [d for f in ("vpcflow/test-extra-samples.log-expected.json", "vpcflow/test-tcp-flag-sequence.log-expected.json",
                        "vpcflow/test-v5-all-fields.log-expected.json", "vpcflow/test-v8-samples.log-expected.json")
            for d in expected_docs(f) if (d.get("network") or {}).get("community_id")]
    assert len(docs) >= 7
    stripped = []
    for doc in docs:
        copied = copy.deepcopy(doc)
        del copied["network"]["community_id"]
        stripped.append(copied)
    out = CommunityIdEnricher(CommunityIdConfig(type="community_id")).enrich(events(*stripped))
    assert [e.doc["network"]["community_id"] for e in out] == [d["network"]["community_id"] for d in docs]


@pytest.mark.parametrize("doc", [
    {}, {"network": "tcp"}, {"network": {"iana_number": "6"}},
    {"network": {"iana_number": "6"}, "source": {"ip": "1.2.3.4"}, "destination": {"ip": "5.6.7.8"}},  # no ports
    flow("1.2.3.4", "nope"), flow("1.2.3.4", "5.6.7.8", proto="999"),
    flow("1.2.3.4", "5.6.7.8", sport=70000), flow("1.2.3.4", "5.6.7.8", sport="80"),
    flow("1.2.3.4", "5.6.7.8", proto=["6"]), {"source": {"ip": 1}, "destination": {"ip": 2}, "network": {"transport": {}}},
])
def test_incomplete_or_odd_flows_get_no_id_and_do_not_raise(doc):
    [event] = CommunityIdEnricher(CommunityIdConfig(type="community_id")).enrich(events(doc))
    assert "community_id" not in (event.doc.get("network") if isinstance(event.doc.get("network"), dict) else {})


def test_transport_name_and_existing_id():
    enricher = CommunityIdEnricher(CommunityIdConfig(type="community_id"))
    by_name = flow("128.232.110.120", "66.35.250.204", 34855, 80)
    by_name["network"] = {"transport": "tcp"}
    preset = flow("128.232.110.120", "66.35.250.204", 34855, 80)
    preset["network"]["community_id"] = "1:keep"
    a, b = enricher.enrich(events(by_name, preset))
    assert a.doc["network"]["community_id"] == "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
    assert b.doc["network"]["community_id"] == "1:keep"
