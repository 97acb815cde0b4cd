"""Prometheus metrics of the Kafka components (shared ones live in ``streams.core.metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

COMMITS = Counter("logwarden_kafka_commits_total", "Offset commits by result", ["source", "result"])
REBALANCES = Counter("logwarden_kafka_rebalances_total", "Partitions assigned or revoked", ["source", "change"])
STALE_ACKS = Counter(
    "logwarden_kafka_stale_acks_total", "Acks of batches read before their partition was revoked", ["source"]
)
READ_ERRORS = Counter("logwarden_kafka_read_errors_total", "Fetch errors retried with backoff", ["source", "error"])
LAG_RECORDS = Gauge("logwarden_kafka_lag_records", "High watermark minus the next offset to read", ["source", "partition"])
PRODUCED = Counter("logwarden_kafka_produced_total", "Messages produced, by broker outcome", ["sink", "outcome"])
