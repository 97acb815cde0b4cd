"""Finding sinks against real local servers: an aiohttp webhook receiver, moto's SNS+SQS, noida-db."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aiohttp import web

from streams.core.model import Finding, Outcome, Severity, finding_id
from streams.sinks.opensearch_findings import OpenSearchFindingsConfig, OpenSearchFindingsSink
from streams.sinks.sns import SnsSink, SnsSinkConfig
from streams.sinks.webhook import WebhookSink, WebhookSinkConfig
from tests import servers

FAST_RETRY = {"attempts": 3, "initial_seconds": 0.01, "max_seconds": 0.05}


def make_finding(detector: str = "vpc-rejects", severity: Severity = Severity.HIGH, eni: str = "eni-1") -> Finding:
    entity = {"eni": eni}
    return Finding(
        id=finding_id(detector, entity, 600.0),
        detector=detector,
        detector_type="rate",
        finding_type="reject_spike",
        entity=entity,
        window_start=600.0,
        window_end=660.0,
        observed=120.0,
        expected=8.0,
        band=(0.0, 20.0),
        score=0.93,
        severity=severity,
        summary=f"REJECT spike on {eni}: 120 flows/min, expected 8",
        explanation={"top_source_ips": {"203.0.113.9": 80, "198.51.100.4": 30}},
        sample_event_ids=["a1", "b2"],
        first_seen=600.0,
        last_seen=660.0,
    )


@dataclass
class Receiver:
    """Records every request; answers from a script of statuses (then 200)."""

    script: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append({"path": request.path, "body": await request.json(), "headers": dict(request.headers)})
        self.times.append(time.monotonic())
        status = self.script.pop(0) if self.script else 200
        headers = {"Retry-After": "0"} if status == 429 else {}
        return web.json_response({"status": status}, status=status, headers=headers)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = servers.free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    rec.url = f"http://127.0.0.1:{port}"
    yield rec
    await runner.cleanup()


def webhook(url: str, **extra: Any) -> WebhookSink:
    values = {"type": "webhook", "url": url, "retry": FAST_RETRY, **extra}
    return WebhookSink(WebhookSinkConfig.model_validate(values))


async def test_generic_webhook_routes_and_sends_changes_only(receiver: Receiver) -> None:
    sink = webhook(receiver.url + "/hook", min_severity="medium", detectors=["vpc-rejects"])
    low = make_finding(severity=Severity.LOW, eni="eni-low")
    other = make_finding(detector="dns-nx", eni="eni-2")
    high = make_finding()
    try:
        results = await sink.write([low, other, high, high])
        assert [r.outcome for r in results] == [Outcome.OK] * 4
        assert [r.reason for r in results[:2]] == ["not routed to this sink"] * 2
        assert results[3].reason == "unchanged since last sent"
        assert len(receiver.requests) == 1
        body = receiver.requests[0]["body"]
        assert body["id"] == high.id and body["severity"] == "high" and body["entity"] == {"eni": "eni-1"}
        worse = replace(high, severity=Severity.CRITICAL, count=2)
        ended = replace(worse, status="resolved")
        await sink.write([worse, ended])
        assert [r["body"]["severity"] for r in receiver.requests] == ["high", "critical", "critical"]
        assert receiver.requests[-1]["body"]["status"] == "resolved"
    finally:
        await sink.close()


async def test_webhook_retries_429_and_500_then_fails_permanently_on_400(receiver: Receiver) -> None:
    sink = webhook(receiver.url, notify="every")
    finding = make_finding()
    try:
        receiver.script = [429, 500]
        assert (await sink.write([finding]))[0].outcome is Outcome.OK
        assert len(receiver.requests) == 3
        receiver.script = [503, 503, 503]
        result = (await sink.write([finding]))[0]
        assert result.outcome is Outcome.RETRY and result.reason.startswith("503")
        receiver.script = [400]
        result = (await sink.write([finding]))[0]
        assert result.outcome is Outcome.FAILED and result.reason.startswith("400")
        assert len(receiver.requests) == 7
    finally:
        await sink.close()


async def test_webhook_connection_refused_is_retry() -> None:
    sink = webhook(f"http://127.0.0.1:{servers.free_port()}/", notify="every")
    try:
        result = (await sink.write([make_finding()]))[0]
        assert result.outcome is Outcome.RETRY and result.reason.startswith("connection")
    finally:
        await sink.close()


async def test_webhook_rate_limit_spaces_requests(receiver: Receiver) -> None:
    sink = webhook(receiver.url, notify="every", rate_limit={"per_second": 20, "burst": 1})
    try:
        await sink.write([make_finding(eni=f"eni-{i}") for i in range(6)])
        assert len(receiver.times) == 6
        assert receiver.times[-1] - receiver.times[0] >= 5 / 20 * 0.9
    finally:
        await sink.close()


async def test_slack_format(receiver: Receiver) -> None:
    sink = webhook(receiver.url + "/services/T/B/X", format="slack")
    try:
        await sink.write([make_finding(severity=Severity.CRITICAL)])
        body = receiver.requests[0]["body"]
        assert body["text"].startswith(":fire: [CRITICAL] REJECT spike on eni-1")
        fields = [f["text"] for f in body["blocks"][1]["fields"]]
        assert "*Entity*\neni=eni-1" in fields and "*Observed*\n120 (expected 8)" in fields
    finally:
        await sink.close()


async def test_pagerduty_trigger_then_resolve(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_PD_KEY", "R0UT1NG")
    sink = webhook(receiver.url + "/v2/enqueue", format="pagerduty", routing_key_env="TEST_PD_KEY")
    finding = make_finding(severity=Severity.CRITICAL)
    try:
        await sink.write([finding, replace(finding, count=3), replace(finding, status="resolved")])
        trigger, resolve = (r["body"] for r in receiver.requests)
        assert trigger["event_action"] == "trigger" and trigger["routing_key"] == "R0UT1NG"
        assert trigger["dedup_key"] == finding.id
        assert trigger["payload"]["severity"] == "critical" and trigger["payload"]["source"] == "eni=eni-1"
        assert resolve == {"routing_key": "R0UT1NG", "event_action": "resolve", "dedup_key": finding.id}
    finally:
        await sink.close()


@pytest.mark.integration
async def test_sns_publishes_json_with_attributes(aws_env: dict[str, str]) -> None:
    from aiobotocore.session import get_session

    session = get_session()
    async with session.create_client("sns", **aws_env) as sns, session.create_client("sqs", **aws_env) as sqs:
        topic = (await sns.create_topic(Name="logwarden-findings-test"))["TopicArn"]
        queue_url = (await sqs.create_queue(QueueName="findings-test"))["QueueUrl"]
        attrs = await sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        await sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=attrs["Attributes"]["QueueArn"])
        config = SnsSinkConfig(type="sns", topic_arn=topic, retry=FAST_RETRY, min_severity="high")
        sink = SnsSink(config, client_kwargs=aws_env)
        try:
            results = await sink.write([make_finding(), make_finding(severity=Severity.LOW, eni="eni-9")])
            assert [r.outcome for r in results] == [Outcome.OK, Outcome.OK]
            got = await sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            envelopes = [json.loads(m["Body"]) for m in got.get("Messages", [])]
            assert len(envelopes) == 1
            message = json.loads(envelopes[0]["Message"])
            assert message["entity"] == {"eni": "eni-1"} and message["window_start"] == "1970-01-01T00:10:00Z"
            assert envelopes[0]["MessageAttributes"]["severity"]["Value"] == "high"
            assert envelopes[0]["Subject"].startswith("[HIGH] REJECT spike")
            bad = SnsSink(SnsSinkConfig(type="sns", topic_arn=topic + "-missing", retry=FAST_RETRY), client_kwargs=aws_env)
            result = (await bad.write([make_finding()]))[0]
            await bad.close()
            assert result.outcome is Outcome.FAILED and "NotFound" in result.reason
        finally:
            await sink.close()


@pytest.mark.integration
async def test_opensearch_findings_upsert_by_id(opensearch_url: str) -> None:
    index = f"logwarden-findings-t{int(time.time() * 1000) % 10**9}"
    config = OpenSearchFindingsConfig.model_validate(
        {"type": "opensearch", "hosts": [opensearch_url], "index": index, "retry": FAST_RETRY, "detectors": ["vpc-rejects"]}
    )
    sink = OpenSearchFindingsSink(config)
    finding = make_finding()
    try:
        await sink.start()
        first = await sink.write([finding, make_finding(detector="other")])
        assert [r.reason for r in first] == ["", "not routed to this sink"]
        later = replace(finding, count=5, last_seen=900.0, severity=Severity.CRITICAL, status="resolved")
        assert (await sink.write([later]))[0].outcome is Outcome.OK
        await sink.client.indices.refresh(index=index)
        assert (await sink.client.count(index=index))["count"] == 1
        doc = (await sink.client.get(index=index, id=finding.id))["_source"]
        assert doc["event"]["kind"] == "alert"
        assert "_id" not in doc
        assert doc["logwarden"]["finding"]["count"] == 5
        assert doc["logwarden"]["finding"]["status"] == "resolved"
        mapping = (await sink.client.indices.get_mapping(index=index))[index]["mappings"]
        props = mapping["properties"]["logwarden"]["properties"]["finding"]["properties"]
        assert props["window"]["properties"]["start"]["type"] == "date"
        assert {props[k]["type"] for k in ("score", "observed", "band")} == {"double"}
        assert props["explanation"]["type"] == "flattened"
    finally:
        await sink.close()
