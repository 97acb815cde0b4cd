"""The faust app of the distributed detectors: merge agents over the partials topic.

One agent consumes the partials topic in the app's consumer group, so each
partition (a disjoint set of detector keys) is merged by exactly one worker.
Per partition a ``PartitionMerger`` holds the merged open windows, the models
and the episodes; after every agent step its snapshot is written to a
changelog-backed table (key ``p<partition>``, pickled, written to the same partition),
so a restarted or rebalanced worker restores it before merging more.

Faust's own windowed tables are not used for the windows: they close windows
on wall-clock time and ``on_window_close`` does not get the aggregated value,
while these windows must close on event time across workers.

No exception ever escapes the agent (faust would commit the failed step's
offsets): a failing step is logged, counted, and its messages are skipped
only after the findings they produced were delivered or dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import weakref
from collections import defaultdict
from typing import Any

import faust
from faust.streams import _current_event  # faust routes table writes to the current event's partition
from prometheus_client import Counter

from streams.core.config import SinkConfig
from streams.core.metrics import DEAD_LETTERED, FINDINGS
from streams.core.model import Finding, Outcome
from streams.core.registry import FINDING_SINKS
from streams.distributed.merger import PartitionMerger
from streams.distributed.settings import DistributedConfig
from streams.distributed.wire import decode

log = logging.getLogger(__name__)

STEP_ERRORS = Counter("logwarden_distributed_step_errors_total", "Merge agent steps that failed", ["stage"])


class FindingDelivery:
    """Writes findings to every finding sink, retrying RETRY items until delivered."""

    def __init__(self, configs: list[SinkConfig], retry_max_seconds: float = 30.0):
        self.configs = configs
        self.sinks: list[Any] = []
        self.retry_max = retry_max_seconds

    async def start(self) -> None:
        for cfg in self.configs:
            sink = FINDING_SINKS.build(cfg)
            await sink.start()
            self.sinks.append(sink)

    async def deliver(self, findings: list[Finding]) -> None:
        for f in findings:
            FINDINGS.labels(f.detector, f.severity.value).inc()
        for sink in self.sinks:
            pending, delay = findings, 0.0
            while pending:
                try:
                    results = await sink.write(pending)
                except Exception as err:  # noqa: BLE001 - the sink contract: an exception means retry all
                    log.warning("finding sink %s failed: %s", sink.name, err)
                    results = None
                retry = pending if results is None else [
                    f for f, r in zip(pending, results, strict=True) if r.outcome is Outcome.RETRY
                ]
                if results is not None:
                    for f, r in zip(pending, results, strict=True):
                        if r.outcome is Outcome.FAILED:
                            DEAD_LETTERED.labels("detect", "finding_failed").inc()
                            log.error("finding %s not deliverable to %s: %s", f.id, sink.name, r.reason)
                pending = retry
                if pending:
                    delay = min(max(delay * 2, 0.2), self.retry_max)
                    await asyncio.sleep(delay)

    async def close(self) -> None:
        """Close every started sink (idempotent); one sink failing to close does not keep the others open."""
        sinks, self.sinks = self.sinks, []
        for sink in sinks:
            try:
                await sink.close()
            except Exception as err:  # noqa: BLE001 - shutdown goes on
                log.warning("finding sink %s did not close cleanly: %s", sink.name, err)


def build_app(config: DistributedConfig, finding_sinks: list[SinkConfig]) -> faust.App:
    app = faust.App(
        config.app_id,
        broker=[f"kafka://{s}" for s in config.servers()],
        store="memory://",
        topic_partitions=config.partitions,
        web_enabled=False,
        producer_acks=-1,
        key_serializer="raw",
        value_serializer="raw",
    )
    topic = app.topic(config.topic, key_type=bytes, value_type=bytes, key_serializer="raw",
                      value_serializer="raw", partitions=config.partitions)
    state = app.Table(f"{config.app_id}-state", default=None, partitions=config.partitions)
    detectors = config.detector_configs()
    mergers: dict[int, PartitionMerger] = {}
    delivery = FindingDelivery(finding_sinks)
    started = asyncio.Event()

    def merger_for(partition: int) -> PartitionMerger:
        merger = mergers.get(partition)
        if merger is None:
            merger = mergers[partition] = PartitionMerger(
                detectors, worker_timeout_seconds=config.worker_timeout_seconds, min_workers=config.min_workers
            )
            saved = state.get(f"p{partition}".encode())
            if saved is not None:
                merger.restore(pickle.loads(saved))  # written by this app only (a trusted changelog)
        return merger

    @app.on_partitions_revoked.connect
    async def _revoked(sender: Any, revoked: set, **kwargs: Any) -> None:
        for tp in revoked:
            if tp.topic == config.topic:
                mergers.pop(tp.partition, None)  # its state lives on in the table for the next owner

    @app.on_before_shutdown.connect
    async def _close_sinks(sender: Any, **kwargs: Any) -> None:
        # after the consumer stopped (no more deliveries), before faust flushes its own producer
        await delivery.close()

    async def ensure_started() -> None:
        if not started.is_set():
            await delivery.start()
            started.set()

    @app.agent(topic)
    async def merge(stream: Any) -> None:
        async for events in stream.take_events(config.merge_batch, within=1.0):
            try:
                await ensure_started()
                by_partition: dict[int, list[Any]] = defaultdict(list)
                for event in events:
                    by_partition[event.message.partition].append(event)
                for partition, group in by_partition.items():
                    merger = merger_for(partition)
                    findings = merger.apply([decode(e.value) for e in group])
                    if findings:
                        await delivery.deliver(findings)
                    token = _current_event.set(weakref.ref(group[-1]))
                    try:
                        state[f"p{partition}".encode()] = pickle.dumps(merger.snapshot())
                    finally:
                        _current_event.reset(token)
            except Exception:  # noqa: BLE001 - never let faust commit a failed step silently
                STEP_ERRORS.labels("merge").inc()
                log.exception("merge step failed; its messages are skipped")

    @app.timer(interval=config.tick_seconds)
    async def tick() -> None:
        try:
            await ensure_started()
            for merger in list(mergers.values()):
                findings = merger.tick()
                if findings:
                    await delivery.deliver(findings)
        except Exception:  # noqa: BLE001
            STEP_ERRORS.labels("tick").inc()
            log.exception("merge tick failed")

    app.logwarden_mergers = mergers  # type: ignore[attr-defined]
    return app
