"""The local runtime: sources -> processor chain -> sinks and detectors -> finding sinks.

One asyncio process. Per source, a reader task reads batches, runs the
processor chain and the detectors (synchronous, CPU-bound, in order), and
puts the result on a bounded queue; a delivery task takes results in order,
writes documents to every document sink, dead letters to the dead-letter
sink and findings to every finding sink, and only then acks the batch to its
source. The queue bound (``pipeline.max_in_flight_batches``) is the
backpressure: when a sink is slow, the queue fills, the reader waits, and
the source stops reading. Nothing is acked that a sink has not accepted.

SIGTERM/SIGINT drains: sources stop reading, queued batches are delivered
(up to ``pipeline.drain_timeout_seconds``), detector state is saved. A batch
not delivered by then is not acked, so it is read again after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detectors.reload import DetectorReloader
from detectors.runner import DetectorSet
from detectors.state import StateStore
from processors.chain import ChainResult, ParserSet, ProcessorChain, build_enrichers
from streams.core import metrics
from streams.core.config import Config
from streams.core.model import Batch, DeadLetter, Event, Finding, Stage, raw_text
from streams.core.registry import FINDING_SINKS, SINKS, SOURCES
from streams.runtime.delivery import Backoff, Delivery
from streams.runtime.gctune import tune_gc
from streams.runtime.health import HealthServer

log = logging.getLogger("logwarden.pipeline")
_STOP = object()


@dataclass
class Summary:
    records_in: int = 0
    documents: int = 0
    dead_letters: int = 0
    findings: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    interrupted: bool = False

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def as_dict(self) -> dict[str, Any]:
        return {
            "records_in": self.records_in,
            "documents": self.documents,
            "dead_letters": self.dead_letters,
            "findings": self.findings,
            "dropped": dict(self.dropped),
            "elapsed_seconds": round(self.elapsed, 3),
            "records_per_second": round(self.records_in / self.elapsed, 1) if self.elapsed > 0 else None,
            "interrupted": self.interrupted,
        }


def dead_letter_event(letter: DeadLetter) -> Event:
    """A dead letter as a document for the dead-letter sink, id derived from its position and stage."""
    ident = hashlib.blake2b(f"{letter.position.key()}\x1f{letter.stage.value}".encode(), digest_size=16).hexdigest()
    doc = letter.as_dict()
    doc["@timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return Event(doc, "deadletter", ident, letter.position)


@dataclass
class _Work:
    batch: Batch
    result: ChainResult
    findings: list[Finding]


class Pipeline:
    def __init__(self, config: Config, dry_run: bool = False, clock: Any = time.time):
        self.config = config
        self.dry_run = dry_run
        self.clock = clock
        self.summary = Summary()
        self.fast_paths: dict[str, str] = {}  # source name -> dataset of the block fast path it took
        self.sources: list[Any] = []
        self.chains: dict[str, ProcessorChain] = {}
        self.enrichers: list[Any] = []
        self.doc_sinks: list[Delivery[Event]] = []
        self.finding_sinks: list[Delivery[Finding]] = []
        self.dead_letter: Delivery[Event] | None = None
        self.detector_set = DetectorSet([], clock=clock)
        self.state: StateStore | None = None
        self.reloader: DetectorReloader | None = None
        self.health: HealthServer | None = None
        self._stopping = asyncio.Event()
        self._started = False

    # -- building -----------------------------------------------------------
    def _backoff(self) -> Backoff:
        p = self.config.pipeline
        return Backoff(p.retry_initial_seconds, p.retry_max_seconds)

    def _build(self) -> None:
        cfg = self.config
        parsers = ParserSet(cfg.parsers, keep_original=cfg.pipeline.keep_original)
        self.enrichers = build_enrichers(cfg.enrichers)
        for i, src_cfg in enumerate(cfg.sources):
            if src_cfg.name is None:
                src_cfg = src_cfg.model_copy(update={"name": f"{src_cfg.type}-{i}" if len(cfg.sources) > 1 else src_cfg.type})
            if src_cfg.batch_size is None:
                src_cfg = src_cfg.model_copy(update={"batch_size": cfg.pipeline.batch_size})
            source = SOURCES.build(src_cfg)
            self.sources.append(source)
            self.chains[source.name] = ProcessorChain(src_cfg.decoder, src_cfg.dataset, parsers, self.enrichers)
        for sink_cfg in cfg.sinks:
            sink = SINKS.build(sink_cfg)
            self.doc_sinks.append(Delivery(sink, sink.name, self._backoff()))
        if cfg.dead_letter is not None:
            dlq = SINKS.build(cfg.dead_letter)
        else:
            from streams.sinks.ndjson import NdjsonSink, NdjsonSinkConfig

            dlq = NdjsonSink(NdjsonSinkConfig(type="ndjson", name="dead-letter", filename="deadletter.ndjson"))
            log.warning("no dead_letter configured: dead letters go to ./logwarden-out/deadletter.ndjson")
        self.dead_letter = Delivery(dlq, getattr(dlq, "name", "dead-letter"), self._backoff())
        finding_cfgs = cfg.finding_sinks
        if self.dry_run:
            from streams.sinks.ndjson import ConsoleFindingSinkConfig

            finding_cfgs = [ConsoleFindingSinkConfig(type="console", stream="stdout")]
        for f_cfg in finding_cfgs:
            sink = FINDING_SINKS.build(f_cfg)
            self.finding_sinks.append(Delivery(sink, sink.name, self._backoff()))
        self.detector_set = DetectorSet(cfg.detectors, clock=self.clock)
        if cfg.state.path:
            self.state = StateStore(cfg.state.path, cfg.state.snapshot_interval_seconds)
        if Path(cfg.origin).is_file():  # detector settings reload from the config file (and its detectors_file)
            self.reloader = DetectorReloader(cfg.origin, self.detector_set)

    @property
    def detectors(self) -> dict[str, Any]:
        return self.detector_set.detectors

    async def start(self) -> None:
        self._build()
        if self.config.metrics.enabled:
            self.health = HealthServer(self.config.metrics.host, self.config.metrics.port)
            await self.health.start()
        for enricher in self.enrichers:
            await enricher.start()
        sinks = [d.sink for d in (*self.doc_sinks, *self.finding_sinks)]
        if self.dead_letter is not None:
            sinks.append(self.dead_letter.sink)
        for sink in sinks:
            await sink.start()
        for source in self.sources:
            await source.start()
        if self.state is not None and self.detectors:
            restored = self.state.restore(self.detector_set)
            if restored:
                log.info("detector state restored", extra={"detectors": restored})
        if self.health is not None:
            self.health.ready = True
        self._started = True

    # -- control ------------------------------------------------------------
    def stop(self) -> None:
        """Ask for a graceful drain (signal handlers call this)."""
        if not self._stopping.is_set():
            log.info("stopping: draining in-flight batches")
            self.summary.interrupted = True
            self._stopping.set()
            if self.health is not None:
                self.health.draining = True

    def request_reload(self) -> None:
        """Reload detector settings at the next tick (SIGHUP calls this)."""
        if self.reloader is not None:
            self.reloader.request()
        else:
            log.warning("detector reload requested, but the config was not loaded from a file")

    # -- the work -----------------------------------------------------------
    async def _read(self, source: Any, queue: asyncio.Queue[Any]) -> None:
        chain = self.chains[source.name]
        try:
            from streams.runtime import fastpath

            fast = fastpath.plan(self, source)
            if fast is not None:
                self.fast_paths[source.name] = fast.schema.dataset
                await fastpath.read_fast(self, source, fast, queue)
                return
            async for batch in source.batches():
                result = chain.process(batch.records)
                findings = self.detector_set.observe(result.events)
                self.summary.records_in += len(batch.records)
                self.summary.dropped.update(result.dropped)
                metrics.IN_FLIGHT.labels(source.name).inc()
                await queue.put(_Work(batch, result, findings))
                metrics.QUEUE_DEPTH.labels(source.name).set(queue.qsize())
                if self._stopping.is_set():
                    break
        finally:
            await queue.put(_STOP)

    async def _deliver_findings(self, findings: list[Finding]) -> None:
        if not findings:
            return
        for finding in findings:
            metrics.FINDINGS.labels(finding.detector, finding.severity.value).inc()
        self.summary.findings += len(findings)
        results = await asyncio.gather(*(d.write(findings) for d in self.finding_sinks))
        for delivery, failed in zip(self.finding_sinks, results, strict=True):
            for finding, reason in failed:
                log.error("finding rejected by sink", extra={"sink": delivery.name, "finding": finding.id, "reason": reason})

    async def _deliver(self, source: Any, work: _Work) -> None:
        if hasattr(work, "fast"):
            from streams.runtime.fastpath import deliver_fast

            await deliver_fast(self, source, work)
        events = work.result.events
        letters = list(work.result.dead_letters)
        if events:
            results = await asyncio.gather(*(d.write(events) for d in self.doc_sinks))
            for delivery, failed in zip(self.doc_sinks, results, strict=True):
                for event, reason in failed:
                    letters.append(DeadLetter(raw_text(event.doc), f"{delivery.name}: {reason}", Stage.SINK, event.position, event.dataset))
        if letters and self.dead_letter is not None:
            failed_letters = await self.dead_letter.write([dead_letter_event(x) for x in letters])
            for event, reason in failed_letters:
                log.error("dead letter rejected by the dead-letter sink", extra={"id": event.id, "reason": reason})
        await self._deliver_findings(work.findings)
        self.summary.documents += len(events)
        self.summary.dead_letters += len(letters)
        await source.ack(work.batch.token)
        metrics.ACKED.labels(source.name).inc()
        metrics.IN_FLIGHT.labels(source.name).dec()

    async def _drain(self, source: Any, queue: asyncio.Queue[Any]) -> None:
        while True:
            work = await queue.get()
            metrics.QUEUE_DEPTH.labels(source.name).set(queue.qsize())
            if work is _STOP:
                return
            await self._deliver(source, work)

    async def _tick(self) -> None:
        """Advance detectors on the clock (idle input, silence), apply config reloads, snapshot state."""
        while True:
            await asyncio.sleep(1.0)
            if self.reloader is not None:
                self.reloader.poll()
            await self._deliver_findings(self.detector_set.advance(self.clock()))
            for name, detector in self.detectors.items():
                keys = getattr(detector, "tracked_keys", None)
                if keys is not None:
                    metrics.DETECTOR_KEYS.labels(name).set(keys() if callable(keys) else keys)
            if self.state is not None:
                self.state.maybe_save(self.detector_set)

    def _snapshot(self) -> None:
        if self.state is not None and self.detectors:
            self.state.save(self.detector_set)

    async def run(self, duration: float | None = None) -> Summary:
        """Run until every source is exhausted, ``stop()`` is called, or ``duration`` seconds pass."""
        if not self._started:
            await self.start()
        tune_gc()  # the collector was ~45 % of the reference path's CPU (streams/runtime/gctune.py)
        queues = {s.name: asyncio.Queue(maxsize=self.config.pipeline.max_in_flight_batches) for s in self.sources}
        readers = [asyncio.create_task(self._read(s, queues[s.name]), name=f"read-{s.name}") for s in self.sources]
        drains = [asyncio.create_task(self._drain(s, queues[s.name]), name=f"deliver-{s.name}") for s in self.sources]
        ticker = asyncio.create_task(self._tick(), name="tick")
        stopper = asyncio.create_task(self._stopping.wait())
        timer = asyncio.create_task(asyncio.sleep(duration)) if duration else None
        try:
            waiters = {stopper, *([timer] if timer else []), asyncio.ensure_future(asyncio.gather(*readers))}
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if timer in done:
                self.stop()
            if self._stopping.is_set():
                for source in self.sources:
                    with contextlib.suppress(Exception):
                        await source.close()
            await self._finish(readers, drains)
        finally:
            for task in (ticker, stopper, *([timer] if timer else [])):
                task.cancel()
            await self._close()
        self.summary.ended = time.monotonic()
        return self.summary

    async def _finish(self, readers: list[asyncio.Task[Any]], drains: list[asyncio.Task[Any]]) -> None:
        timeout = self.config.pipeline.drain_timeout_seconds if self._stopping.is_set() else None
        try:
            await asyncio.wait_for(asyncio.gather(*readers, *drains), timeout)
        except TimeoutError:
            log.warning("drain timed out; undelivered batches stay unacknowledged and are read again on restart")
            for task in (*readers, *drains):
                task.cancel()
            await asyncio.gather(*readers, *drains, return_exceptions=True)
            return
        for task in readers:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        if not self._stopping.is_set():
            # finite input ended: close every open window so the last findings come out
            await self._deliver_findings(self.detector_set.flush())

    async def _close(self) -> None:
        self._snapshot()
        for source in self.sources:
            with contextlib.suppress(Exception):
                await source.close()
        sinks = [d.sink for d in (*self.doc_sinks, *self.finding_sinks)]
        if self.dead_letter is not None:
            sinks.append(self.dead_letter.sink)
        for item in (*sinks, *self.enrichers):
            try:
                await item.close()
            except Exception:
                log.exception("close failed", extra={"component": getattr(item, "name", repr(item))})
        if self.health is not None:
            await self.health.close()


def install_signal_handlers(pipeline: Pipeline) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, pipeline.stop)
    with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, pipeline.request_reload)
