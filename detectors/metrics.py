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
_children: dict[tuple[int, str], Any] = {}  # (metric, detector) -> its labelled child, looked up once


def _child(metric: Any, name: str) -> Any:
    """``metric.labels(name)`` without the label validation and lock of every call (it ran per block and
    detector); a child the metric no longer holds (``remove``/``clear``) is looked up again."""
    child = _children.get((id(metric), name))
    if child is None or metric._metrics.get((name,)) is not child:
        child = _children[id(metric), name] = metric.labels(name)
    return child


def _bump(counter: Counter, name: str, label: str, value: float) -> None:
    seen = _published.get(name)
    if seen is None:
        seen = _published[name] = {}
    delta = value - seen.get(label, 0.0)
    if delta > 0:
        _child(counter, name).inc(delta)
        seen[label] = value
    elif delta:
        seen[label] = value


def publish(detector: Any) -> None:
    """Export a detector's counters and sizes (deltas since the last call).

    >>> from types import SimpleNamespace as NS
    >>> det = NS(name="doc-publish", keys=[1, 2], skipped_events=3, table=NS(tracked_keys=lambda: 5, late_entries=0,
    ...          evicted_entries=0, skipped_windows=0), episodes=NS(open_count=lambda: 1, suppressed=0))
    >>> publish(det); det.skipped_events = 4; publish(det)
    >>> SKIPPED.labels("doc-publish")._value.get(), WINDOW_KEYS.labels("doc-publish")._value.get()
    (4.0, 5.0)
    """
    name = detector.name
    table = detector.table
    _child(DETECTOR_KEYS, name).set(len(detector.keys))
    _child(WINDOW_KEYS, name).set(table.tracked_keys())
    _child(OPEN_EPISODES, name).set(detector.episodes.open_count())
    _bump(LATE, name, "late", table.late_entries)
    _bump(EVICTED, name, "evicted", table.evicted_entries)
    _bump(SKIPPED, name, "skipped", detector.skipped_events)
    _bump(GAP_WINDOWS, name, "gap", table.skipped_windows)
    _bump(SUPPRESSED, name, "suppressed", detector.episodes.suppressed)
