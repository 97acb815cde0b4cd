"""Distributed detectors end to end on the broker: two publishing workers, one faust merge worker.

One faust worker start-up (about 30 s for its first group join) keeps this test
the slowest of the Kafka suite; everything else reuses the session broker.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson
import pytest
import yaml

from streams.core.registry import SINKS
from tests.kafka.flows import DETECTOR, batches, comparable, flow_events, single_process_findings
from tests.kafka.helpers import create_topic, read_all, unique

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


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
        messages = await read_all(kafka_bootstrap, findings_topic, len(expected), timeout=150,
                                  alive=lambda: proc.poll() is None, settle_ms=2000)
        got = [orjson.loads(m.value) for m in messages]
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert sorted(map(comparable, got)) == sorted(map(comparable, expected)), (Path(workdir) / "merge.log").read_text()[-3000:]
    output = (Path(workdir) / "merge.log").read_text()
    assert proc.returncode is not None and "Unclosed AIOKafkaProducer" not in output, output[-3000:]  # sinks closed
