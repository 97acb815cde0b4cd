"""``generator`` source: synthetic AWS traffic on a simulated clock, with injected anomalies.

Entries are produced in simulated-time order (see ``streams.generator``) and
handed out in batches of ``batch_size`` records, paced by the wall clock so
that ``speed`` simulated seconds pass per wall second (``speed: 0`` means as
fast as possible). Positions are (name, ``generator``, ``0``, running
offset). ``framing: lines`` makes one record per line with
``attrs["dataset"]`` set; ``framing: cloudwatch`` makes gzip CloudWatch Logs
subscription payloads with no dataset hint, so detection by log group runs.
Nothing is durable: acks only advance ``checkpoint`` (for tests and metrics).

>>> import asyncio
>>> config = GeneratorConfig(type="generator", seed=3, start="2024-01-02T00:00:00Z", max_records=5, speed=0)
>>> async def first_batch():
...     source = GeneratorSource(config)
...     await source.start()
...     batch = await anext(source.batches())
...     await source.ack(batch.token)
...     return [r.position.offset for r in batch.records], source.checkpoint
>>> asyncio.run(first_batch())
(['0', '1', '2', '3', '4'], '4')
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from streams.core.acks import AckTracker
from streams.core.config import SourceConfig
from streams.core.metrics import BYTES_IN, RECORDS_IN
from streams.core.model import Batch, Position, Record
from streams.core.registry import SOURCES
from streams.generator.engine import TrafficGenerator, TrafficSettings
from streams.generator.framing import cloudwatch_payloads

PARTITION = "0"
MAX_BATCH_WALL_SECONDS = 0.5  # a batch never holds more than this much paced wall time


class GeneratorConfig(SourceConfig, TrafficSettings):
    """Generator source settings: ``TrafficSettings`` plus pacing and framing."""

    speed: float = Field(120.0, ge=0, description="simulated seconds per wall second; 0 = unpaced")
    framing: Literal["lines", "cloudwatch"] = "lines"
    events_per_message: int = Field(50, ge=1, le=10_000, description="cloudwatch framing: log events per payload")
    batch_size: int = Field(1000, ge=1, le=100_000)
    labels_path: str | None = Field(None, description="write the anomalies' ground truth here (JSON)")


@SOURCES.register("generator", GeneratorConfig)
class GeneratorSource:
    def __init__(
        self,
        config: GeneratorConfig,
        clock: Callable[[], float] = time.monotonic,
        now: float | None = None,
    ):
        self.config = config
        self.name = config.name or "generator"
        self.clock = clock
        self.traffic = TrafficGenerator(config, now=now)
        self.tracker: AckTracker[str] = AckTracker()
        self.checkpoint: str | None = None
        self.simulated_time = self.traffic.start
        self._offset = 0
        self._closed = asyncio.Event()

    async def start(self) -> None:
        if self.config.labels_path:
            path = Path(self.config.labels_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.traffic.labels(), indent=2) + "\n")

    def _records(self) -> Iterator[tuple[float, bytes, dict[str, Any]]]:
        """(simulated time, data, attrs) of each record, in order."""
        table, config = self.traffic.channels, self.config
        for chunk in self.traffic.chunks():
            if config.framing == "cloudwatch":
                payloads = cloudwatch_payloads(
                    chunk.times, chunk.lines, chunk.channels, table, self.traffic.fleet.account_id, config.events_per_message
                )
                for t, data in payloads:
                    yield t, data, {}
            else:
                for t, line, channel in zip(chunk.times, chunk.lines, chunk.channels, strict=True):
                    yield t, line.encode(), {"dataset": table[channel].dataset}

    async def batches(self) -> AsyncIterator[Batch]:
        config = self.config
        wall0 = self.clock()
        span = config.speed * MAX_BATCH_WALL_SECONDS if config.speed > 0 else float("inf")
        records: list[Record] = []
        batch_start: float | None = None
        for t, data, attrs in self._records():
            if self._closed.is_set():
                return
            if records and (len(records) >= config.batch_size or t - batch_start > span):  # type: ignore[operator]
                yield await self._emit(records, wall0)
                records = []
            if not records:
                batch_start = t
            self.simulated_time = t
            records.append(Record(data, self._position(), time.time(), attrs))
        if records and not self._closed.is_set():
            yield await self._emit(records, wall0)

    def _position(self) -> Position:
        position = Position(self.name, "generator", PARTITION, str(self._offset))
        self._offset += 1
        return position

    async def _emit(self, records: list[Record], wall0: float) -> Batch:
        if self.config.speed > 0:
            due = wall0 + (self.simulated_time - self.traffic.start) / self.config.speed
            delay = due - self.clock()
            if delay > 0:
                await self._sleep(delay)
        token = records[-1].position.offset
        self.tracker.issue(PARTITION, token)
        RECORDS_IN.labels(self.name).inc(len(records))
        BYTES_IN.labels(self.name).inc(sum(len(r.data) for r in records))
        return Batch(self.name, records, token)

    async def _sleep(self, delay: float) -> None:
        try:
            await asyncio.wait_for(self._closed.wait(), timeout=delay)
        except TimeoutError:
            pass

    async def ack(self, token: Any) -> None:
        checkpoint = self.tracker.ack(PARTITION, token)
        if checkpoint is not None:
            self.checkpoint = checkpoint

    async def close(self) -> None:
        self._closed.set()
