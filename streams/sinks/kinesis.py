"""Kinesis sinks: forward documents (``SINKS["kinesis"]``) or findings (``FINDING_SINKS["kinesis"]``).

PutRecords calls hold at most 500 records and 5 MiB (data plus partition keys).
Only the records a call reports as failed are retried, with jittered backoff,
up to ``max_attempts``; what still fails is reported ``Outcome.RETRY`` (or
``Outcome.FAILED`` for a record no retry can fix, such as one over the size
limit), so the runtime's retry wrapper and dead-letter output take over.
The finding sink also takes the routing keys of every finding sink
(``min_severity``, ``detectors``) and a ``rate_limit`` (PutRecords calls per
second); findings not routed to it are OK and counted.

>>> [len(c) for c in chunk_entries([(b"x" * 10, "k")] * 1201)]
[500, 500, 201]
>>> [len(c) for c in chunk_entries([(b"x" * (2 << 20), "k")] * 3)]
[2, 1]
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Literal

import orjson
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import Field

from streams.core import metrics
from streams.core.config import SinkConfig
from streams.core.model import Event, Finding, ItemResult, Outcome
from streams.core.registry import FINDING_SINKS, SINKS
from streams.sinks.finding_base import RateLimitedRoute, write_routed
from streams.sinks.render import FindingFormat, render_finding
from streams.sources import kinesis_metrics as km
from streams.sources.kinesis_retry import Backoff, error_code, is_transient

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 << 20


def chunk_entries(entries: list[tuple[bytes, str]]) -> list[list[int]]:
    """Split entry indices into PutRecords calls within the record and byte limits."""
    chunks: list[list[int]] = []
    current: list[int] = []
    size = 0
    for index, (data, key) in enumerate(entries):
        weight = len(data) + len(key.encode())
        if current and (len(current) >= MAX_RECORDS_PER_CALL or size + weight > MAX_BYTES_PER_CALL):
            chunks.append(current)
            current, size = [], 0
        current.append(index)
        size += weight
    if current:
        chunks.append(current)
    return chunks


def _dotted(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class KinesisSinkConfig(SinkConfig):
    type: Literal["kinesis"] = "kinesis"
    stream: str = Field(description="stream name or ARN")
    region: str | None = None
    endpoint_url: str | None = None
    partition_key_field: str | None = Field(None, description="dotted document field; default the document id")
    max_record_bytes: int = Field(1 << 20, gt=0, le=10 << 20, description="the stream's record size limit")
    max_attempts: int = Field(5, ge=1, le=100, description="PutRecords attempts per write before RETRY")
    backoff_initial_seconds: float = Field(0.1, gt=0)
    backoff_max_seconds: float = Field(5.0, gt=0)


class _KinesisWriter:
    """PutRecords with batching and per-record retries; subclasses render items."""

    def __init__(self, config: KinesisSinkConfig, wrap_client: Any = None):
        self.config = config
        self.name = config.name or f"kinesis-{config.stream.rsplit('/', 1)[-1]}"
        key = "StreamARN" if config.stream.startswith("arn:") else "StreamName"
        self.stream_args = {key: config.stream}
        self._wrap = wrap_client
        self._stack = contextlib.AsyncExitStack()
        self.client: Any = None

    async def start(self) -> None:
        client = await self._stack.enter_async_context(
            get_session().create_client(
                "kinesis", region_name=self.config.region, endpoint_url=self.config.endpoint_url
            )
        )
        self.client = self._wrap(client) if self._wrap else client

    async def close(self) -> None:
        await self._stack.aclose()

    async def put(self, entries: list[tuple[bytes, str]]) -> list[ItemResult]:
        started = time.perf_counter()
        results: list[ItemResult | None] = [None] * len(entries)
        todo = []
        for i, (data, key) in enumerate(entries):
            if len(data) + len(key.encode()) > self.config.max_record_bytes:
                results[i] = ItemResult(
                    Outcome.FAILED, f"record of {len(data)} bytes over {self.config.max_record_bytes}"
                )
            else:
                todo.append(i)
        backoff = Backoff(self.config.backoff_initial_seconds, self.config.backoff_max_seconds)
        reasons: dict[int, str] = {}
        for attempt in range(self.config.max_attempts):
            if not todo:
                break
            if attempt:
                await asyncio.sleep(backoff.next())
            failed: list[int] = []
            for chunk in chunk_entries([entries[i] for i in todo]):
                indices = [todo[j] for j in chunk]
                failed += await self._call(entries, indices, results, reasons)
            todo = failed
        for i in todo:
            results[i] = ItemResult(Outcome.RETRY, reasons.get(i, "not accepted"))
        final = [r or ItemResult(Outcome.RETRY, "not attempted") for r in results]
        for r in final:
            metrics.SINK_ITEMS.labels(self.name, r.outcome.value).inc()
        metrics.SINK_LATENCY.labels(self.name).observe(time.perf_counter() - started)
        return final

    async def _call(
        self,
        entries: list[tuple[bytes, str]],
        indices: list[int],
        results: list[ItemResult | None],
        reasons: dict[int, str],
    ) -> list[int]:
        """One PutRecords call; returns the indices to retry."""
        records = [{"Data": entries[i][0], "PartitionKey": entries[i][1]} for i in indices]
        try:
            resp = await self.client.put_records(Records=records, **self.stream_args)
        except (ClientError, BotoCoreError, OSError) as err:
            code = error_code(err) or type(err).__name__
            km.PUT_RECORDS.labels(self.name, code).inc(len(indices))
            if not is_transient(err) and code != "ResourceNotFoundException":
                for i in indices:
                    results[i] = ItemResult(Outcome.FAILED, f"{code}: {err}")
                return []
            reasons.update((i, code) for i in indices)
            return indices
        retry = []
        for i, item in zip(indices, resp["Records"], strict=True):
            code = item.get("ErrorCode")
            km.PUT_RECORDS.labels(self.name, code or "ok").inc()
            if code is None:
                results[i] = ItemResult(Outcome.OK)
            else:
                reasons[i] = f"{code}: {item.get('ErrorMessage', '')}"
                retry.append(i)
        return retry


@SINKS.register("kinesis", KinesisSinkConfig)
class KinesisDocumentSink(_KinesisWriter):
    """Forwards each event's ECS document as one JSON record (with ``_id``)."""

    async def write(self, events: list[Event]) -> list[ItemResult]:
        field = self.config.partition_key_field
        entries = []
        for event in events:
            key = _dotted(event.doc, field) if field else None
            data = orjson.dumps({"_id": event.id, **event.doc}, default=str)
            entries.append((data, str(key) if key not in (None, "") else event.id))
        return await self.put(entries)


class KinesisFindingSinkConfig(KinesisSinkConfig, RateLimitedRoute):
    format: FindingFormat = Field(
        "ecs", description="ecs: ECS alert document; ocsf: OCSF Detection Finding; raw: the Finding fields"
    )


@FINDING_SINKS.register("kinesis", KinesisFindingSinkConfig)
class KinesisFindingSink(_KinesisWriter):
    """Publishes each finding as one JSON record (ECS, OCSF or raw), keyed by the finding id."""

    config: KinesisFindingSinkConfig

    def __init__(self, config: KinesisFindingSinkConfig, wrap_client: Any = None):
        super().__init__(config, wrap_client)
        self.limiter = config.rate_limit.limiter()

    async def write(self, findings: list[Finding]) -> list[ItemResult]:
        return await write_routed(self.name, self.config, findings, self._put_findings, self.limiter)

    async def _put_findings(self, findings: list[Finding]) -> list[ItemResult]:
        entries = []
        for finding in findings:
            doc = render_finding(finding, self.config.format)
            key = _dotted(doc, self.config.partition_key_field) if self.config.partition_key_field else None
            entries.append((orjson.dumps(doc, default=str), str(key) if key not in (None, "") else finding.id))
        return await self.put(entries)
