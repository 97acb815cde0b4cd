"""``detector_partials`` sink: publish a batch's partial window aggregates for the distributed detectors.

On a worker of the scaled runtime this sink stands where the detectors would
run: each batch of events is aggregated per detector, key and window, the
partials are produced to the partials topic, and the batch's items are OK
only once the broker confirmed every message (so the source acks after
delivery). The merge app (``logwarden merge-detectors``) scores them.
"""

from __future__ import annotations

from streams.core.model import Event, ItemResult
from streams.core.registry import DETECTORS, SINKS
from streams.distributed.publisher import PartialPublisher
from streams.distributed.settings import DistributedConfig
from streams.kafka.producer import KafkaWriter


@SINKS.register("detector_partials", DistributedConfig)
class DetectorPartialsSink:
    def __init__(self, config: DistributedConfig):
        self.config = config
        self.name = config.name or f"detector-partials:{config.topic}"
        self._writer = KafkaWriter(config, self.name)
        self._publisher: PartialPublisher | None = None

    async def start(self) -> None:
        await self._writer.start()
        partitions = await self._writer.partitions(self.config.topic)
        detectors = [DETECTORS.build(c) for c in self.config.detector_configs() if c.enabled]
        self._publisher = PartialPublisher(detectors, self._writer, self.config.topic, partitions, self.config.worker_id)

    @property
    def publisher(self) -> PartialPublisher:
        if self._publisher is None:
            raise RuntimeError(f"{self.name}: start() was not called")
        return self._publisher

    async def write(self, events: list[Event]) -> list[ItemResult]:
        result = await self.publisher.publish(events)
        return [result] * len(events)

    async def close(self) -> None:
        if self._publisher is not None:
            await self._publisher.finish()  # a stopped worker no longer holds windows open
        await self._writer.close()
