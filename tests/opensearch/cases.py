"""Sink scenarios shared by the emulator suite (noida-db) and the docker suite (real OpenSearch)."""

from __future__ import annotations

from collections import Counter

from streams.core.model import Event, Outcome
from streams.sinks.opensearch import OpenSearchSink
from tests.opensearch.helpers import FaultProxy, count, sink_config, vpc_events


def _leaf_type(mapping: dict, dotted: str) -> str | None:
    node = mapping
    for part in dotted.split("."):
        node = (node.get("properties") or {}).get(part)
        if node is None:
            return None
    return node.get("type")


async def templates_installed(url: str) -> None:
    sink = OpenSearchSink(sink_config(url))
    try:
        await sink.start()
        await sink.start()  # idempotent: a second install changes nothing and does not fail
        report = sink.install_report
        assert report is not None and "logwarden-aws.vpcflow" in report.index_templates
        got = await sink.client.indices.get_index_template(name="logwarden-aws.vpcflow")
        template = got["index_templates"][0]["index_template"]
        assert template["composed_of"] == ["logwarden-ecs@mappings"]
        assert template["index_patterns"] == ["logs-aws.vpcflow-*"]
        events = vpc_events(3)
        events[0].doc["source"]["geo"] = {"location": {"lat": 52.5, "lon": 13.4}}
        events[0].doc["aws"]["vpcflow"]["pkt_srcaddr"] = "192.0.2.7"
        assert [r.outcome for r in await sink.write(events)] == [Outcome.OK] * 3
        index = sink.naming.target("vpcflow", {})
        mapping = next(iter((await sink.client.indices.get_mapping(index=index)).values()))["mappings"]
        expected = {
            "@timestamp": "date",
            "source.ip": "ip",
            "source.port": "long",
            "source.geo.location": "geo_point",
            "aws.vpcflow.pkt_srcaddr": "ip",
            "aws.vpcflow.action": "keyword",
            "message": "text",
        }
        assert {k: _leaf_type(mapping, k) for k in expected} == expected
    finally:
        await sink.close()


async def partial_failures(url: str) -> None:
    """A mapping conflict is FAILED with its reason; injected item 429s are retried, only those."""
    events = vpc_events(200)
    bad = events[50]
    bad.doc["source"]["port"] = "not-a-port"
    throttled = {events[3].id, events[120].id, events[199].id}
    proxy = FaultProxy(url, throttle_ids=set(throttled))
    await proxy.start()
    sink = OpenSearchSink(sink_config(proxy.url))
    try:
        await sink.start()
        results = await sink.write(events)
        outcomes = Counter(r.outcome for r in results)
        assert outcomes == {Outcome.OK: 199, Outcome.FAILED: 1}
        assert results[50].outcome is Outcome.FAILED and "source.port" in results[50].reason
        assert results[50].reason.startswith("400")
        assert sorted(proxy.throttled) == sorted(throttled)
        assert proxy.bulk_requests == 2  # the retry carried only the 3 throttled documents
        assert proxy.bulk_sizes == [200, 3]
        assert await count(sink, sink.naming.target("vpcflow", {})) == 199
    finally:
        await sink.close()
        await proxy.stop()


async def retries_exhausted_report_retry(url: str) -> None:
    """Whole-request 503s: retried inside the sink, then reported RETRY (never FAILED, never raised)."""
    proxy = FaultProxy(url, fail_next=10)
    await proxy.start()
    sink = OpenSearchSink(sink_config(proxy.url, install_templates=False))
    try:
        results = await sink.write(vpc_events(10))
        assert {r.outcome for r in results} == {Outcome.RETRY}
        assert results[0].reason.startswith("503")
        assert proxy.bulk_requests == 3
        proxy.fail_next = 1
        results = await sink.write(vpc_events(10))
        assert {r.outcome for r in results} == {Outcome.OK}
    finally:
        await sink.close()
        await proxy.stop()


async def idempotent_replay(url: str, mode: str = "data_stream") -> None:
    sink = OpenSearchSink(sink_config(url, index_mode=mode))
    try:
        await sink.start()
        events = vpc_events(1000)
        first = await sink.write(events)
        assert all(r.outcome is Outcome.OK for r in first)
        replay = await sink.write(vpc_events(1000))  # the same input read again
        assert all(r.outcome is Outcome.OK for r in replay)
        assert sum(r.reason == "already indexed" for r in replay) == 1000
        index = sink.naming.target("vpcflow", events[0].doc)
        assert await count(sink, index) == 1000
    finally:
        await sink.close()


async def bounded_requests(url: str) -> None:
    proxy = FaultProxy(url)
    await proxy.start()
    sink = OpenSearchSink(sink_config(proxy.url, max_bulk_docs=150, max_bulk_bytes=32 * 1024))
    try:
        await sink.start()
        events: list[Event] = vpc_events(1000)
        assert {r.outcome for r in await sink.write(events)} == {Outcome.OK}
        assert max(proxy.bulk_sizes) <= 150
        assert max(proxy.body_bytes) <= 32 * 1024
        assert sum(proxy.bulk_sizes) == 1000
    finally:
        await sink.close()
        await proxy.stop()
