"""Prometheus metrics of the detectors (published after every window close)."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge

from streams.core.metrics import DETECTOR_KEYS

LATE = Counter("logwarden_detector_late_entries_total", "Entries for windows already closed", ["detector"])
EVICTED = Counter(
    "logwarden_detector_evicted_entries_total", "Entries lost with a key evicted from a full window table", ["detector"]
)
SKIPPED = Counter(
    "logwarden_detector_skipped_events_total", "Events without a usable time or key field", ["detector"]
)
GAP_WINDOWS = Counter("logwarden_detector_skipped_windows_total", "Empty windows not scored after a long gap", ["detector"])
WINDOW_KEYS = Gauge("logwarden_detector_window_keys", "Keys held in open windows", ["detector"])
OPEN_EPISODES = Gauge("logwarden_detector_open_episodes", "Anomaly episodes currently open", ["detector"])
SUPPRESSED = Counter(
    "logwarden_detector_suppressed_total", "Anomalous windows folded into an open finding", ["detector"]
)

_published: dict[str, dict[str, float]] = {}


def _bump(counter: Counter, name: str, label: str, value: float) -> None:
    seen = _published.setdefault(name, {})
    delta = value - seen.get(label, 0.0)
    if delta > 0:
        counter.labels(name).inc(delta)
    seen[label] = value


def publish(detector: Any) -> None:
    """Export a detector's counters and sizes (deltas since the last call)."""
    name = detector.name
    table = detector.table
    DETECTOR_KEYS.labels(name).set(len(detector.keys))
    WINDOW_KEYS.labels(name).set(table.tracked_keys())
    OPEN_EPISODES.labels(name).set(detector.episodes.open_count())
    _bump(LATE, name, "late", table.late_entries)
    _bump(EVICTED, name, "evicted", table.evicted_entries)
    _bump(SKIPPED, name, "skipped", detector.skipped_events)
    _bump(GAP_WINDOWS, name, "gap", table.skipped_windows)
    _bump(SUPPRESSED, name, "suppressed", detector.episodes.suppressed)
