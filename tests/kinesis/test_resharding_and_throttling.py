"""Resharding (parents drained before children, per-key order) and injected throttling, against moto."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from typing import Any

import pytest
from botocore.exceptions import ClientError
from prometheus_client import REGISTRY

from streams.sources.kinesis import KinesisSource
from streams.sources.kinesis_leases import SHARD_END
from tests.kinesis.helpers import Consumer, client, config, create_stream, ids, put_all, unique

pytestmark = pytest.mark.integration


def keyed(start: int, count: int, keys: int = 20) -> list[tuple[str, bytes]]:
    """Records ``id key n`` where ``n`` counts up per partition key."""
    return [(f"k{i % keys}", b"%d k%d %d" % (i, i % keys, i // keys)) for i in range(start, start + count)]


async def test_split_mid_stream_keeps_every_record_and_per_key_order(
    aws_credentials: dict[str, str], real_split: None
) -> None:
    stream, table = unique("split"), unique("leases")
    await create_stream(aws_credentials, stream, 1)
    await put_all(aws_credentials, stream, keyed(0, 2000))
    source = KinesisSource(config(aws_credentials, stream, table, "w", max_records=100, min_get_interval_seconds=0.05))
    consumer = Consumer([source])
    await consumer.start()
    try:
        await consumer.wait_for(lambda: len(consumer.delivered) >= 300, 20)
        async with client(aws_credentials, "kinesis") as kinesis:
            await kinesis.split_shard(
                StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127)
            )
        assert len(consumer.delivered) < 2000, "the split must happen while the parent is still being read"
        await put_all(aws_credentials, stream, keyed(2000, 2000))
        await consumer.wait_for(lambda: len(consumer.delivered) >= 4000, 40)
        leases = {lease.key: lease for lease in await source.table.list()}
    finally:
        await consumer.stop()
    assert sorted(ids(consumer.delivered)) == list(range(4000))
    shards = [r.position.partition for _, r in consumer.delivered]
    parent_last = max(i for i, s in enumerate(shards) if s == "shardId-000000000000")
    child_first = min(i for i, s in enumerate(shards) if s != "shardId-000000000000")
    assert parent_last < child_first, "a child was read before its parent was drained"
    assert set(shards) == {"shardId-000000000000", "shardId-000000000001", "shardId-000000000002"}
    per_key: dict[bytes, list[int]] = defaultdict(list)
    for _, record in consumer.delivered:
        _, key, n = record.data.split(b" ")
        per_key[key].append(int(n))
    assert all(ns == sorted(ns) for ns in per_key.values()), "per-key order broken"
    assert leases["shardId-000000000000"].checkpoint == SHARD_END
    assert leases["shardId-000000000001"].parents == ("shardId-000000000000",)


def _client_error(code: str, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation
    )


class FlakyKinesis:
    """The real aiobotocore client, with GetRecords throttled some of the time and one expired iterator."""

    def __init__(self, real: Any, rate: float, seed: int = 7):
        self.real, self.rate, self.rng = real, rate, random.Random(seed)
        self.calls = self.throttled = self.expired = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    async def get_records(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 6:
            self.expired += 1
            raise _client_error("ExpiredIteratorException", "GetRecords")
        if self.rng.random() < self.rate:
            self.throttled += 1
            raise _client_error("ProvisionedThroughputExceededException", "GetRecords")
        return await self.real.get_records(**kwargs)


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_throttling_backs_off_and_recovers(aws_credentials: dict[str, str]) -> None:
    stream, table = unique("throttle"), unique("leases")
    await create_stream(aws_credentials, stream, 2)
    await put_all(aws_credentials, stream, keyed(0, 3000))
    flaky: list[FlakyKinesis] = []
    source = KinesisSource(
        config(aws_credentials, stream, table, "w", name="throttled", max_records=200),
        wrap_client=lambda real: flaky.append(FlakyKinesis(real, rate=0.4)) or flaky[0],
    )
    before = _metric("logwarden_kinesis_throttles_total", source="throttled", operation="get_records")
    consumer = Consumer([source])
    await consumer.start()
    try:
        await consumer.wait_for(lambda: len(consumer.delivered) >= 3000, 40)
    finally:
        await consumer.stop()
    counts = Counter(ids(consumer.delivered))
    assert set(counts) == set(range(3000)) and max(counts.values()) == 1
    assert flaky[0].throttled >= 5 and flaky[0].expired == 1
    after = _metric("logwarden_kinesis_throttles_total", source="throttled", operation="get_records")
    assert after - before == flaky[0].throttled
    assert _metric("logwarden_kinesis_expired_iterators_total", source="throttled") >= 1
