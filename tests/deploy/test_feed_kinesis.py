"""The demo's Kinesis feeder against moto's server: every generated record arrives, throttled records are re-sent."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
import pytest
from aiobotocore.session import get_session

from streams.core.model import Position, Record
from streams.tools.feed_kinesis import KinesisFeeder, ensure_stream, feed, load_generator_config, main
from tests.deploy.shipped import DEPLOY

pytestmark = pytest.mark.integration


async def _read_all(client: Any, stream: str) -> list[bytes]:
    shards = (await client.list_shards(StreamName=stream))["Shards"]
    out = []
    for shard in shards:
        it = (await client.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON"))["ShardIterator"]
        while it:
            resp = await client.get_records(ShardIterator=it, Limit=10_000)
            out += [r["Data"] for r in resp["Records"]]
            it = resp.get("NextShardIterator") if resp["Records"] else None
    return out


async def test_feeds_cloudwatch_payloads_into_a_created_stream(aws_env: dict[str, str]) -> None:
    config = load_generator_config(str(DEPLOY / "compose" / "feeder.yaml"), {"max_records": 3000, "speed": 0})
    async with get_session().create_client("kinesis", **aws_env) as client:
        await ensure_stream(client, "feed-test", shards=3)
        await ensure_stream(client, "feed-test", shards=3)  # idempotent
        report = await feed(config, KinesisFeeder(client, "feed-test"))
        payloads = await _read_all(client, "feed-test")
    assert report.rejected == {} and report.sent == len(payloads) > 0
    events = [orjson.loads(gzip.decompress(p)) for p in payloads]
    assert {e["messageType"] for e in events} == {"DATA_MESSAGE"}
    assert sum(len(e["logEvents"]) for e in events) == 3000
    assert {e["logGroup"].split("/")[2] for e in events} >= {"vpc"}  # /aws/vpc/flowlogs/...


class ThrottlingClient:
    """The real client, with the first response's every other record failed as throttled (moto never throttles)."""

    def __init__(self, client: Any):
        self.client = client
        self.calls = 0

    async def put_records(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls > 1:
            return await self.client.put_records(**kwargs)
        records = kwargs["Records"]
        accepted = await self.client.put_records(StreamName=kwargs["StreamName"], Records=records[::2])
        results, it = [], iter(accepted["Records"])
        for i in range(len(records)):
            results.append(next(it) if i % 2 == 0 else {"ErrorCode": "ProvisionedThroughputExceededException",
                                                          "ErrorMessage": "Rate exceeded"})
        return {"FailedRecordCount": len(records) // 2, "Records": results}


async def test_only_failed_records_are_resent_and_oversized_ones_skipped(aws_env: dict[str, str]) -> None:
    records = [Record(f"line {i}".encode(), Position("t", "s", "0", str(i)), 0.0) for i in range(700)]
    records.append(Record(b"x" * 2048, Position("t", "s", "0", "700"), 0.0))

    async def no_sleep(_: float) -> None:
        return None

    async with get_session().create_client("kinesis", **aws_env) as client:
        await ensure_stream(client, "feed-throttle", shards=1)
        throttled = ThrottlingClient(client)
        feeder = KinesisFeeder(throttled, "feed-throttle", max_record_bytes=1024, sleep=no_sleep)
        report = await feeder.put(records)
        stored = await _read_all(client, "feed-throttle")
    assert report.sent == 700 and report.retried == 250 and report.rejected == {"too_large": 1}
    assert sorted(stored) == sorted(r.data for r in records[:700])  # each exactly once
    assert throttled.calls == 3  # 500 + 200 records, and one re-send of the 250 throttled


def test_command_line_runs_to_completion(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", aws_env["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", aws_env["aws_secret_access_key"])
    code = main(["--stream", "feed-cli", "--create", "--shards", "1", "--endpoint-url", aws_env["endpoint_url"],
                 "--region", "us-east-1", "--max-records", "200", "--speed", "0"])
    assert code == 0
