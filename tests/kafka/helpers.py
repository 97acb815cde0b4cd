"""Topic set-up and produce/consume helpers for the Kafka tests (real broker: Tansu)."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def create_topic(bootstrap: str, partitions: int = 1, prefix: str = "t") -> str:
    name = unique(prefix)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()
    return name


async def produce(bootstrap: str, topic: str, per_partition: dict[int, list[bytes | None]]) -> None:
    """Write values to explicit partitions and wait for every delivery."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, partition=partition)
            for partition, values in per_partition.items()
            for value in values
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_all(
    bootstrap: str, topic: str, count: int, timeout: float = 30.0, alive=None, settle_ms: int = 0
) -> list:
    """Read ``count`` messages of ``topic`` from the beginning (no group).

    ``alive()`` is checked while waiting (a server under test that died fails fast); ``settle_ms`` then
    keeps reading that long, so messages beyond ``count`` are caught too.
    """
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    out: list = []
    try:
        async with asyncio.timeout(timeout):
            while len(out) < count:
                assert alive is None or alive(), "the server under test died"
                for messages in (await consumer.getmany(timeout_ms=500)).values():
                    out.extend(messages)
        if settle_ms:
            for messages in (await consumer.getmany(timeout_ms=settle_ms)).values():
                out.extend(messages)
    finally:
        await consumer.stop()
    return out


async def committed(bootstrap: str, group: str, topic: str, partition: int) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return await consumer.committed(TopicPartition(topic, partition))
    finally:
        await consumer.stop()
