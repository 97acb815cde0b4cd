"""OpenSearch goes away mid-run and comes back: nothing lost, nothing duplicated."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from streams.sinks.opensearch import OpenSearchSink
from tests.opensearch.helpers import Noida, count, deliver, sink_config, vpc_events

pytestmark = pytest.mark.integration


@pytest.fixture
def noida() -> Iterator[Noida]:
    server = Noida()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


async def test_outage_and_recovery_without_loss(noida: Noida) -> None:
    sink = OpenSearchSink(
        sink_config(noida.url, namespace="outage", request_timeout_seconds=1, max_bulk_docs=150, max_concurrent_requests=2)
    )
    sink.policy = sink.config.retry.model_copy(update={"attempts": 1}).policy()  # surface every failure to the loop
    await sink.start()
    batches = [vpc_events(300, start=i * 300) for i in range(8)]
    written = asyncio.Event()
    calls: list[int] = []

    async def pipeline() -> None:
        for i, batch in enumerate(batches):
            calls.append(await deliver(sink, batch, pause=0.1))
            if i == 3:
                written.set()

    task = asyncio.create_task(pipeline())
    await asyncio.wait_for(written.wait(), 60)
    await asyncio.to_thread(noida.stop)  # the cluster disappears mid-run
    await asyncio.sleep(1.5)
    assert not task.done(), "the pipeline must block (backpressure) while the cluster is down"
    await asyncio.to_thread(noida.start)  # same port, same data directory
    await asyncio.wait_for(task, 120)
    try:
        assert max(calls) > 1, "some batch must have needed retries across the outage"
        assert await count(sink, "logs-aws.vpcflow-outage") == 2400
        ids = await sink.client.search(
            index="logs-aws.vpcflow-outage", body={"size": 0, "aggs": {"n": {"cardinality": {"field": "source.bytes"}}}}
        )
        assert ids["aggregations"]["n"]["value"] == 2400
    finally:
        await sink.close()
