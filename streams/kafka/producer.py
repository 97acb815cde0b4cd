"""Produce a list of messages and report, per message, what the broker said.

Used by the Kafka document sink, the Kafka finding sink and the distributed
detectors' partial-aggregate publisher. ``send_all`` returns only once every
message was acknowledged by the broker (``acks="all"`` by default) or failed,
so a caller may acknowledge upstream as soon as it returns OKs.

>>> classify(MessageSizeTooLargeError()).outcome
<Outcome.FAILED: 'failed'>
>>> from aiokafka.errors import KafkaTimeoutError
>>> classify(KafkaTimeoutError()).outcome
<Outcome.RETRY: 'retry'>
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
    UnsupportedVersionError,
)
from pydantic import Field

from streams.core.model import ItemResult, Outcome
from streams.kafka import metrics as km
from streams.kafka.connection import KafkaConnection, client_kwargs

#: errors that the same message will meet again however often it is retried
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    InvalidTopicError,
    UnsupportedVersionError,
    TypeError,  # a value orjson cannot serialize
    ValueError,
)

OK = ItemResult(Outcome.OK)


class ProducerSettings(KafkaConnection):
    """Producer tuning shared by every Kafka writer."""

    acks: Literal["all", 1] = Field("all", description="'all': every in-sync replica confirmed the write")
    enable_idempotence: bool = Field(False, description="exactly-once per partition on brokers that support it")
    linger_ms: int = Field(5, ge=0, le=60_000)
    compression_type: Literal["gzip", "lz4", "snappy", "zstd"] | None = None
    max_request_size: int = Field(1_048_576, ge=1024, description="larger messages fail permanently")
    max_batch_size: int = Field(16_384, ge=1024)


@dataclass(slots=True)
class Message:
    """One message to produce. ``error`` set means it could not be built (serialization)."""

    topic: str
    value: bytes | None
    key: bytes | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    error: BaseException | None = None
    partition: int | None = None


def classify(err: BaseException) -> ItemResult:
    """Map a produce error to a permanent failure or a retry (unknown errors retry: nothing is dropped)."""
    reason = f"{type(err).__name__}: {err}".rstrip(": ")
    if isinstance(err, TopicAuthorizationFailedError):
        return ItemResult(Outcome.RETRY, reason)  # fixed by granting access, not by dropping the data
    if isinstance(err, PERMANENT_ERRORS):
        return ItemResult(Outcome.FAILED, reason)
    return ItemResult(Outcome.RETRY, reason)


class KafkaWriter:
    """An ``AIOKafkaProducer`` plus per-message outcome reporting and metrics."""

    def __init__(self, settings: ProducerSettings, sink_name: str):
        self.settings = settings
        self.sink_name = sink_name
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        s = self.settings
        self._producer = AIOKafkaProducer(
            **client_kwargs(s),
            acks=s.acks,
            enable_idempotence=s.enable_idempotence,
            linger_ms=s.linger_ms,
            compression_type=s.compression_type,
            max_request_size=s.max_request_size,
            max_batch_size=s.max_batch_size,
        )
        await self._producer.start()

    async def send_all(self, messages: Sequence[Message]) -> list[ItemResult]:
        """Send every message; wait for every broker acknowledgement; one result per message, in order."""
        if self._producer is None:
            raise RuntimeError(f"{self.sink_name}: start() was not called")
        results: list[ItemResult | None] = [None] * len(messages)
        pending: list[tuple[int, asyncio.Future]] = []
        for i, msg in enumerate(messages):
            if msg.error is not None:
                results[i] = classify(msg.error)
                continue
            try:  # send() only buffers; it blocks while the buffer is full (backpressure)
                fut = await self._producer.send(
                    msg.topic, msg.value, key=msg.key, headers=msg.headers or None, partition=msg.partition
                )
            except Exception as err:  # noqa: BLE001 - every failure becomes this message's outcome
                results[i] = classify(err)
                continue
            pending.append((i, fut))
        answers = await asyncio.gather(*(f for _, f in pending), return_exceptions=True)
        for (i, _), answer in zip(pending, answers, strict=True):
            results[i] = classify(answer) if isinstance(answer, BaseException) else OK
        final = [r if r is not None else OK for r in results]
        for r in final:
            km.PRODUCED.labels(self.sink_name, r.outcome.value).inc()
        return final

    async def partitions(self, topic: str) -> int:
        """Number of partitions of ``topic`` (from the cluster metadata)."""
        if self._producer is None:
            raise RuntimeError(f"{self.sink_name}: start() was not called")
        return len(await self._producer.partitions_for(topic))

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()  # flushes what is buffered
            self._producer = None
