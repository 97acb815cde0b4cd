"""A worker's side of the distributed detectors: aggregate a batch, publish partials, confirm delivery.

For every configured detector, ``aggregate(events)`` (pure: no detector state)
gives per-(window, key) partials; each becomes one message keyed by detector
and key, followed by this worker's watermark for that detector on every
partition of the topic. ``publish`` returns only when the broker confirmed
every message, so the caller acks upstream only after delivery. Failed
messages are re-sent (only those) with backoff until delivered, so a batch
is never published twice by a retry of the caller.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
from collections.abc import Sequence

from streams.core.model import Event, ItemResult, Outcome
from streams.distributed.wire import encode_partial, encode_watermark, message_key
from streams.kafka.producer import KafkaWriter, Message

log = logging.getLogger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class PartialPublisher:
    """Publishes partial aggregates of ``detectors`` (objects with ``name``, ``aggregate``)."""

    def __init__(
        self,
        detectors: Sequence,
        writer: KafkaWriter,
        topic: str,
        partitions: int,
        worker: str | None = None,
        retry_max_seconds: float = 30.0,
    ):
        self.detectors = list(detectors)
        self.writer = writer
        self.topic = topic
        self.partitions = partitions
        self.worker = worker or default_worker_id()
        self.retry_max_seconds = retry_max_seconds
        self.max_time: dict[str, float] = {}

    def messages(self, events: list[Event]) -> list[Message]:
        """The partial and watermark messages of one batch (watermarks after the partials)."""
        out: list[Message] = []
        watermarks: list[bytes] = []
        for det in self.detectors:
            agg = det.aggregate(events)
            for (start, key), partial in agg.partials.items():
                out.append(Message(self.topic, encode_partial(self.worker, det.name, key, start, partial),
                                   message_key(det.name, key)))
            if agg.max_time is not None:
                self.max_time[det.name] = max(self.max_time.get(det.name, -math.inf), agg.max_time)
            if det.name in self.max_time:
                watermarks.append(encode_watermark(self.worker, det.name, self.max_time[det.name]))
        out.extend(self._broadcast(watermarks))
        return out

    def _broadcast(self, values: list[bytes]) -> list[Message]:
        out = []
        for value in values:
            for partition in range(self.partitions):
                out.append(Message(self.topic, value, partition=partition))
        return out

    async def publish(self, events: list[Event]) -> ItemResult:
        """Publish one batch's partials; return once all are delivered (or one failed permanently)."""
        return await self.send(self.messages(events))

    def final_messages(self) -> list[Message]:
        """This worker's last watermarks: it will send nothing more."""
        return self._broadcast(
            [encode_watermark(self.worker, d.name, self.max_time.get(d.name), final=True) for d in self.detectors]
        )

    async def finish(self) -> ItemResult:
        """End of input or shutdown: the mergers stop waiting for this worker."""
        return await self.send(self.final_messages())

    async def send(self, messages: list[Message]) -> ItemResult:
        delay = 0.0
        while messages:
            results = await self.writer.send_all(messages)
            failed = [r for r in results if r.outcome is Outcome.FAILED]
            if failed:
                return ItemResult(Outcome.FAILED, f"partial aggregate not publishable: {failed[0].reason}")
            messages = [m for m, r in zip(messages, results, strict=True) if r.outcome is Outcome.RETRY]
            if messages:
                delay = min(max(delay * 2, 0.2), self.retry_max_seconds)
                log.warning("%d partial messages not confirmed, re-sending in %.1fs", len(messages), delay)
                await asyncio.sleep(delay)
        return ItemResult(Outcome.OK)
