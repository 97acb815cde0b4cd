"""Detector state snapshots: written atomically on a schedule and at shutdown, read at start.

The file is a pickle (models and sketches are plain Python objects) of
``{"format": 1, "saved_at": epoch, "detectors": {name: (type, state)}}``,
written to a temporary file in the same directory, fsynced and renamed over
the old one, so a crash mid-write leaves the previous snapshot intact. Only
load snapshots this service wrote: unpickling runs code.

>>> import tempfile, pathlib
>>> from detectors.runner import DetectorSet
>>> from streams.core.config import validate_detectors
>>> path = pathlib.Path(tempfile.mkdtemp()) / "state.pkl"
>>> ds = DetectorSet(validate_detectors([{"type": "log_rate", "name": "rate"}]))
>>> store = StateStore(path, interval_seconds=60, clock=lambda: 1000.0)
>>> store.save(ds) > 0, store.restore(ds)
(True, ['rate'])
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)

FORMAT = 1
SNAPSHOTS = Counter("logwarden_detector_snapshots_total", "Detector state snapshots by result", ["result"])
SNAPSHOT_BYTES = Gauge("logwarden_detector_snapshot_bytes", "Size of the last detector state snapshot")


class StateStore:
    """Snapshot a ``DetectorSet`` to ``path`` at most every ``interval_seconds``."""

    def __init__(self, path: str | Path, interval_seconds: float = 60.0, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.interval = interval_seconds
        self.clock = clock
        self.last_saved: float | None = None

    def save(self, detector_set: Any) -> int:
        """Write a snapshot now; returns its size in bytes (0 when writing failed, logged and counted)."""
        payload = {"format": FORMAT, "saved_at": self.clock(), "detectors": detector_set.snapshot()}
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as err:
            SNAPSHOTS.labels("error").inc()
            log.error("detector state snapshot to %s failed: %s", self.path, err)
            return 0
        self.last_saved = self.clock()
        SNAPSHOTS.labels("ok").inc()
        SNAPSHOT_BYTES.set(len(data))
        return len(data)

    def maybe_save(self, detector_set: Any) -> int:
        """Save if ``interval_seconds`` passed since the last save (call it from the runtime's loop)."""
        now = self.clock()
        if self.last_saved is not None and now - self.last_saved < self.interval:
            return 0
        return self.save(detector_set)

    def load(self) -> dict[str, tuple[str, Any]] | None:
        """Read the snapshot; ``None`` when there is none or it is unreadable (logged: start fresh)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            log.error("cannot read detector state %s: %s; starting fresh", self.path, err)
            return None
        try:
            payload = pickle.loads(data)  # noqa: S301 - our own file, see the module docstring
        except Exception as err:  # any corrupt pickle: start fresh, never crash the service
            SNAPSHOTS.labels("corrupt").inc()
            log.error("detector state %s is corrupt (%s); starting fresh", self.path, err)
            return None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            log.error("detector state %s has an unknown format; starting fresh", self.path)
            return None
        return payload["detectors"]

    def restore(self, detector_set: Any) -> list[str]:
        """Load and restore into ``detector_set``; returns the names restored."""
        snapshots = self.load()
        if not snapshots:
            return []
        restored = detector_set.restore(snapshots)
        log.info("restored detector state for %s from %s", ", ".join(restored) or "nothing", self.path)
        return restored


async def snapshot_loop(store: StateStore, detector_set: Any, stop: Any) -> None:
    """Save every ``interval_seconds`` until ``stop`` (an ``asyncio.Event``) is set, then once more."""
    import asyncio

    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), store.interval)
        except TimeoutError:
            store.save(detector_set)
    store.save(detector_set)
