"""The test servers start and answer their real protocols."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


async def test_moto_kinesis_roundtrip(aws_env: dict[str, str]) -> None:
    from aiobotocore.session import get_session

    async with get_session().create_client("kinesis", **aws_env) as client:
        await client.create_stream(StreamName="smoke", ShardCount=1)
        desc = await client.describe_stream(StreamName="smoke")
        assert desc["StreamDescription"]["StreamName"] == "smoke"


async def test_kafka_produce(kafka_bootstrap: str) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        meta = await producer.send_and_wait("smoke", b"hello")
        assert meta.offset >= 0
    finally:
        await producer.stop()


async def test_opensearch_index(opensearch_url: str) -> None:
    from opensearchpy import AsyncOpenSearch

    client = AsyncOpenSearch(hosts=[opensearch_url])
    try:
        await client.index(index="smoke", id="1", body={"a": 1}, refresh=True)
        got = await client.get(index="smoke", id="1")
        assert got["_source"] == {"a": 1}
    finally:
        await client.close()
