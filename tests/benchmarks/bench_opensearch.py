"""Bulk indexing throughput of the OpenSearch sink against noida-db (or LOGWARDEN_TEST_OPENSEARCH_URL).

Run: ``python -m tests.benchmarks.bench_opensearch [--docs N] [--batch N] [--concurrency N]``.
Writes batches the way the runtime does (one ``write`` per batch, up to
``--in-flight`` batches at once) and reports documents per second for the
first pass (creates) and a replay of the same input (409s, counted as OK).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import Counter
from typing import Any

import pytest

from streams.core.model import Outcome
from streams.sinks.opensearch import OpenSearchSink
from tests.opensearch.helpers import Noida, count, sink_config, vpc_events


async def _pass(sink: OpenSearchSink, batches: list[list[Any]], in_flight: int) -> tuple[float, Counter[Outcome]]:
    outcomes: Counter[Outcome] = Counter()
    gate = asyncio.Semaphore(in_flight)

    async def one(batch: list[Any]) -> None:
        async with gate:
            outcomes.update(r.outcome for r in await sink.write(batch))

    started = time.perf_counter()
    await asyncio.gather(*(one(b) for b in batches))
    return time.perf_counter() - started, outcomes


def encode_rate(docs: int) -> float:
    """Client-side cost alone: documents per second encoded and chunked (no server)."""
    from streams.core.model import ItemResult
    from streams.sinks.opensearch_bulk import chunk

    sink = OpenSearchSink(sink_config("http://127.0.0.1:9"))
    events = vpc_events(docs)
    started = time.perf_counter()
    items = sink._encode_all(events, [ItemResult(Outcome.RETRY)] * docs)
    sum(1 for _ in chunk(items, sink.config.max_bulk_bytes, sink.config.max_bulk_docs))
    return docs / (time.perf_counter() - started)


async def run(
    url: str, docs: int, batch: int, concurrency: int, in_flight: int, templates: bool = True
) -> dict[str, float]:
    namespace = "bench" if templates else "benchraw"
    sink = OpenSearchSink(
        sink_config(url, namespace=namespace, max_concurrent_requests=concurrency, install_templates=templates)
    )
    await sink.start()
    try:
        events = vpc_events(docs, stream=f"bench-{time.time_ns()}")
        batches = [events[i : i + batch] for i in range(0, docs, batch)]
        create_s, created = await _pass(sink, batches, in_flight)
        replay_s, replayed = await _pass(sink, batches, in_flight)
        stored = await count(sink, f"logs-aws.vpcflow-{namespace}")
    finally:
        await sink.close()
    assert created[Outcome.OK] == docs and replayed[Outcome.OK] == docs, (created, replayed)
    return {
        "docs": docs,
        "create_docs_per_s": docs / create_s,
        "replay_docs_per_s": docs / replay_s,
        "stored": stored,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2, help="max concurrent bulk requests")
    parser.add_argument("--in-flight", type=int, default=4, help="batches written at once")
    parser.add_argument("--no-templates", action="store_true", help="skip the ECS templates (dynamic mapping)")
    args = parser.parse_args(argv)
    external = os.environ.get("LOGWARDEN_TEST_OPENSEARCH_URL")
    server = None if external else Noida()
    if server is not None:
        server.start()
    try:
        url = external or server.url  # type: ignore[union-attr]
        result = asyncio.run(run(url, args.docs, args.batch, args.concurrency, args.in_flight, not args.no_templates))
    finally:
        if server is not None:
            server.cleanup()
    result["encode_docs_per_s"] = encode_rate(args.docs)
    print(
        f"opensearch sink ({'no templates' if args.no_templates else 'ECS templates'}): {result['docs']} docs, create {result['create_docs_per_s']:,.0f} docs/s, "
        f"replay (409) {result['replay_docs_per_s']:,.0f} docs/s, stored {result['stored']}; "
        f"client-side encode+chunk {result['encode_docs_per_s']:,.0f} docs/s"
    )
    return result


@pytest.mark.benchmark
def test_bench_opensearch() -> None:
    result = main(["--docs", "5000"])
    assert result["stored"] >= 5000


if __name__ == "__main__":
    main()
