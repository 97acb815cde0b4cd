"""Feed synthetic AWS traffic into a Kinesis stream (the docker-compose demo's traffic generator).

``python -m streams.tools.feed_kinesis --stream NAME [--config FEEDER.yaml] [--create --shards N]``

The records are those of the ``generator`` source (``GeneratorConfig``: seed,
rate, speed, dataset mix, anomalies, ``framing: cloudwatch`` for CloudWatch
Logs subscription payloads as a subscription filter delivers them), sent with
``PutRecords`` in requests of at most 500 records and 5 MiB. Records a
response reports as failed (throttling, internal errors) are re-sent, only
those, with jittered exponential backoff; a record larger than Kinesis takes
is never sent and is counted as ``too_large``. The endpoint comes from
``--endpoint-url`` or botocore's own ``AWS_ENDPOINT_URL``.

>>> request_chunks([10] * 1001, max_records=500, max_bytes=5 << 20)
[(0, 500), (500, 1000), (1000, 1001)]
>>> request_chunks([40, 40, 40], max_records=500, max_bytes=100)
[(0, 2), (2, 3)]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import Counter

from streams.core.model import Record
from streams.sources.generator import GeneratorConfig, GeneratorSource

log = logging.getLogger("logwarden.feed_kinesis")

MAX_RECORDS_PER_REQUEST = 500
MAX_BYTES_PER_REQUEST = 5 << 20
MAX_RECORD_BYTES = 1 << 20  # the default per-record limit; streams can be raised to 10 MiB (--max-record-bytes)
RETRYABLE_ERRORS = {"ProvisionedThroughputExceededException", "InternalFailure", "ServiceUnavailable"}

FED = Counter("logwarden_feeder_records_total", "Records the Kinesis feeder handled, by result", ["stream", "result"])


@dataclass(slots=True)
class PutReport:
    """What one ``put`` call did: records accepted, re-sent attempts, and records given up on by reason."""

    sent: int = 0
    retried: int = 0
    rejected: dict[str, int] = field(default_factory=dict)

    def reject(self, reason: str, count: int = 1) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + count

    def add(self, other: PutReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        for reason, count in other.rejected.items():
            self.reject(reason, count)


def request_chunks(sizes: Sequence[int], max_records: int, max_bytes: int) -> list[tuple[int, int]]:
    """Split records (given by size) into PutRecords requests bounded by count and bytes: (start, end) ranges."""
    chunks: list[tuple[int, int]] = []
    start = size = 0
    for i, n in enumerate(sizes):
        if i > start and (i - start >= max_records or size + n > max_bytes):
            chunks.append((start, i))
            start, size = i, 0
        size += n
    if start < len(sizes):
        chunks.append((start, len(sizes)))
    return chunks


class KinesisFeeder:
    """Puts records into one stream; ``put`` returns once every record was accepted or given up on."""

    def __init__(
        self,
        client: Any,
        stream: str,
        attempts: int = 8,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
        max_record_bytes: int = MAX_RECORD_BYTES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.client = client
        self.stream = stream
        self.attempts = attempts
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_record_bytes = max_record_bytes
        self._sleep = sleep

    async def put(self, records: Sequence[Record]) -> PutReport:
        report = PutReport()
        entries = []
        for record in records:
            if len(record.data) > self.max_record_bytes:
                report.reject("too_large")
                continue
            entries.append({"Data": record.data, "PartitionKey": record.position.offset})
        sizes = [len(e["Data"]) + len(e["PartitionKey"]) for e in entries]
        for start, end in request_chunks(sizes, MAX_RECORDS_PER_REQUEST, MAX_BYTES_PER_REQUEST):
            report.add(await self._put_request(entries[start:end]))
        for reason, count in report.rejected.items():
            FED.labels(self.stream, reason).inc(count)
        FED.labels(self.stream, "sent").inc(report.sent)
        return report

    async def _put_request(self, entries: list[dict[str, Any]]) -> PutReport:
        report = PutReport()
        pending = entries
        delay = self.backoff_initial
        for attempt in range(self.attempts):
            if attempt:
                report.retried += len(pending)
                await self._sleep(random.uniform(0, delay))
                delay = min(delay * 2, self.backoff_max)
            response = await self.client.put_records(StreamName=self.stream, Records=pending)
            failed = []
            for entry, result in zip(pending, response["Records"], strict=True):
                code = result.get("ErrorCode")
                if code is None:
                    report.sent += 1
                elif code in RETRYABLE_ERRORS:
                    failed.append(entry)
                else:
                    report.reject(code)
            if not failed:
                return report
            pending = failed
        report.reject("retries_exhausted", len(pending))
        return report


async def ensure_stream(client: Any, stream: str, shards: int, timeout: float = 60.0) -> None:
    """Create the stream when it does not exist and wait until it is ACTIVE."""
    try:
        await client.describe_stream_summary(StreamName=stream)
    except client.exceptions.ResourceNotFoundException:
        log.info("creating stream %s with %d shards", stream, shards)
        try:
            await client.create_stream(StreamName=stream, ShardCount=shards)
        except client.exceptions.ResourceInUseException:
            pass  # another feeder created it meanwhile
    waiter = client.get_waiter("stream_exists")
    await waiter.wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": max(1, int(timeout))})


async def feed(config: GeneratorConfig, feeder: KinesisFeeder, stop: asyncio.Event | None = None) -> PutReport:
    """Generate records with the ``generator`` source and put every batch; returns the totals."""
    source = GeneratorSource(config)
    total = PutReport()
    await source.start()
    try:
        async for batch in source.batches():
            total.add(await feeder.put(batch.records))
            await source.ack(batch.token)
            if stop is not None and stop.is_set():
                break
    finally:
        await source.close()
    return total


def load_generator_config(path: str | None, overrides: dict[str, Any]) -> GeneratorConfig:
    data: dict[str, Any] = {"type": "generator", "name": "feeder", "framing": "cloudwatch"}
    if path:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
        data.update(loaded.get("generator", loaded))
    data.update({k: v for k, v in overrides.items() if v is not None})
    return GeneratorConfig.model_validate(data)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m streams.tools.feed_kinesis", description=__doc__.split("\n\n")[0])
    p.add_argument("--stream", required=True, help="Kinesis stream name")
    p.add_argument("--config", help="YAML with generator settings (optionally under a 'generator' key)")
    p.add_argument("--create", action="store_true", help="create the stream when it is missing")
    p.add_argument("--shards", type=int, default=2, help="shards of a created stream")
    p.add_argument("--endpoint-url", help="LocalStack/moto endpoint (default: AWS_ENDPOINT_URL or AWS)")
    p.add_argument("--region", default=None, help="AWS region (default: from the environment)")
    p.add_argument("--max-records", type=int, default=None, help="stop after this many generated records")
    p.add_argument("--speed", type=float, default=None, help="simulated seconds per wall second (0: unpaced)")
    p.add_argument("--max-record-bytes", type=int, default=MAX_RECORD_BYTES)
    return p


async def _main(args: argparse.Namespace) -> int:
    from aiobotocore.session import get_session

    config = load_generator_config(args.config, {"max_records": args.max_records, "speed": args.speed})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with get_session().create_client("kinesis", region_name=args.region, endpoint_url=args.endpoint_url) as client:
        if args.create:
            await ensure_stream(client, args.stream, args.shards)
        feeder = KinesisFeeder(client, args.stream, max_record_bytes=args.max_record_bytes)
        report = await feed(config, feeder, stop)
    log.info("fed %s: %d records sent, %d re-sent, rejected %s", args.stream, report.sent, report.retried, report.rejected)
    return 0 if not report.rejected else 1


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return asyncio.run(_main(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
