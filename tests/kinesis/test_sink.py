"""Kinesis document and finding sinks against moto: batching, retrying only the failed records."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from streams.core.model import Event, Finding, Outcome, Position, Severity
from streams.core.registry import FINDING_SINKS, SINKS
from streams.sinks.kinesis import KinesisDocumentSink, KinesisFindingSink, KinesisFindingSinkConfig, KinesisSinkConfig
from tests.kinesis.helpers import client, create_stream, unique
from tests.sinks.cases import ROUTE, mixed_findings, routed_ids, skipped

pytestmark = pytest.mark.integration


class Recording:
    """The real client; records each PutRecords call and can fail chosen records of the first calls."""

    def __init__(self, real: Any, fail_every: int = 0, failing_calls: int = 0):
        self.real, self.fail_every, self.failing_calls = real, fail_every, failing_calls
        self.calls: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    async def put_records(self, Records: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        self.calls.append(len(Records))
        if len(self.calls) > self.failing_calls or not self.fail_every:
            return await self.real.put_records(Records=Records, **kwargs)
        kept = [r for i, r in enumerate(Records) if i % self.fail_every]
        resp = await self.real.put_records(Records=kept, **kwargs) if kept else {"Records": []}
        accepted = iter(resp["Records"])
        failed = {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate exceeded"}
        out = [failed if i % self.fail_every == 0 else next(accepted) for i in range(len(Records))]
        return {"FailedRecordCount": sum(1 for r in out if "ErrorCode" in r), "Records": out}


async def read_stream(aws_env: dict[str, str], stream: str) -> list[dict[str, Any]]:
    out = []
    async with client(aws_env, "kinesis") as kinesis:
        for shard in (await kinesis.list_shards(StreamName=stream))["Shards"]:
            it = (
                await kinesis.get_shard_iterator(
                    StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )
            )["ShardIterator"]
            resp = await kinesis.get_records(ShardIterator=it, Limit=10_000)
            out += [{"pk": r["PartitionKey"], **orjson.loads(r["Data"])} for r in resp["Records"]]
    return out


def sink_config(aws_env: dict[str, str], stream: str, **extra: Any) -> KinesisSinkConfig:
    return KinesisSinkConfig(
        type="kinesis",
        stream=stream,
        region=aws_env["region_name"],
        endpoint_url=aws_env["endpoint_url"],
        backoff_initial_seconds=0.01,
        **extra,
    )


def events(n: int) -> list[Event]:
    return [
        Event({"n": i, "source": {"ip": f"10.0.0.{i % 7}"}}, "vpcflow", f"id-{i}", Position("s", "t", "0", str(i)))
        for i in range(n)
    ]


def test_registered() -> None:
    assert SINKS.get("kinesis").factory is KinesisDocumentSink
    assert FINDING_SINKS.get("kinesis").factory is KinesisFindingSink


async def test_documents_batched_within_limits_and_failed_records_retried(aws_credentials: dict[str, str]) -> None:
    stream = unique("fwd")
    await create_stream(aws_credentials, stream, 2)
    wrapped: list[Recording] = []
    sink = KinesisDocumentSink(
        sink_config(aws_credentials, stream, partition_key_field="source.ip"),
        wrap_client=lambda real: wrapped.append(Recording(real, fail_every=3, failing_calls=3)) or wrapped[0],
    )
    await sink.start()
    try:
        results = await sink.write(events(1200))
    finally:
        await sink.close()
    assert [r.outcome for r in results] == [Outcome.OK] * 1200
    assert wrapped[0].calls[:3] == [500, 500, 200]  # first attempt, then only the failed ones
    assert sum(wrapped[0].calls[3:]) == 167 + 167 + 67  # every third record of each first call
    written = await read_stream(aws_credentials, stream)
    assert sorted(d["_id"] for d in written) == sorted(f"id-{i}" for i in range(1200))
    assert {d["pk"] for d in written} == {f"10.0.0.{i}" for i in range(7)}


async def test_oversized_is_failed_and_persistent_throttling_is_retry(aws_credentials: dict[str, str]) -> None:
    stream = unique("fwd")
    await create_stream(aws_credentials, stream, 1)
    sink = KinesisDocumentSink(
        sink_config(aws_credentials, stream, max_attempts=2, max_record_bytes=1000),
        wrap_client=lambda real: Recording(real, fail_every=2, failing_calls=99),
    )
    await sink.start()
    try:
        batch = events(4)
        batch[1].doc["blob"] = "x" * 2000
        results = await sink.write(batch)
    finally:
        await sink.close()
    # attempt 1 puts [0, 2, 3] and fails 0 and 3; attempt 2 puts [0, 3] and fails 0 again
    assert [r.outcome for r in results] == [Outcome.RETRY, Outcome.FAILED, Outcome.OK, Outcome.OK]
    assert "ProvisionedThroughputExceeded" in results[0].reason and "over 1000" in results[1].reason
    assert [d["_id"] for d in await read_stream(aws_credentials, stream)] == ["id-2", "id-3"]


async def test_findings_published_keyed_by_id(aws_credentials: dict[str, str]) -> None:
    stream = unique("findings")
    await create_stream(aws_credentials, stream, 1)
    finding = Finding(
        id="f-1", detector="rejects", detector_type="rate", finding_type="spike", entity={"eni": "eni-1"},
        window_start=60.0, window_end=120.0, observed=50.0, expected=3.0, band=(0.0, 9.0), score=0.97,
        severity=Severity.CRITICAL, summary="REJECT spike on eni-1",
    )  # fmt: skip
    for fmt in ("raw", "ecs"):
        settings = sink_config(aws_credentials, stream).model_dump()
        sink = KinesisFindingSink(KinesisFindingSinkConfig(**settings, format=fmt))
        await sink.start()
        try:
            assert [r.outcome for r in await sink.write([finding])] == [Outcome.OK]
        finally:
            await sink.close()
    raw, ecs = await read_stream(aws_credentials, stream)
    assert (raw["pk"], raw["id"], raw["severity"], raw["band"]) == ("f-1", "f-1", "critical", [0.0, 9.0])
    assert ecs["pk"] == "f-1" and ecs["event"]["kind"] == "alert"


async def test_findings_routed_by_severity_and_detector(aws_credentials: dict[str, str]) -> None:
    stream = unique("findings-routed")
    await create_stream(aws_credentials, stream, 1)
    settings = sink_config(aws_credentials, stream).model_dump()
    sink = KinesisFindingSink(KinesisFindingSinkConfig(**{**settings, "name": "kinesis-routed"}, format="raw", **ROUTE))
    findings = mixed_findings()
    before = skipped("kinesis-routed")
    await sink.start()
    try:
        results = await sink.write(findings)
    finally:
        await sink.close()
    assert [r.outcome for r in results] == [Outcome.OK] * 4
    assert {r["pk"] for r in await read_stream(aws_credentials, stream)} == routed_ids(findings)
    assert skipped("kinesis-routed") - before == 2
