"""Kafka source against a real broker: consumer groups, commit-after-ack, resume, rebalance."""

from __future__ import annotations

import asyncio

import pytest

from streams.core.model import Batch
from streams.core.registry import SOURCES
from streams.kafka.metrics import STALE_ACKS
from streams.sources.kafka import KafkaSource, KafkaSourceConfig
from tests.kafka.helpers import committed, create_topic, produce, unique

pytestmark = pytest.mark.integration


def make_source(bootstrap: str, topic: str, group: str, name: str, **extra) -> KafkaSource:
    cfg = SOURCES.get("kafka").config.model_validate(
        {
            "type": "kafka",
            "name": name,
            "bootstrap_servers": bootstrap,
            "topics": [topic],
            "group_id": group,
            "session_timeout_ms": 6000,
            "heartbeat_interval_ms": 500,
            **extra,
        }
    )
    return SOURCES.build(cfg)


async def next_batch(it, timeout: float = 30.0) -> Batch:
    async with asyncio.timeout(timeout):
        return await anext(it)


def values(batch: Batch) -> list[bytes]:
    return [r.data for r in batch.records]


async def test_two_consumers_share_four_partitions_and_deliver_everything(kafka_bootstrap: str) -> None:
    topic = await create_topic(kafka_bootstrap, partitions=4, prefix="src-group")
    group = unique("g")
    sources = [make_source(kafka_bootstrap, topic, group, f"w{i}", max_batch_records=50) for i in range(2)]
    for s in sources:
        await s.start()
    seen: dict[str, list[tuple[str, str]]] = {s.name: [] for s in sources}
    expected = {(str(p), str(o)) for p in range(4) for o in range(100)}
    produced = asyncio.Event()

    async def consume(source: KafkaSource) -> None:
        async for batch in source.batches():
            seen[source.name].extend((r.position.partition, r.position.offset) for r in batch.records)
            await source.ack(batch.token)
            union = {pos for got in seen.values() for pos in got}
            if produced.is_set() and union >= expected:
                return

    async def assigned_two_each() -> None:
        while [len(s.assignment()) for s in sources] != [2, 2]:
            await asyncio.sleep(0.1)

    tasks = [asyncio.create_task(consume(s)) for s in sources]
    try:
        async with asyncio.timeout(60):
            await assigned_two_each()  # both members joined: the 4 partitions are split 2/2
        await produce(kafka_bootstrap, topic, {p: [f"{p}:{o}".encode() for o in range(100)] for p in range(4)})
        produced.set()
        async with asyncio.timeout(60):
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            union = set()
            while not union >= expected:
                union = {pos for got in seen.values() for pos in got}
                await asyncio.sleep(0.05)
    finally:
        for t in tasks:
            t.cancel()
        for s in sources:
            await s.close()
    assert union == expected
    for name, got in seen.items():  # each member read only its own two partitions
        assert len({p for p, _ in got}) == 2, name
    for p in range(4):
        assert await committed(kafka_bootstrap, group, topic, p) == 100


async def test_processing_error_holds_commit_and_restart_resumes_after_last_ack(kafka_bootstrap: str) -> None:
    topic = await create_topic(kafka_bootstrap, partitions=1, prefix="src-resume")
    group = unique("g")
    await produce(kafka_bootstrap, topic, {0: [str(i).encode() for i in range(100)]})

    first = make_source(kafka_bootstrap, topic, group, "first", max_batch_records=10)
    await first.start()
    it = first.batches()
    read: list[Batch] = []
    while sum(len(b.records) for b in read) < 40:
        read.append(await next_batch(it))
    offsets = [[int(r.position.offset) for r in b.records] for b in read]
    assert [o for batch in offsets for o in batch][:40] == list(range(40))
    await first.ack(read[0].token)
    # read[1] failed in processing: never acked. A later batch's ack must not move the commit past it.
    await first.ack(read[2].token)
    assert await committed(kafka_bootstrap, group, topic, 0) == offsets[0][-1] + 1
    await it.aclose()
    await first.close()  # "kill": whatever was not acked stays uncommitted

    second = make_source(kafka_bootstrap, topic, group, "second", max_batch_records=25)
    await second.start()
    it = second.batches()
    resumed: list[int] = []
    while len(resumed) < 100 - (offsets[0][-1] + 1):
        batch = await next_batch(it)
        resumed.extend(int(r.position.offset) for r in batch.records)
        await second.ack(batch.token)
    await it.aclose()
    await second.close()
    assert resumed == list(range(offsets[0][-1] + 1, 100))  # nothing lost, nothing skipped
    assert await committed(kafka_bootstrap, group, topic, 0) == 100


async def test_out_of_order_acks_commit_only_contiguous_offsets(kafka_bootstrap: str) -> None:
    topic = await create_topic(kafka_bootstrap, partitions=1, prefix="src-order")
    group = unique("g")
    await produce(kafka_bootstrap, topic, {0: [b"x"] * 30})
    source = make_source(kafka_bootstrap, topic, group, "ooo", max_batch_records=10)
    await source.start()
    it = source.batches()
    batches = []
    while sum(len(b.records) for b in batches) < 30:
        batches.append(await next_batch(it))
    ends = [int(b.records[-1].position.offset) + 1 for b in batches]
    for b in reversed(batches[1:]):
        await source.ack(b.token)
        assert await committed(kafka_bootstrap, group, topic, 0) is None
    await source.ack(batches[0].token)
    assert await committed(kafka_bootstrap, group, topic, 0) == ends[-1] == 30
    await it.aclose()
    await source.close()


async def test_tombstones_and_headers(kafka_bootstrap: str) -> None:
    from aiokafka import AIOKafkaProducer

    topic = await create_topic(kafka_bootstrap, partitions=1, prefix="src-attrs")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    await (await producer.send(topic, b"line", key=b"k1", headers=[("logwarden-dataset", b"vpcflow")]))
    await (await producer.send(topic, None, key=b"gone"))
    await (await producer.send(topic, b"other"))
    await producer.stop()
    group = unique("g")
    source = make_source(kafka_bootstrap, topic, group, "attrs", dataset_by_topic={topic: "cloudtrail"})
    await source.start()
    it = source.batches()
    got = []
    while len(got) < 2:
        batch = await next_batch(it)
        got.extend(batch.records)
        await source.ack(batch.token)
    await it.aclose()
    await source.close()
    assert [r.data for r in got] == [b"line", b"other"]  # the tombstone is dropped and counted
    assert got[0].attrs["message_key"] == "k1" and got[0].attrs["dataset"] == "vpcflow"
    assert got[1].attrs["dataset"] == "cloudtrail"
    assert await committed(kafka_bootstrap, group, topic, 0) == 3  # the tombstone's offset is done too


async def test_rebalance_forgets_revoked_partitions(kafka_bootstrap: str) -> None:
    topic = await create_topic(kafka_bootstrap, partitions=4, prefix="src-rebal")
    group = unique("g")
    await produce(kafka_bootstrap, topic, {p: [b"v"] * 20 for p in range(4)})
    first = make_source(kafka_bootstrap, topic, group, "rb-first", max_batch_records=200)
    await first.start()
    it = first.batches()
    held = [await next_batch(it)]  # read, not acked yet
    queue: asyncio.Queue[Batch] = asyncio.Queue()
    reader = asyncio.create_task(_collect(it, queue))
    second = make_source(kafka_bootstrap, topic, group, "rb-second", max_batch_records=200)
    await second.start()
    it2 = second.batches()
    pump = asyncio.create_task(_drain(it2, second))
    stale_before = STALE_ACKS.labels("rb-first")._value.get()
    try:
        async with asyncio.timeout(60):
            while len(first.assignment()) != 2:  # the reader keeps polling, so this member takes part
                await asyncio.sleep(0.1)
        reader.cancel()
        while not queue.empty():
            held.append(queue.get_nowait())
        for batch in held:  # acks of batches read before the revocation are stale
            await first.ack(batch.token)
        assert STALE_ACKS.labels("rb-first")._value.get() > stale_before
        mine = first.assignment()
        for t, p in {(topic, p) for p in range(4)} - mine:
            # the other member owns it now; this member's late acks committed nothing there
            assert await committed(kafka_bootstrap, group, t, p) in (None, 20)
    finally:
        pump.cancel()
        reader.cancel()
        await first.close()
        await second.close()


async def _collect(it, queue: asyncio.Queue) -> None:
    async for batch in it:
        queue.put_nowait(batch)


async def _drain(it, source: KafkaSource) -> None:
    async for batch in it:
        await source.ack(batch.token)


def test_config_rejects_unknown_keys_and_empty_topics() -> None:
    with pytest.raises(ValueError):
        KafkaSourceConfig.model_validate({"type": "kafka", "topics": []})
    with pytest.raises(ValueError):
        KafkaSourceConfig.model_validate({"type": "kafka", "topics": ["a"], "bogus": 1})
    cfg = KafkaSourceConfig.model_validate({"type": "kafka", "topics": ["a"], "bootstrap_servers": "h1:1, h2:2"})
    assert cfg.servers() == ["h1:1", "h2:2"]
