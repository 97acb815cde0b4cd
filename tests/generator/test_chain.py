"""Generated traffic through the real processor chain: every good line parses, every malformed one is dead-lettered."""

from __future__ import annotations

from collections import Counter

import pytest

from streams.sources.generator import GeneratorConfig, GeneratorSource

chain_module = pytest.importorskip("processors.chain")

MIX = {"vpcflow": 0.7, "alb": 0.2, "cloudtrail": 0.1}


async def process(framing: str):
    source = GeneratorSource(GeneratorConfig.model_validate(
        {"type": "generator", "seed": 12, "start": "2024-01-02T00:00:00Z", "speed": 0, "max_records": 6000,
         "datasets": MIX, "malformed_every": 1000, "framing": framing}))
    chain = chain_module.ProcessorChain()
    events, dead = [], []
    async for batch in source.batches():
        result = chain.process(batch.records)
        events += result.events
        dead += result.dead_letters
    return events, dead


@pytest.mark.parametrize("framing", ["lines", "cloudwatch"])
async def test_generated_traffic_parses_cleanly_except_the_malformed_lines(framing):
    events, dead = await process(framing)
    assert len(events) + len(dead) == 6000
    assert len(dead) == 6
    assert {d.stage.value for d in dead} <= {"decode", "parse"}
    datasets = Counter(e.dataset for e in events)
    assert set(datasets) == {"aws.vpcflow", "aws.elb_logs", "aws.cloudtrail"}
    assert len({e.id for e in events}) == len(events)  # deterministic ids are unique
