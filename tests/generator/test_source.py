"""The ``generator`` source: batching, positions, acks, pacing, labels, framing."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from processors.decode.cloudwatch import CloudWatchDecoder
from processors.decode.detect import sniff
from streams.core.config import ConfigError, validate
from streams.core.registry import SOURCES
from streams.sources.base import Source
from streams.sources.generator import GeneratorConfig, GeneratorSource

START = "2024-01-02T00:00:00Z"


def config(**kw) -> GeneratorConfig:
    base = {"type": "generator", "seed": 4, "start": START, "speed": 0, "rate": 100}
    return GeneratorConfig.model_validate({**base, **kw})


async def collect(source: GeneratorSource, ack: bool = True):
    await source.start()
    batches = []
    async for batch in source.batches():
        batches.append(batch)
        if ack:
            await source.ack(batch.token)
    return batches


async def test_batches_positions_and_dataset_hints():
    source = GeneratorSource(config(max_records=2500, batch_size=1000, name="demo"))
    assert isinstance(source, Source)
    batches = await collect(source)
    assert [len(b.records) for b in batches] == [1000, 1000, 500]
    offsets = [r.position.offset for b in batches for r in b.records]
    assert offsets == [str(i) for i in range(2500)]
    first = batches[0].records[0]
    assert (first.position.source, first.position.stream, first.position.partition) == ("demo", "generator", "0")
    assert first.attrs == {"dataset": "vpcflow"} and sniff(first.data.decode()) == "vpcflow"
    assert source.checkpoint == "2499"


async def test_checkpoint_waits_for_every_earlier_batch():
    source = GeneratorSource(config(max_records=300, batch_size=100))
    b1, b2, b3 = await collect(source, ack=False)
    await source.ack(b3.token)
    await source.ack(b1.token)
    assert source.checkpoint == "99"
    await source.ack(b2.token)
    assert source.checkpoint == "299"


async def test_labels_file_is_written_at_start(tmp_path):
    path = tmp_path / "out" / "labels.json"
    source = GeneratorSource(config(duration="2m", labels_path=str(path),
                                    anomalies=[{"kind": "port_scan", "start": "30s", "end": "90s"}]))
    await source.start()
    (label,) = json.loads(path.read_text())
    assert label["kind"] == "port_scan" and label["start"] == "2024-01-02T00:00:30Z"
    assert label["entity"]["eni"].startswith("eni-") and label["entity"]["source_ip"]


async def test_cloudwatch_framing_decodes_back_to_the_same_entries():
    mix = {"vpcflow": 0.8, "alb": 0.1, "cloudtrail": 0.1}
    lines = [r.data.decode() for b in await collect(GeneratorSource(config(max_records=3000, datasets=mix))) for r in b.records]
    source = GeneratorSource(config(max_records=3000, datasets=mix, framing="cloudwatch", events_per_message=40))
    batches = await collect(source)
    records = [r for b in batches for r in b.records]
    assert all(r.attrs == {} and r.data[:2] == b"\x1f\x8b" for r in records)
    result = CloudWatchDecoder().decode(records)
    assert not result.errors and len(result.entries) == 3000
    assert sorted(e.value for e in result.entries if isinstance(e.value, str)) == sorted(
        line for line in lines if not line.startswith("{")
    )
    by_dataset = {}
    for e in result.entries:
        by_dataset.setdefault(e.dataset or sniff(e.value), set()).add(e.context["log_group"])
    assert set(by_dataset) == {"vpcflow", "elb", "cloudtrail"}
    assert all(g.startswith("/aws/vpc/flowlogs/") for g in by_dataset["vpcflow"])
    trails = [e.value for e in result.entries if isinstance(e.value, dict)]
    assert len(trails) == sum(1 for line in lines if line.startswith("{")) and all("eventName" in t for t in trails)
    vpc = [e for e in result.entries if e.dataset == "vpcflow"]
    assert all(e.context["log_stream"] == e.value.split(" ")[2] + "-all" for e in vpc)


async def test_pacing_follows_speed():
    source = GeneratorSource(config(duration="60s", speed=120, rate=50))
    began = time.monotonic()
    batches = await collect(source)
    elapsed = time.monotonic() - began
    assert 0.4 <= elapsed < 2.0  # 60 simulated seconds at 120x = 0.5 s
    assert sum(len(b.records) for b in batches) > 2000


async def test_close_ends_the_iterator_even_while_pacing():
    source = GeneratorSource(config(speed=1, rate=50))  # unbounded, real time
    await source.start()
    seen = []

    async def consume():
        async for batch in source.batches():
            seen.append(batch)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.8)
    began = time.monotonic()
    await source.close()
    await asyncio.wait_for(task, timeout=2)
    assert time.monotonic() - began < 0.5
    assert 1 <= len(seen) <= 3  # ~0.5 wall seconds per batch at speed 1


def test_registered_and_validated_through_the_config_loader():
    assert SOURCES.get("generator").config is GeneratorConfig
    cfg = validate({"sources": [{"type": "generator", "name": "g", "framing": "cloudwatch", "duration": "45m",
                                 "anomalies": [{"kind": "silence", "start": "10m", "end": "20m"}]}]})
    assert cfg.sources[0].framing == "cloudwatch"
    with pytest.raises(ConfigError, match=r"sources\[0\]\.framing"):
        validate({"sources": [{"type": "generator", "framing": "xml"}]})
