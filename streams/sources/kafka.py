"""Kafka source: a consumer group member that commits offsets only after acknowledgement.

Built on aiokafka with ``enable_auto_commit=False`` rather than faust: faust's
consumer commits offsets on its own schedule once an agent step returns (and
even after a failed step, see docs/kafka.md), while this source must commit
only what every sink has acknowledged, in contiguous order per partition.

* ``batches()`` yields up to ``max_batch_records`` records per poll, from any
  mix of assigned partitions. The batch's token marks the last offset read
  per partition (``streams.kafka.offsets``).
* ``ack(token)`` commits ``checkpoint + 1`` for every partition whose
  contiguous checkpoint advanced. A batch that is never acked (a processing
  error) holds the committed offset back, so a restart redelivers it.
* On a rebalance, revoked partitions are forgotten: acks of batches read
  before the revocation are ignored (the new owner redelivers those records).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, ConsumerStoppedError, IllegalStateError, KafkaError
from pydantic import Field

from streams.core.config import SourceConfig
from streams.core.metrics import BYTES_IN, DROPPED, RECORDS_IN, SOURCE_LAG
from streams.core.model import Batch, Position, Record
from streams.core.registry import SOURCES
from streams.kafka import metrics as km
from streams.kafka.connection import KafkaConnection, client_kwargs
from streams.kafka.offsets import KafkaAckToken, OffsetBook, TopicPartitionKey

log = logging.getLogger(__name__)

DATASET_HEADER = "logwarden-dataset"


class KafkaSourceConfig(SourceConfig, KafkaConnection):
    topics: list[str] = Field(..., min_length=1, description="topics to consume")
    group_id: str = Field("logwarden", description="consumer group; workers with the same id share partitions")
    auto_offset_reset: Literal["earliest", "latest"] = "earliest"
    dataset_by_topic: dict[str, str] = Field(default_factory=dict, description="dataset hint per topic")
    max_batch_records: int = Field(1000, ge=1, le=100_000)
    poll_timeout_ms: int = Field(500, ge=1)
    session_timeout_ms: int = Field(10_000, ge=1000)
    heartbeat_interval_ms: int = Field(3_000, ge=100)
    max_poll_interval_ms: int = Field(300_000, ge=1000, description="longest backpressure pause before leaving the group")
    retry_max_seconds: float = Field(30.0, gt=0)


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, source: KafkaSource):
        self._source = source

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._source._on_revoked(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._source._on_assigned(assigned)


@SOURCES.register("kafka", KafkaSourceConfig)
class KafkaSource:
    """Consume ``topics`` in consumer group ``group_id``; see the module docstring for guarantees."""

    def __init__(self, config: KafkaSourceConfig):
        self.config = config
        self.name = config.name or "kafka:" + ",".join(config.topics)
        self._book = OffsetBook()
        self._to_commit: dict[TopicPartitionKey, int] = {}
        self._commit_lock = asyncio.Lock()
        self._closing = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        """Connect and join the group (the consumer is built here: aiokafka needs a running loop)."""
        cfg = self.config
        self._consumer = AIOKafkaConsumer(
            **client_kwargs(cfg),
            group_id=cfg.group_id,
            enable_auto_commit=False,
            auto_offset_reset=cfg.auto_offset_reset,
            session_timeout_ms=cfg.session_timeout_ms,
            heartbeat_interval_ms=cfg.heartbeat_interval_ms,
            max_poll_interval_ms=cfg.max_poll_interval_ms,
        )
        await self._consumer.start()
        self._c.subscribe(self.config.topics, listener=_Rebalance(self))

    @property
    def _c(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError(f"{self.name}: start() was not called")
        return self._consumer

    def assignment(self) -> set[TopicPartitionKey]:
        return {(tp.topic, tp.partition) for tp in self._c.assignment()}

    async def batches(self) -> AsyncIterator[Batch]:
        backoff = 0.0
        while not self._closing.is_set():
            try:
                fetched = await self._c.getmany(
                    timeout_ms=self.config.poll_timeout_ms, max_records=self.config.max_batch_records
                )
            except ConsumerStoppedError:
                return
            except KafkaError as err:
                km.READ_ERRORS.labels(self.name, type(err).__name__).inc()
                backoff = min(max(backoff * 2, 0.1), self.config.retry_max_seconds)
                log.warning("kafka fetch failed, retrying in %.1fs: %s", backoff, err, extra={"source": self.name})
                await self._sleep(backoff)
                continue
            backoff = 0.0
            if self._to_commit:
                await self._commit()
            if fetched:
                batch = self._to_batch(fetched)
                if batch.records:
                    yield batch
                else:  # only tombstones: nothing to process, the offsets are done
                    await self.ack(batch.token)

    def _to_batch(self, fetched: dict[TopicPartition, list[Any]]) -> Batch:
        now = time.time()
        records: list[Record] = []
        last: dict[TopicPartitionKey, int] = {}
        for tp, messages in fetched.items():
            if not messages:
                continue
            part = str(tp.partition)
            hint = self.config.dataset_by_topic.get(tp.topic)
            for msg in messages:
                if msg.value is None:
                    DROPPED.labels("source", "kafka_tombstone").inc()
                    continue
                attrs: dict[str, Any] = {"timestamp_ms": msg.timestamp}
                if msg.key is not None:
                    attrs["message_key"] = msg.key.decode("utf-8", errors="backslashreplace")
                dataset = _header(msg.headers, DATASET_HEADER) or hint
                if dataset:
                    attrs["dataset"] = dataset
                records.append(Record(msg.value, Position(self.name, tp.topic, part, str(msg.offset)), now, attrs))
            tail = messages[-1]
            last[(tp.topic, tp.partition)] = tail.offset
            self._observe_lag(tp, tail, now)
        RECORDS_IN.labels(self.name).inc(len(records))
        BYTES_IN.labels(self.name).inc(sum(len(r.data) for r in records))
        return Batch(self.name, records, self._book.mark(last))

    def _observe_lag(self, tp: TopicPartition, tail: Any, now: float) -> None:
        label = f"{tp.topic}/{tp.partition}"
        if tail.timestamp is not None and tail.timestamp > 0:
            SOURCE_LAG.labels(self.name, label).set(max(0.0, now - tail.timestamp / 1000))
        highwater = self._c.highwater(tp)
        if highwater is not None:
            km.LAG_RECORDS.labels(self.name, label).set(max(0, highwater - tail.offset - 1))

    async def ack(self, token: KafkaAckToken) -> None:
        before = self._book.stale_acks
        self._to_commit.update(self._book.ack(token))
        if self._book.stale_acks != before:
            km.STALE_ACKS.labels(self.name).inc(self._book.stale_acks - before)
        if self._to_commit:
            await self._commit()

    async def _commit(self) -> None:
        async with self._commit_lock:
            offsets = {TopicPartition(t, p): o for (t, p), o in self._to_commit.items() if self._book.owns((t, p))}
            self._to_commit.clear()
            if not offsets:
                return
            try:
                await self._c.commit(offsets)
                km.COMMITS.labels(self.name, "ok").inc()
            except (CommitFailedError, IllegalStateError) as err:
                # the group moved on: these partitions are someone else's now and will be redelivered there
                km.COMMITS.labels(self.name, "lost").inc()
                log.warning("kafka commit dropped after a rebalance: %s", err, extra={"source": self.name})
            except KafkaError as err:
                km.COMMITS.labels(self.name, "retry").inc()
                log.warning("kafka commit failed, will retry: %s", err, extra={"source": self.name})
                for tp, offset in offsets.items():
                    key = (tp.topic, tp.partition)
                    self._to_commit[key] = max(offset, self._to_commit.get(key, 0))

    async def _on_revoked(self, revoked: set[TopicPartition]) -> None:
        if self._to_commit:
            await self._commit()  # last chance to commit what was acked while the partitions were ours
        keys = [(tp.topic, tp.partition) for tp in revoked]
        self._book.revoked(keys)
        for key in keys:
            self._to_commit.pop(key, None)
        km.REBALANCES.labels(self.name, "revoked").inc(len(keys))

    def _on_assigned(self, assigned: set[TopicPartition]) -> None:
        self._book.assigned([(tp.topic, tp.partition) for tp in assigned])
        km.REBALANCES.labels(self.name, "assigned").inc(len(assigned))

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def close(self) -> None:
        """Stop consuming; whatever was acked is committed, unacked batches are redelivered later."""
        self._closing.set()
        if self._consumer is None:
            return
        if self._to_commit:
            await self._commit()
        await self._consumer.stop()


def _header(headers: Any, name: str) -> str | None:
    for key, value in headers or ():
        if key == name and value:
            return value.decode("utf-8", errors="replace")
    return None
