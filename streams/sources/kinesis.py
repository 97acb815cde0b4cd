"""Kinesis Data Streams source: KCL-style DynamoDB leases, resharding, KPL de-aggregation.

Several workers with the same ``lease_table`` share a stream: each takes free
and expired shard leases up to a fair share (balanced by count, stealing one
lease per round from the busiest worker), renews them on a heartbeat and gives
them back on ``close()``. A killed worker's leases expire after
``lease_duration_seconds`` and are taken over from their last checkpoint.

Delivery is at-least-once: a checkpoint is written to the lease (conditional
on still owning it) only for the highest batch whose predecessors have all
been acknowledged; a worker that loses a lease stops reading the shard and
drops its outstanding acks. See docs/kinesis.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, Literal

from aiobotocore.session import get_session
from pydantic import Field, model_validator

from streams.core import metrics
from streams.core.config import SourceConfig
from streams.core.model import Batch
from streams.core.registry import SOURCES
from streams.sources import kinesis_metrics as km
from streams.sources.kinesis_balance import LeaseObserver, plan_takes
from streams.sources.kinesis_leases import SHARD_END, Lease, LeaseLost, LeaseTable
from streams.sources.kinesis_reader import ReaderSettings, ShardReader, Token

log = logging.getLogger(__name__)


def _default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class KinesisSourceConfig(SourceConfig):
    type: Literal["kinesis"] = "kinesis"
    stream: str = Field(description="stream name or ARN")
    region: str | None = Field(None, description="AWS region; default from the environment")
    endpoint_url: str | None = Field(None, description="LocalStack / moto endpoint")
    lease_table: str | None = Field(None, description="DynamoDB lease table; default logwarden-<name or stream>")
    worker_id: str = Field(default_factory=_default_worker_id, description="default hostname-pid")
    initial_position: Literal["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] = "LATEST"
    initial_timestamp: datetime | None = Field(None, description="required with AT_TIMESTAMP")
    lease_duration_seconds: float = Field(10.0, gt=0)
    renew_interval_seconds: float | None = Field(None, gt=0, description="default a third of the lease duration")
    shard_sync_interval_seconds: float = Field(60.0, gt=0)
    max_leases: int | None = Field(None, ge=1, description="cap on leases per worker")
    max_records: int = Field(10_000, ge=1, le=10_000, description="records per GetRecords")
    max_unacked_batches: int = Field(4, ge=1, le=1000, description="per shard")
    poll_interval_seconds: float = Field(1.0, ge=0, description="wait after an empty GetRecords")
    min_get_interval_seconds: float = Field(0.2, ge=0, description="per shard: 5 GetRecords/s")
    max_bytes_per_second: int = Field(2 << 20, gt=0, description="per shard read pacing")
    backoff_initial_seconds: float = Field(0.2, gt=0)
    backoff_max_seconds: float = Field(10.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> KinesisSourceConfig:
        if self.initial_position == "AT_TIMESTAMP" and self.initial_timestamp is None:
            raise ValueError("initial_timestamp is required when initial_position is AT_TIMESTAMP")
        renew = self.renew_interval_seconds
        if renew is not None and renew >= self.lease_duration_seconds:
            raise ValueError("renew_interval_seconds must be shorter than lease_duration_seconds")
        return self

    @property
    def stream_name(self) -> str:
        return self.stream.rsplit("/", 1)[-1] if self.stream.startswith("arn:") else self.stream


@SOURCES.register("kinesis", KinesisSourceConfig)
class KinesisSource:
    def __init__(self, config: KinesisSourceConfig, wrap_client: Callable[[Any], Any] | None = None):
        self.config = config
        self._wrap = wrap_client  # a test seam: wraps the real Kinesis client (fault injection)
        self.name = config.name or f"kinesis-{config.stream_name}"
        self.worker_id = config.worker_id
        key = "StreamARN" if config.stream.startswith("arn:") else "StreamName"
        self.stream_args = {key: config.stream}
        ts = config.initial_timestamp.timestamp() if config.initial_timestamp else None
        self.settings = ReaderSettings(
            self.name, config.stream_name, self.stream_args, config.max_records, config.max_unacked_batches,
            config.poll_interval_seconds, config.min_get_interval_seconds, config.max_bytes_per_second,
            config.backoff_initial_seconds, config.backoff_max_seconds, ts,
        )  # fmt: skip
        self.renew_interval = config.renew_interval_seconds or config.lease_duration_seconds / 3
        self.readers: dict[str, ShardReader] = {}
        self.observer = LeaseObserver(config.lease_duration_seconds)
        self._queue: asyncio.Queue[Batch] = asyncio.Queue(maxsize=64)
        self._stack = contextlib.AsyncExitStack()
        self._closed = asyncio.Event()
        self._resync = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.kinesis: Any = None
        self.table: LeaseTable | None = None
        self._ending: dict[str, str | None] = {}

    async def start(self) -> None:
        session = get_session()
        kw = {"region_name": self.config.region, "endpoint_url": self.config.endpoint_url}
        self.kinesis = await self._stack.enter_async_context(session.create_client("kinesis", **kw))
        if self._wrap is not None:
            self.kinesis = self._wrap(self.kinesis)
        dynamodb = await self._stack.enter_async_context(session.create_client("dynamodb", **kw))
        self.table = LeaseTable(dynamodb, self.config.lease_table or f"logwarden-{self.name}")
        await self.table.ensure_table()
        await self.sync_shards()
        self._task = asyncio.create_task(self._coordinate(), name=f"{self.name}-leases")

    async def sync_shards(self) -> None:
        """Create a lease for every shard that lacks one; note closed shards' ending sequence."""
        assert self.table is not None
        shards: list[dict[str, Any]] = []
        args: dict[str, Any] = dict(self.stream_args)
        while True:
            page = await self.kinesis.list_shards(**args)
            shards.extend(page.get("Shards", ()))
            if not page.get("NextToken"):
                break
            args = {"NextToken": page["NextToken"]}
        existing = {lease.key: lease for lease in await self.table.list()}
        for shard in sorted(shards, key=lambda s: s["ShardId"]):
            ending = shard.get("SequenceNumberRange", {}).get("EndingSequenceNumber")
            reader = self.readers.get(shard["ShardId"])
            if reader is not None and ending is not None:
                reader.ending_sequence = ending
            if shard["ShardId"] not in existing:
                parents = tuple(p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p)
                # LATEST on a closed shard would read nothing: mark it done so its children can start
                start = SHARD_END if ending is not None and self.config.initial_position == "LATEST" else None
                await self.table.create(
                    Lease(shard["ShardId"], checkpoint=start or self.config.initial_position, parents=parents)
                )
        self._ending = {s["ShardId"]: s["SequenceNumberRange"].get("EndingSequenceNumber") for s in shards}
        for lease in existing.values():
            if lease.finished and lease.key not in self._ending:
                await self.table.delete(lease)  # the shard aged out of the stream: its lease is done for good

    async def _coordinate(self) -> None:
        loop = asyncio.get_running_loop()
        last_sync = loop.time()
        while not self._closed.is_set():
            try:
                for reader in list(self.readers.values()):
                    await reader.renew()
                self._prune()
                if self._resync.is_set() or loop.time() - last_sync > self.config.shard_sync_interval_seconds:
                    self._resync.clear()
                    await self.sync_shards()
                    last_sync = loop.time()
                await self._take_leases()
            except Exception:  # a failed round is retried on the next heartbeat
                log.exception("lease coordination round failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._resync.wait(), self.renew_interval)

    def _prune(self) -> None:
        for key, reader in list(self.readers.items()):
            if reader.lost or reader.drained or reader.stopping:
                del self.readers[key]
                for gauge in (km.MILLIS_BEHIND, metrics.SOURCE_LAG):  # per-shard series only while held
                    with contextlib.suppress(KeyError):
                        gauge.remove(self.name, key)
        km.LEASES_HELD.labels(self.name).set(len(self.readers))

    async def _take_leases(self) -> None:
        assert self.table is not None
        if self._closed.is_set():
            return
        leases = await self.table.list()
        self.observer.update(leases)
        plan = plan_takes(
            leases, self.worker_id, set(self.readers), self.observer.expired_keys(leases), self.config.max_leases
        )
        for lease, event in [(lease, "taken") for lease in plan.take] + (
            [(plan.steal, "stolen")] if plan.steal else []
        ):
            try:
                await self.table.take(lease, self.worker_id)
            except LeaseLost:
                continue  # another worker was faster
            km.LEASE_EVENTS.labels(self.name, event).inc()
            log.info("%s took the lease of %s (%s) at %s", self.worker_id, lease.key, event, lease.checkpoint)
            reader = ShardReader(self.kinesis, self.table, lease, self.settings, self._queue, self._on_finished)
            reader.ending_sequence = self._ending.get(lease.key)
            self.readers[lease.key] = reader
            reader.start()
        km.LEASES_HELD.labels(self.name).set(len(self.readers))

    async def _on_finished(self, reader: ShardReader) -> None:
        log.info("shard %s drained to its end; its children can start", reader.shard)
        self._resync.set()

    async def batches(self) -> AsyncIterator[Batch]:
        while not self._closed.is_set():
            try:
                yield await asyncio.wait_for(self._queue.get(), 0.5)
            except TimeoutError:
                continue

    async def ack(self, token: Any) -> None:
        if isinstance(token, Token):
            await token.reader.ack(token.batch_no)

    async def close(self) -> None:
        """Stop reading, keep the checkpoints already written, give every lease back."""
        self._closed.set()
        self._resync.set()  # wake the coordinator; it finishes its round rather than being cancelled mid-write
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        readers = list(self.readers.values())
        await asyncio.gather(*(reader.stop() for reader in readers), return_exceptions=True)
        await asyncio.gather(*(reader.release() for reader in readers), return_exceptions=True)
        self.readers.clear()
        km.LEASES_HELD.labels(self.name).set(0)
        await self._stack.aclose()
