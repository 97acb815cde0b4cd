"""OpenSearch document sink: bounded bulk requests, per-item outcomes, idempotent ids.

Each event becomes a ``create`` action with ``_id = event.id`` (deterministic,
from the source position), so a replay answers 409 and nothing is duplicated
(within one backing index: after a rollover the same id can be written again).
Requests are bounded by bytes and count, at most ``max_concurrent_requests``
run at once across all ``write`` calls of the sink, and only the failed items
are retried, with jittered exponential backoff, ``retry.attempts`` times before
``write`` reports them RETRY. Connection errors and timeouts are RETRY too:
the runtime keeps retrying and stops reading meanwhile, so an outage costs
time, never data, and memory stays bounded by the in-flight batches.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from prometheus_client import Counter
from pydantic import Field

from streams.core.config import SinkConfig
from streams.core.metrics import SINK_ITEMS, SINK_LATENCY
from streams.core.model import Event, ItemResult, Outcome
from streams.core.registry import SINKS
from streams.sinks.opensearch_bulk import BulkItem, chunk, classify, encode
from streams.sinks.opensearch_client import OpenSearchConnection, build_client
from streams.sinks.opensearch_install import InstallReport, install
from streams.sinks.opensearch_naming import IndexNaming
from streams.sinks.policy import RetrySettings

log = logging.getLogger(__name__)

BULK_REQUESTS = Counter(
    "logwarden_opensearch_bulk_requests_total", "Bulk requests sent, by result", ["sink", "result"]
)
ITEM_ERRORS = Counter(
    "logwarden_opensearch_item_errors_total", "Bulk items that did not succeed, by HTTP status", ["sink", "status"]
)


class OpenSearchSinkConfig(SinkConfig, OpenSearchConnection):
    index_mode: Literal["data_stream", "dated"] = "data_stream"
    namespace: str = Field("default", description="data stream namespace: logs-<dataset>-<namespace>")
    index_prefix: str = Field("logwarden", description="dated indices: <prefix>-<dataset>-YYYY.MM.DD")
    install_templates: bool = True
    install_ism: bool = True
    retention_days: int = Field(30, ge=1)
    rollover_min_size: str = "30gb"
    rollover_min_index_age: str = "1d"
    max_bulk_bytes: int = Field(5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    max_bulk_docs: int = Field(5000, ge=1, le=100_000)
    max_concurrent_requests: int = Field(2, ge=1, le=64)
    retry: RetrySettings = RetrySettings()


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@SINKS.register("opensearch", OpenSearchSinkConfig)
class OpenSearchSink:
    """Writes events to OpenSearch (or Elasticsearch-API clusters) with ``create`` semantics."""

    def __init__(
        self,
        config: OpenSearchSinkConfig,
        client: Any = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.config = config
        self.name = config.name or "opensearch"
        self.naming = IndexNaming(config.index_mode, config.namespace, config.index_prefix)
        self.policy = config.retry.policy()
        self._client = client
        self._sleep = sleep
        self._slots = asyncio.Semaphore(config.max_concurrent_requests)
        self.install_report: InstallReport | None = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = build_client(self.config)
        return self._client

    async def start(self) -> None:
        if self.config.install_templates:
            self.install_report = await install(
                self.client,
                self.naming,
                install_ism=self.config.install_ism,
                retention_days=self.config.retention_days,
                rollover={"min_size": self.config.rollover_min_size, "min_index_age": self.config.rollover_min_index_age},
            )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def encode(self, slot: int, event: Event) -> BulkItem:
        """One ``create`` action; subclasses write other actions (findings upsert)."""
        doc = event.doc
        if self.naming.mode == "data_stream" and "@timestamp" not in doc:
            doc = {**doc, "@timestamp": _now_iso()}  # data streams reject documents without one
        return encode(slot, "create", self.naming.target(event.dataset, doc), event.id, doc)

    def _encode_all(self, items: list[Any], results: list[ItemResult]) -> list[BulkItem]:
        encoded = []
        for slot, item in enumerate(items):
            try:
                encoded.append(self.encode(slot, item))
            except (TypeError, ValueError) as err:
                results[slot] = ItemResult(Outcome.FAILED, f"not serialisable: {err}")
        return encoded

    async def write(self, events: list[Any]) -> list[ItemResult]:
        started = time.perf_counter()
        results = [ItemResult(Outcome.RETRY, "not sent")] * len(events)
        pending = self._encode_all(events, results)
        for attempt in range(self.policy.attempts):
            await asyncio.gather(
                *(self._send(part, results) for part in chunk(pending, self.config.max_bulk_bytes, self.config.max_bulk_docs))
            )
            pending = [item for item in pending if results[item.slot].outcome is Outcome.RETRY]
            if not pending or attempt + 1 == self.policy.attempts:
                break
            await self._sleep(self.policy.delay(attempt))
        for outcome in Outcome:
            n = sum(1 for r in results if r.outcome is outcome)
            if n:
                SINK_ITEMS.labels(self.name, outcome.value).inc(n)
        SINK_LATENCY.labels(self.name).observe(time.perf_counter() - started)
        return results

    async def _send(self, items: list[BulkItem], results: list[ItemResult]) -> None:
        from opensearchpy.exceptions import ConnectionError as OSConnectionError
        from opensearchpy.exceptions import TransportError

        failure: TransportError | None = None
        async with self._slots:
            try:
                response = await self.client.bulk(body=b"".join(item.payload for item in items))
            except OSConnectionError as err:  # includes timeouts
                self._mark(items, results, ItemResult(Outcome.RETRY, f"connection: {err.error}"), "connection")
                return
            except TransportError as err:
                failure = err
        if failure is not None:  # handled outside the semaphore: splitting sends again
            await self._request_failed(items, results, failure)
            return
        BULK_REQUESTS.labels(self.name, "errors" if response.get("errors") else "ok").inc()
        answered = response.get("items") or []
        if len(answered) != len(items):
            self._mark(items, results, ItemResult(Outcome.RETRY, "bulk response item count mismatch"), "mismatch")
            return
        for item, answer in zip(items, answered, strict=True):
            result = classify(answer)
            results[item.slot] = result
            if result.outcome is not Outcome.OK:
                ITEM_ERRORS.labels(self.name, str(next(iter(answer.values())).get("status"))).inc()

    async def _request_failed(self, items: list[BulkItem], results: list[ItemResult], err: Any) -> None:
        status = err.status_code if isinstance(err.status_code, int) else 0
        reason = f"{status} {err.error}"
        if status in (400, 413) and len(items) > 1:
            # a body the cluster refuses as a whole: split to isolate the offending document
            BULK_REQUESTS.labels(self.name, f"split_{status}").inc()
            half = len(items) // 2
            await self._send(items[:half], results)
            await self._send(items[half:], results)
            return
        outcome = Outcome.FAILED if status in (400, 413) else Outcome.RETRY  # 401/403/429/5xx: not the document's fault
        self._mark(items, results, ItemResult(outcome, reason), str(status))

    def _mark(self, items: list[BulkItem], results: list[ItemResult], result: ItemResult, label: str) -> None:
        BULK_REQUESTS.labels(self.name, f"failed_{label}").inc()
        for item in items:
            results[item.slot] = result
