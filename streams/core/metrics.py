"""Prometheus metrics shared by every component.

Names are prefixed ``logwarden_``. Components use these objects rather than
defining their own where one fits; a component-specific metric is defined in
its own module with the same prefix.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RECORDS_IN = Counter("logwarden_records_in_total", "Raw records read from a source", ["source"])
BYTES_IN = Counter("logwarden_bytes_in_total", "Raw bytes read from a source", ["source"])
STAGE_OUT = Counter("logwarden_stage_out_total", "Items a stage emitted", ["stage", "dataset"])
DROPPED = Counter("logwarden_dropped_total", "Items dropped on purpose (counted, not lost)", ["stage", "reason"])
DEAD_LETTERED = Counter("logwarden_dead_lettered_total", "Items sent to the dead-letter output", ["stage", "reason"])
SINK_ITEMS = Counter("logwarden_sink_items_total", "Items a sink reported on, by outcome", ["sink", "outcome"])
SINK_LATENCY = Histogram(
    "logwarden_sink_write_seconds",
    "Latency of one sink write call",
    ["sink"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
QUEUE_DEPTH = Gauge("logwarden_queue_depth", "Batches waiting between stages", ["queue"])
IN_FLIGHT = Gauge("logwarden_in_flight_batches", "Batches read but not yet acknowledged", ["source"])
ACKED = Counter("logwarden_acked_batches_total", "Batches acknowledged to their source", ["source"])
FINDINGS = Counter("logwarden_findings_total", "Findings emitted", ["detector", "severity"])
DETECTOR_KEYS = Gauge("logwarden_detector_keys", "Keys tracked by a detector", ["detector"])
CACHE_LOOKUPS = Counter("logwarden_cache_lookups_total", "Cache look-ups by result", ["cache", "result"])
CACHE_SIZE = Gauge("logwarden_cache_entries", "Entries held by a bounded cache", ["cache"])
SOURCE_LAG = Gauge(
    "logwarden_source_lag_seconds", "Iterator age / consumer lag in seconds", ["source", "partition"]
)
