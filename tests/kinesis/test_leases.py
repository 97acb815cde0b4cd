"""Lease table semantics against moto's DynamoDB, and KPL sub-sequence checkpoints end to end."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from streams.sources.kinesis import KinesisSource
from streams.sources.kinesis_leases import SHARD_END, WHOLE_RECORD, Lease, LeaseLost, LeaseTable
from streams.sources.kpl import MAGIC, aggregate
from tests.kinesis.helpers import Consumer, client, config, create_stream, ids, put_all, unique

pytestmark = pytest.mark.integration


async def test_every_change_is_conditional_on_the_counter(aws_credentials: dict[str, str]) -> None:
    async with client(aws_credentials, "dynamodb") as dynamodb:
        table = LeaseTable(dynamodb, unique("leases"))
        await table.ensure_table()
        await table.ensure_table()  # idempotent
        assert await table.create(Lease("shard-0", parents=("shard-p",)))
        assert not await table.create(Lease("shard-0"))
        a_view, b_view = await table.get("shard-0"), await table.get("shard-0")
        assert a_view and b_view and a_view.parents == ("shard-p",) and a_view.owner is None
        await table.take(a_view, "a")
        with pytest.raises(LeaseLost):
            await table.take(b_view, "b")  # stale counter: a changed it first
        await table.renew(a_view)
        await table.checkpoint(a_view, "12345", 3)
        stored = await table.get("shard-0")
        assert (stored.owner, stored.checkpoint, stored.sub, stored.counter) == ("a", "12345", 3, a_view.counter)
        await table.take(stored, "b")  # b steals with the counter it saw
        assert stored.owner_switches == 1
        with pytest.raises(LeaseLost):
            await table.renew(a_view)
        with pytest.raises(LeaseLost):
            await table.checkpoint(a_view, "99999")
        await table.release(stored)
        assert (await table.get("shard-0")).owner is None
        await table.delete(stored)  # not finished: kept
        assert await table.get("shard-0") is not None
        await table.take(stored, "b")
        await table.checkpoint(stored, SHARD_END)
        await table.delete(stored)
        assert await table.list() == []


async def test_resume_inside_an_aggregated_record_skips_acked_sub_records(aws_credentials: dict[str, str]) -> None:
    stream, table_name = unique("kpl"), unique("leases")
    await create_stream(aws_credentials, stream, 1)
    batches = [[(f"k{i}", b"%d" % i) for i in range(n * 10, n * 10 + 10)] for n in range(5)]
    broken = b"\x1a\x05\x08\x03\x1a\x01x"  # valid checksum, partition key index outside the table
    await put_all(
        aws_credentials,
        stream,
        [(b[0][0], aggregate(b)) for b in batches] + [("bad", MAGIC + broken + hashlib.md5(broken).digest())],
    )
    async with client(aws_credentials, "kinesis") as kinesis:
        it = await kinesis.get_shard_iterator(
            StreamName=stream, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
        )
        sequences = [
            r["SequenceNumber"] for r in (await kinesis.get_records(ShardIterator=it["ShardIterator"]))["Records"]
        ]
    async with client(aws_credentials, "dynamodb") as dynamodb:
        table = LeaseTable(dynamodb, table_name)
        await table.ensure_table()
        await table.create(Lease("shardId-000000000000"))
        lease = await table.get("shardId-000000000000")
        await table.take(lease, "earlier-worker")
        await table.checkpoint(lease, sequences[2], 4)  # ids 20..24 of the third aggregate were acked
        await table.release(lease)
    source = KinesisSource(config(aws_credentials, stream, table_name, "w"))
    consumer = Consumer([source])
    await consumer.start()
    try:
        await consumer.wait_for(lambda: len(consumer.delivered) >= 26, 20)
        await asyncio.sleep(0.5)
        good = [(w, r) for w, r in consumer.delivered if "error" not in r.attrs]
        bad = [r for _, r in consumer.delivered if "error" in r.attrs]
        assert ids(good) == list(range(25, 50))
        assert [r.position.sub for _, r in good[:5]] == [5, 6, 7, 8, 9]
        assert good[0][1].attrs["partition_key"] == "k25" and good[0][1].attrs["aggregated"] is True
        assert len(bad) == 1 and bad[0].attrs["error"].startswith("kpl:") and bad[0].position.offset == sequences[5]
        await consumer.wait_for(lambda: source.readers["shardId-000000000000"].lease.checkpoint == sequences[5], 5)
        assert source.readers["shardId-000000000000"].lease.sub == WHOLE_RECORD
    finally:
        await consumer.stop()
