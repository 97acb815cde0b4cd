"""Merge state of one partials-topic partition: merged windows, models, and watermarks over workers.

Each partition of the partials topic holds a disjoint set of detector keys, so
one ``PartitionMerger`` per partition runs one detector instance per detector
name over just those keys. Partials are merged as they arrive; a window is
scored only when the watermark passes it, and the watermark is the *minimum*
over live workers of their maximum event time (minus the allowed lateness):
a window closes only after every worker has moved past it, so the merged
result equals what one worker reading all the input would compute. A worker
that sent nothing for ``worker_timeout_seconds`` (wall clock) is left out of
the minimum, so a dead worker cannot stall the detectors; when every worker
sent ``final`` (end of a finite input) all open windows are flushed. Nothing
closes before ``min_workers`` workers have reported (set it to the number of
workers you start, so a slow starter's first windows are not closed early).

>>> from detectors.vpc_rejects import VpcRejectsConfig
>>> from detectors.windows import Partial
>>> cfg = VpcRejectsConfig(type="vpc_rejects", name="rej", keys=["source.ip"], model={"kind": "fallback"},
...                        window={"seconds": 60, "allowed_lateness_seconds": 0})
>>> m = PartitionMerger([cfg], clock=lambda: 0.0, min_workers=2)
>>> p = Partial(); p.add_event("e1", 10.0, 5)
>>> m.apply([WireMessage(Kind.PARTIAL, "w1", "rej", ("source.ip", "10.0.0.1"), 0, p),
...          WireMessage(Kind.WATERMARK, "w1", "rej", max_time=130.0),
...          WireMessage(Kind.WATERMARK, "w2", "rej", max_time=50.0)])
[]
>>> m.open_windows("rej")   # w2 is still inside window 0: it stays open
[0]
>>> _ = m.apply([WireMessage(Kind.WATERMARK, "w2", "rej", max_time=61.0)])
>>> m.open_windows("rej")
[]
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge

from detectors.windowed import Aggregate
from streams.core.config import DetectorConfig
from streams.core.metrics import DEAD_LETTERED
from streams.core.model import Finding
from streams.core.registry import DETECTORS
from streams.distributed.wire import Kind, WireMessage

log = logging.getLogger(__name__)

MERGED = Counter("logwarden_distributed_messages_total", "Partials-topic messages merged, by kind", ["kind"])
WORKERS = Gauge("logwarden_distributed_workers", "Workers counted in a detector's watermark", ["detector"])


@dataclass(slots=True)
class WorkerMark:
    max_time: float | None
    final: bool
    seen: float


class PartitionMerger:
    def __init__(
        self,
        configs: Sequence[DetectorConfig],
        clock: Callable[[], float] = time.time,
        worker_timeout_seconds: float = 120.0,
        max_workers: int = 1024,
        min_workers: int = 1,
    ):
        self.detectors = {c.name: DETECTORS.build(c) for c in configs if c.enabled}
        self.workers: dict[str, dict[str, WorkerMark]] = {name: {} for name in self.detectors}
        self.clock = clock
        self.worker_timeout = worker_timeout_seconds
        self.max_workers = max_workers
        self.min_workers = min_workers
        self.flushed: set[str] = set()

    def apply(self, messages: list[WireMessage]) -> list[Finding]:
        """Merge messages in order; return the findings of every window that closed."""
        out: list[Finding] = []
        for msg in messages:
            det = self.detectors.get(msg.detector)
            if msg.kind is Kind.INVALID or det is None:
                reason = msg.error or f"unknown detector {msg.detector!r}"
                DEAD_LETTERED.labels("detect", "bad_partial").inc()
                log.warning("partials topic: dropped a message: %s", reason)
                continue
            MERGED.labels(msg.kind.value).inc()
            if msg.kind is Kind.PARTIAL:
                assert msg.key is not None and msg.partial is not None
                det.merge(Aggregate({(msg.window_start, msg.key): msg.partial}))
            else:
                self._mark(msg)
                out.extend(self._close(msg.detector))
        return out

    def tick(self) -> list[Finding]:
        """Re-evaluate watermarks on the clock (a silent worker times out)."""
        out: list[Finding] = []
        for name in self.detectors:
            out.extend(self._close(name))
        return out

    def _mark(self, msg: WireMessage) -> None:
        marks = self.workers[msg.detector]
        old = marks.get(msg.worker)
        max_time = msg.max_time
        if old is not None and old.max_time is not None and (max_time is None or old.max_time > max_time):
            max_time = old.max_time
        if old is None and len(marks) >= self.max_workers:  # bounded: forget the longest-silent worker
            del marks[min(marks, key=lambda w: marks[w].seen)]
        marks[msg.worker] = WorkerMark(max_time, msg.final, self.clock())

    def watermark(self, name: str) -> float | None:
        """Minimum over live, unfinished workers of their max event time; +inf once all finished."""
        now = self.clock()
        marks = self.workers[name]
        live = [m for m in marks.values() if not m.final and now - m.seen <= self.worker_timeout]
        WORKERS.labels(name).set(len(live))
        if len(marks) < self.min_workers:
            return None
        if not live:
            return math.inf if all(m.final for m in marks.values()) else None
        times = [m.max_time for m in live]
        return None if any(t is None for t in times) else min(times)  # type: ignore[type-var]

    def _close(self, name: str) -> list[Finding]:
        det = self.detectors[name]
        wm = self.watermark(name)
        if wm is None:
            return []
        if wm == math.inf:
            if name in self.flushed:
                return []
            self.flushed.add(name)
            return det.flush()
        self.flushed.discard(name)
        det.table.advance_to(wm - det.config.window.allowed_lateness_seconds)
        return det.close_windows()

    def open_windows(self, name: str) -> list[int]:
        return sorted(self.detectors[name].table.windows)

    def snapshot(self) -> dict[str, Any]:
        return {
            "detectors": {name: det.snapshot() for name, det in self.detectors.items()},
            "workers": {name: dict(marks) for name, marks in self.workers.items()},
            "flushed": set(self.flushed),
        }

    def restore(self, state: dict[str, Any]) -> None:
        for name, snap in state.get("detectors", {}).items():
            if name in self.detectors:
                self.detectors[name].restore(snap)
        for name, marks in state.get("workers", {}).items():
            if name in self.workers:
                self.workers[name] = dict(marks)
        self.flushed = set(state.get("flushed", ()))
