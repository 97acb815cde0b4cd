"""Helpers for the Kinesis tests: streams on the test endpoint, puts, and a consumer loop."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiobotocore.session import get_session

from streams.core.model import Record
from streams.sources.kinesis import KinesisSource, KinesisSourceConfig

FAST = {
    "lease_duration_seconds": 2.0,
    "renew_interval_seconds": 0.5,
    "shard_sync_interval_seconds": 1.0,
    "poll_interval_seconds": 0.1,
    "min_get_interval_seconds": 0.0,
    "max_records": 1000,
    "max_unacked_batches": 4,
    "initial_position": "TRIM_HORIZON",
    "backoff_initial_seconds": 0.05,
    "backoff_max_seconds": 0.5,
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def client(aws_env: dict[str, str], service: str) -> Any:
    return get_session().create_client(service, **aws_env)


async def create_stream(aws_env: dict[str, str], name: str, shards: int) -> None:
    async with client(aws_env, "kinesis") as kinesis:
        await kinesis.create_stream(StreamName=name, ShardCount=shards)
        for _ in range(100):
            desc = await kinesis.describe_stream_summary(StreamName=name)
            if desc["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
                return
            await asyncio.sleep(0.1)


async def put_all(aws_env: dict[str, str], stream: str, items: list[tuple[str, bytes]]) -> None:
    """Put ``(partition_key, data)`` items in order, 500 per call.

    One call at a time: moto assigns sequence numbers without a lock, so
    concurrent PutRecords calls overwrite each other's records.
    """
    async with client(aws_env, "kinesis") as kinesis:
        for i in range(0, len(items), 500):
            records = [{"PartitionKey": k, "Data": d} for k, d in items[i : i + 500]]
            resp = await kinesis.put_records(StreamName=stream, Records=records)
            assert resp["FailedRecordCount"] == 0


def config(aws_env: dict[str, str], stream: str, table: str, worker: str, **overrides: Any) -> KinesisSourceConfig:
    return KinesisSourceConfig.model_validate(
        {
            "type": "kinesis",
            "name": "kin",
            "stream": stream,
            "region": aws_env["region_name"],
            "endpoint_url": aws_env["endpoint_url"],
            "lease_table": table,
            "worker_id": worker,
            **FAST,
            **overrides,
        }
    )


@dataclass
class Consumer:
    """Runs sources, acks every batch after recording it, keeps what was delivered in order."""

    sources: list[KinesisSource]
    delivered: list[tuple[str, Record]] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    on_batch: Callable[[KinesisSource, list[Record]], None] | None = None

    async def _drive(self, source: KinesisSource) -> None:
        async for batch in source.batches():
            self.delivered.extend((source.worker_id, r) for r in batch.records)
            if self.on_batch:
                self.on_batch(source, batch.records)
            await source.ack(batch.token)

    async def start(self) -> None:
        for source in self.sources:
            await source.start()
            self.tasks.append(asyncio.create_task(self._drive(source)))

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s ({len(self.delivered)} records delivered)")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        for source in self.sources:
            with contextlib.suppress(Exception):
                await source.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def ids(delivered: list[tuple[str, Record]]) -> list[int]:
    return [int(r.data.split(b" ")[0]) for _, r in delivered]
