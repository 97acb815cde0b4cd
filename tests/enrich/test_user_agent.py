from __future__ import annotations

import pytest

from processors.enrich.user_agent import UserAgentConfig, UserAgentEnricher
from streams.core.registry import ENRICHERS
from tests.enrich.compat import expected_docs
from tests.enrich.helpers import events

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/16.5 Mobile/15E148 Safari/604.1")


def build(**kw) -> UserAgentEnricher:
    return ENRICHERS.build(UserAgentConfig(type="user_agent", **kw))


def test_mobile_browser():
    [event] = build().enrich(events({"user_agent": {"original": IPHONE}}, dataset="cloudfront"))
    ua = event.doc["user_agent"]
    assert ua["name"] == "Mobile Safari" and ua["version"] == "16.5"
    assert ua["os"] == {"name": "iOS", "version": "16.5", "full": "iOS 16.5"}
    assert ua["device"] == {"name": "iPhone"}


@pytest.mark.parametrize("doc", [{}, {"user_agent": "curl"}, {"user_agent": {"original": 5}},
                                 {"user_agent": {"original": ""}}, {"user_agent": None}])
def test_odd_documents_are_left_alone(doc):
    before = repr(doc)
    build().enrich(events(doc))
    assert repr(doc) == before


def test_huge_agent_is_parsed_by_its_prefix_and_cache_bounded():
    enricher = build(cache_size=3, max_length=64)
    agents = [f"curl/7.{i}.0 " + "x" * 5000 for i in range(10)]
    out = enricher.enrich(events(*[{"user_agent": {"original": a}} for a in agents + agents[:1]]))
    assert out[0].doc["user_agent"]["name"] == "curl" and out[0].doc["user_agent"]["version"] == "7.0.0"
    assert out[0].doc["user_agent"]["original"] == agents[0]
    assert enricher._parse.stats()[2] == 3


def test_parsed_fields_are_not_shared_between_documents():
    a, b = build().enrich(events({"user_agent": {"original": IPHONE}}, {"user_agent": {"original": IPHONE}}))
    assert a.doc["user_agent"]["os"] == b.doc["user_agent"]["os"]
    assert a.doc["user_agent"]["os"] is not b.doc["user_agent"]["os"]


@pytest.mark.parametrize("fixture", ["elb_logs/test-alb.log-expected.json",
                                     "cloudfront_logs/test-cloudfront.log-expected.json"])
def test_matches_elastic_user_agent_processor(fixture):
    docs = [d for d in expected_docs(fixture) if d.get("user_agent")]
    assert docs
    out = build().enrich(events(*[{"user_agent": {"original": d["user_agent"]["original"]}} for d in docs]))
    for got, want in zip(out, docs, strict=True):
        assert got.doc["user_agent"] == want["user_agent"]
