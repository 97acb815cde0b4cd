"""Distributed detectors end to end on the broker: two publishing workers, one faust merge worker.

One faust worker start-up (about 30 s for its first group join) keeps this test
the slowest of the Kafka suite; everything else reuses the session broker.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson
import pytest
import yaml
from aiokafka import AIOKafkaConsumer

from streams.core.registry import SINKS
from tests.kafka.flows import DETECTOR, batches, comparable, flow_events, single_process_findings
from tests.kafka.helpers import create_topic, unique

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


async def read_findings(bootstrap: str, topic: str, count: int, proc: subprocess.Popen, timeout: float) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    out: list = []
    try:
        async with asyncio.timeout(timeout):
            while len(out) < count:
                assert proc.poll() is None, "the merge worker died"
                for messages in (await consumer.getmany(timeout_ms=500)).values():
                    out.extend(orjson.loads(m.value) for m in messages)
        for messages in (await consumer.getmany(timeout_ms=2000)).values():  # nothing extra arrives
            out.extend(orjson.loads(m.value) for m in messages)
    finally:
        await consumer.stop()
    return out


async def test_two_workers_through_kafka_and_faust_equal_one_worker(kafka_bootstrap: str) -> None:
    events = flow_events()
    expected = single_process_findings(events)
    partials = await create_topic(kafka_bootstrap, partitions=4, prefix="partials")
    findings_topic = await create_topic(kafka_bootstrap, partitions=1, prefix="findings")
    sink_cfg = {
        "type": "detector_partials",
        "bootstrap_servers": kafka_bootstrap,
        "topic": partials,
        "partitions": 4,
        "detectors": [DETECTOR],
        "app_id": unique("lw-merge"),
        "min_workers": 2,
        "tick_seconds": 1.0,
    }
    config = {
        "sinks": [sink_cfg],
        "finding_sinks": [
            {"type": "kafka", "bootstrap_servers": kafka_bootstrap, "topic": findings_topic, "format": "fields"}
        ],
    }
    workdir = tempfile.mkdtemp(prefix="lw-merge-")
    cfg_path = Path(workdir) / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(config))
    log = open(Path(workdir) / "merge.log", "wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "merge-detectors", str(cfg_path), "--loglevel", "warning"],
        cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        # publish while the merge worker joins: its consumer group starts from the earliest offsets
        workers = []
        for i in range(2):
            sink = SINKS.build(SINKS.get("detector_partials").config.model_validate({**sink_cfg, "worker_id": f"w{i}"}))
            await sink.start()
            workers.append(sink)
        for i, batch in enumerate(batches(events)):
            results = await workers[i % 2].write(batch)
            assert {r.outcome.value for r in results} == {"ok"}  # delivery confirmed before the ack
        for sink in workers:
            await sink.close()  # final watermarks: end of input
        got = await read_findings(kafka_bootstrap, findings_topic, len(expected), proc, timeout=150)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert sorted(map(comparable, got)) == sorted(map(comparable, expected)), (Path(workdir) / "merge.log").read_text()[-3000:]
