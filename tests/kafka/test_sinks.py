"""Kafka document and finding sinks against a real broker: delivery confirmation and per-item outcomes."""

from __future__ import annotations

import time

import orjson
import pytest

from streams.core.model import Event, Finding, Outcome, Position, Severity, event_id, finding_id
from streams.core.registry import FINDING_SINKS, SINKS
from tests import servers
from tests.kafka.helpers import create_topic, read_all, unique
from tests.sinks.cases import ROUTE, mixed_findings, routed_ids, skipped

pytestmark = pytest.mark.integration


def make_events(n: int, datasets: tuple[str, ...] = ("vpcflow", "cloudtrail")) -> list[Event]:
    events = []
    for i in range(n):
        pos = Position("test", "s", "0", str(i))
        ds = datasets[i % len(datasets)]
        doc = {"@timestamp": f"2024-01-01T00:00:{i % 60:02d}Z", "event": {"dataset": f"aws.{ds}"}, "n": i}
        events.append(Event(doc, ds, event_id(pos), pos))
    return events


def build(registry, **cfg):
    config = registry.get("kafka").config.model_validate({"type": "kafka", **cfg})
    return registry.build(config)


async def test_document_sink_routes_by_dataset_with_ids_as_keys(kafka_bootstrap: str) -> None:
    prefix = unique("docs")
    sink = build(SINKS, bootstrap_servers=kafka_bootstrap, topic=prefix + "-{dataset}")
    await sink.start()
    events = make_events(200)
    try:
        results = await sink.write(events)
    finally:
        await sink.close()
    assert [r.outcome for r in results] == [Outcome.OK] * 200
    for ds in ("vpcflow", "cloudtrail"):
        expected = {e.id: e for e in events if e.dataset == ds}
        got = await read_all(kafka_bootstrap, f"{prefix}-{ds}", len(expected))
        assert {m.key.decode(): orjson.loads(m.value) for m in got} == {i: e.doc for i, e in expected.items()}
        headers = dict(got[0].headers)
        assert headers["logwarden-dataset"] == ds.encode()
        assert headers["logwarden-position"].decode() == expected[got[0].key.decode()].position.key()


async def test_document_sink_fails_only_the_items_no_retry_can_fix(kafka_bootstrap: str) -> None:
    topic = await create_topic(kafka_bootstrap, prefix="docs-mixed")
    sink = build(SINKS, bootstrap_servers=kafka_bootstrap, topic=topic, max_request_size=4096)
    await sink.start()
    events = make_events(5)
    events[1].doc["message"] = "x" * 10_000  # larger than max_request_size
    events[3].doc["tags"] = {1, 2}  # a set: not JSON
    try:
        results = await sink.write(events)
    finally:
        await sink.close()
    assert [r.outcome for r in results] == [Outcome.OK, Outcome.FAILED, Outcome.OK, Outcome.FAILED, Outcome.OK]
    assert "MessageSizeTooLarge" in results[1].reason and "TypeError" in results[3].reason
    got = await read_all(kafka_bootstrap, topic, 3)
    assert sorted(m.key.decode() for m in got) == sorted(events[i].id for i in (0, 2, 4))


async def test_document_sink_reports_retry_when_the_broker_is_gone() -> None:
    with servers.kafka_broker() as bootstrap:  # a private broker this test can stop
        topic = await create_topic(bootstrap, prefix="docs-down")
        sink = build(SINKS, bootstrap_servers=bootstrap, topic=topic, request_timeout_ms=1500)
        await sink.start()
        assert [r.outcome for r in await sink.write(make_events(3))] == [Outcome.OK] * 3
    try:
        results = await sink.write(make_events(3))  # the broker has stopped: nothing is confirmed
    finally:
        await sink.close()
    assert [r.outcome for r in results] == [Outcome.RETRY] * 3
    assert all(r.reason for r in results)


def make_findings(n: int) -> list[Finding]:
    out = []
    for i in range(n):
        entity = {"eni": f"eni-{i}"}
        out.append(
            Finding(
                id=finding_id("rejects", entity, 60.0 * i),
                detector="rejects",
                detector_type="rate",
                finding_type="reject_spike",
                entity=entity,
                window_start=60.0 * i,
                window_end=60.0 * (i + 1),
                observed=100.0 + i,
                expected=10.0,
                band=(0.0, 20.0),
                score=0.97,
                severity=Severity.CRITICAL,
                summary=f"REJECT spike on eni-{i}",
                explanation={"top_source_ips": {"10.0.0.1": 80}},
                sample_event_ids=["a", "b"],
            )
        )
    return out


async def test_finding_sink_confirms_delivery_keyed_by_finding_id(kafka_bootstrap: str) -> None:
    topic = await create_topic(kafka_bootstrap, prefix="findings")
    sink = build(FINDING_SINKS, bootstrap_servers=kafka_bootstrap, topic=topic, format="fields")
    await sink.start()
    findings = make_findings(20)
    try:
        results = await sink.write(findings)
    finally:
        await sink.close()
    assert [r.outcome for r in results] == [Outcome.OK] * 20
    got = {m.key.decode(): orjson.loads(m.value) for m in await read_all(kafka_bootstrap, topic, 20)}
    assert set(got) == {f.id for f in findings}
    one = got[findings[7].id]
    assert one["entity"] == {"eni": "eni-7"} and one["severity"] == "critical" and one["observed"] == 107.0
    assert one["explanation"] == {"top_source_ips": {"10.0.0.1": 80}}


def test_sink_configs_validate_topic_names() -> None:
    cfg = SINKS.get("kafka").config
    with pytest.raises(ValueError, match="dataset"):
        cfg.model_validate({"type": "kafka", "topic": "logs-{index}"})
    with pytest.raises(ValueError):
        cfg.model_validate({"type": "kafka", "topic": "t", "acks": 0})  # no delivery confirmation: refused
    fcfg = FINDING_SINKS.get("kafka").config
    with pytest.raises(ValueError):
        fcfg.model_validate({"type": "kafka", "format": "xml"})


async def test_finding_sink_routes_by_severity_and_detector_within_its_rate_limit(kafka_bootstrap: str) -> None:
    topic = await create_topic(kafka_bootstrap, prefix="findings-routed")
    limit = {"per_second": 10, "burst": 1}
    sink = build(FINDING_SINKS, name="kafka-routed", bootstrap_servers=kafka_bootstrap, topic=topic, format="fields",
                 rate_limit=limit, **ROUTE)  # fmt: skip
    findings = mixed_findings()
    before = skipped("kafka-routed")
    await sink.start()
    try:
        started = time.monotonic()
        batches = [await sink.write(findings) for _ in range(3)]
        elapsed = time.monotonic() - started
    finally:
        await sink.close()
    for results in batches:
        assert [r.outcome for r in results] == [Outcome.OK] * 4
    got = await read_all(kafka_bootstrap, topic, 6)
    assert len(got) == 6 and {m.key.decode() for m in got} == routed_ids(findings)
    assert skipped("kafka-routed") - before == 6
    assert elapsed >= 0.18  # three batches, one token per batch at 10/s with a burst of 1
