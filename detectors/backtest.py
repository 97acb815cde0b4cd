"""Backtests: run detectors over recorded data and keep what the report draws.

Inputs: batches of events (from recorded raw logs through the processor
chain, or from ECS NDJSON documents), or a ``timestamp,value`` series, which
is fed to a ``log_rate`` detector as per-window counts through ``merge`` (the
same path the distributed merger uses). A ``Recorder`` hooks every detector's
``trace`` and keeps, per (detector, key, metric), the window value, the
model's expected value and band, and the score, for a bounded number of keys.

>>> from detectors.runner import DetectorSet
>>> from streams.core.config import validate_detectors
>>> ds = DetectorSet(validate_detectors([{"type": "log_rate", "name": "rate", "model": {"warmup": 5}}]))
>>> points = [(60.0 * i, 500.0 if i == 40 else 50.0 + i % 3) for i in range(60)]
>>> result = run_series(ds, "rate", "cpu", points)
>>> [(f.finding_type, f.observed) for f in result.findings if f.status == "open"]
[('rate_spike', 500.0)]
>>> len(result.recorder.series[("rate", ("series", "cpu"), "count")])
60
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from detectors.windowed import Aggregate
from detectors.windows import Key, Partial
from streams.core.model import Event, Finding, Position, event_id

SeriesKey = tuple[str, Key, str]


@dataclass(slots=True)
class TracePoint:
    t: float
    x: float
    expected: float | None
    lower: float | None
    upper: float | None
    score: float


class Recorder:
    """Keeps the scored series of at most ``max_keys`` (detector, key, metric) triples."""

    def __init__(self, max_keys: int = 2000):
        self.max_keys = max_keys
        self.series: dict[SeriesKey, list[TracePoint]] = {}
        self.dropped_keys = 0

    def attach(self, detector_set: Any) -> None:
        for name, det in detector_set.detectors.items():
            det.trace = self._tracer(name)

    def _tracer(self, detector: str) -> Any:
        def record(key: Key, start: int, metric: str, x: float, score: Any) -> None:
            skey = (detector, key, metric)
            points = self.series.get(skey)
            if points is None:
                if len(self.series) >= self.max_keys:
                    self.dropped_keys += 1
                    return
                points = self.series[skey] = []
            points.append(TracePoint(float(start), float(x), score.expected, score.lower, score.upper, score.score))

        return record


@dataclass
class BacktestResult:
    findings: list[Finding] = field(default_factory=list)
    recorder: Recorder = field(default_factory=Recorder)
    events: int = 0
    skipped: int = 0
    dead_letters: int = 0
    source: str = ""


def run_events(detector_set: Any, batches: Iterable[list[Event]], recorder: Recorder | None = None) -> BacktestResult:
    """Feed event batches through every detector, then flush."""
    result = BacktestResult(recorder=recorder or Recorder())
    result.recorder.attach(detector_set)
    for batch in batches:
        result.events += len(batch)
        result.findings += detector_set.observe(batch)
    result.findings += detector_set.flush()
    result.skipped = sum(d.skipped_events for d in detector_set.detectors.values())
    return result


def run_series(detector_set: Any, detector: str, name: str, points: Iterable[tuple[float, float]]) -> BacktestResult:
    """Score a ``(t, value)`` series as the per-window count of key ``("series", name)`` of one detector."""
    det = detector_set.detectors[detector]
    result = BacktestResult(recorder=Recorder())
    result.recorder.attach(detector_set)
    width = det.table.window
    for t, x in points:
        start = int(t // width) * width
        # the watermark passes the end of this point's window: each point closes its own window
        det.merge(Aggregate({(start, ("series", name)): Partial(count=int(round(x)))}, start + width + det.table.lateness))
        result.events += 1
        result.findings += detector_set.emit(det.close_windows())
    result.findings += detector_set.emit(det.flush())
    return result


def ecs_batches(paths: list[str], dataset: str | None, batch_size: int = 5000) -> Iterator[list[Event]]:
    """ECS documents, one JSON object per line (logwarden's NDJSON sink output), as event batches."""
    from streams.sources.file import open_binary

    batch: list[Event] = []
    for path in paths:
        with open_binary(path) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    doc = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if not isinstance(doc, dict):
                    continue
                pos = Position("backtest", path, "", str(number))
                doc_id = doc.pop("_id", None) or event_id(pos)
                batch.append(Event(doc, dataset or _dataset_of(doc), str(doc_id), pos))
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
    if batch:
        yield batch


def _dataset_of(doc: dict[str, Any]) -> str:
    for value in (doc.get("data_stream", {}).get("dataset"), doc.get("event", {}).get("dataset")):
        if isinstance(value, str) and value:
            return value.removeprefix("aws.").removesuffix("_logs")
    return "unknown"


def run_logs(
    detector_set: Any, paths: list[str], dataset: str | None, decoder: str = "auto", recorder: Recorder | None = None
) -> BacktestResult:
    """Raw recorded logs, decoded and parsed by the service's own processor chain, through the detectors."""
    from processors.chain import ProcessorChain
    from streams.sources.file import FileSource, FileSourceConfig

    result = BacktestResult(recorder=recorder or Recorder())
    result.recorder.attach(detector_set)

    async def run() -> None:
        source = FileSource(FileSourceConfig(type="file", name="backtest", paths=paths, dataset=dataset))
        chain = ProcessorChain(decoder=decoder, dataset=dataset)
        await source.start()
        try:
            async for batch in source.batches():
                processed = chain.process(batch.records)
                result.events += len(processed.events)
                result.dead_letters += len(processed.dead_letters)
                result.findings += detector_set.observe(processed.events)
                await source.ack(batch.token)
        finally:
            await source.close()

    asyncio.run(run())
    result.findings += detector_set.flush()
    result.skipped = sum(d.skipped_events for d in detector_set.detectors.values())
    return result
