"""The Kinesis source against moto's Kinesis and DynamoDB: sharing, balance, exactly-once by id."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from streams.core.registry import SOURCES
from streams.sources.kinesis import KinesisSource
from streams.sources.kinesis_leases import LeaseTable
from streams.sources.kpl import aggregate
from tests.kinesis.helpers import Consumer, config, create_stream, ids, put_all, unique

pytestmark = pytest.mark.integration


async def test_registered_and_validates_at_timestamp() -> None:
    reg = SOURCES.get("kinesis")
    assert reg.factory is KinesisSource
    with pytest.raises(ValueError, match="initial_timestamp is required"):
        reg.config.model_validate({"type": "kinesis", "stream": "s", "initial_position": "AT_TIMESTAMP"})


async def test_one_worker_reads_everything_and_checkpoints(aws_credentials: dict[str, str]) -> None:
    stream, table = unique("one"), unique("leases")
    await create_stream(aws_credentials, stream, 2)
    await put_all(aws_credentials, stream, [(f"k{i % 7}", b"%d" % i) for i in range(3000)])
    source = KinesisSource(config(aws_credentials, stream, table, "w1"))
    consumer = Consumer([source])
    await consumer.start()
    try:
        await consumer.wait_for(lambda: len(consumer.delivered) >= 3000, 30)
        assert sorted(ids(consumer.delivered)) == list(range(3000))
        record = consumer.delivered[0][1]
        assert record.attrs["partition_key"].startswith("k") and record.attrs["approximate_arrival"] > 0
        assert record.position.source == "kin" and record.position.stream == stream
        leases = await LeaseTable(source.table.client, table).list()
        assert {lease.owner for lease in leases} == {"w1"}
    finally:
        await consumer.stop()
    # graceful close gave the leases back and kept the checkpoints at each shard's last record
    reader = KinesisSource(config(aws_credentials, stream, table, "w2"))
    await reader.start()
    try:
        leases = await reader.table.list()
        assert [lease.owner for lease in leases] == [None, None]
        tails = {}
        for _, r in consumer.delivered:
            tails[r.position.partition] = max(tails.get(r.position.partition, 0), int(r.position.offset))
        assert {lease.key: int(lease.checkpoint) for lease in leases} == tails
    finally:
        await reader.close()


def mixed_records(total: int, plain: int = 10_000, per_aggregate: int = 25) -> list[tuple[str, bytes]]:
    """``plain`` ordinary records, the rest KPL-aggregated ``per_aggregate`` to a Kinesis record.

    (moto serialises about 2,000 Kinesis records/s; 100k plain records would take a minute.)
    """
    items = [(f"key-{i % 1000}", b"%d payload" % i) for i in range(plain)]
    for start in range(plain, total, per_aggregate):
        users = [(f"key-{i % 1000}", b"%d payload" % i) for i in range(start, min(total, start + per_aggregate))]
        items.append((users[0][0], aggregate(users)))
    return items


async def test_two_workers_share_four_shards_exactly_once(aws_credentials: dict[str, str]) -> None:
    stream, table = unique("big"), unique("leases")
    await create_stream(aws_credentials, stream, 4)
    workers = [KinesisSource(config(aws_credentials, stream, table, w, max_records=2500)) for w in ("a", "b")]
    consumer = Consumer(workers)
    await consumer.start()
    try:
        await consumer.wait_for(lambda: sorted(len(w.readers) for w in workers) == [2, 2], 20)
        started = time.perf_counter()
        total = 100_000
        await put_all(aws_credentials, stream, mixed_records(total))
        put_done = time.perf_counter()
        await consumer.wait_for(lambda: len(consumer.delivered) >= total, 90)
        elapsed = time.perf_counter() - started
        print(
            f"\n100k records: put {put_done - started:.1f}s, put+read {elapsed:.1f}s, {total / elapsed:,.0f} records/s"
        )
        counts = Counter(ids(consumer.delivered))
        assert len(counts) == total and set(counts) == set(range(total))
        assert max(counts.values()) == 1, "a record was delivered twice"
        per_worker = Counter(worker for worker, _ in consumer.delivered)
        assert set(per_worker) == {"a", "b"} and min(per_worker.values()) > total / 5
    finally:
        await consumer.stop()
