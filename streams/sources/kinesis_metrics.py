"""Prometheus metrics of the Kinesis source and sink (``logwarden_kinesis_*``).

Records and bytes read use the shared ``logwarden_records_in_total`` and
``logwarden_bytes_in_total``; iterator age also feeds ``logwarden_source_lag_seconds``.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

MILLIS_BEHIND = Gauge(
    "logwarden_kinesis_millis_behind_latest", "MillisBehindLatest of the last GetRecords", ["source", "shard"]
)
SHARD_RECORDS = Counter("logwarden_kinesis_records_read_total", "Kinesis records read, per shard", ["source", "shard"])
SHARD_BYTES = Counter("logwarden_kinesis_bytes_read_total", "Kinesis bytes read, per shard", ["source", "shard"])
THROTTLES = Counter(
    "logwarden_kinesis_throttles_total",
    "Throttled or transiently failed calls, retried with backoff",
    ["source", "operation"],
)
EXPIRED_ITERATORS = Counter(
    "logwarden_kinesis_expired_iterators_total", "ExpiredIteratorException recoveries", ["source"]
)
LEASES_HELD = Gauge("logwarden_kinesis_leases_held", "Shard leases this worker holds", ["source"])
LEASE_EVENTS = Counter(
    "logwarden_kinesis_lease_events_total",
    "Lease changes: taken, stolen, lost, released, shard_end",
    ["source", "event"],
)
BAD_RECORDS = Counter(
    "logwarden_kinesis_bad_records_total", "Records that could not be de-aggregated (sent on as errors)", ["source"]
)
PUT_RECORDS = Counter(
    "logwarden_kinesis_put_records_total", "Records the Kinesis sink put, by result", ["sink", "result"]
)
