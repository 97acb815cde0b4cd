"""The production path end to end: CloudWatch Logs subscription payloads in Kinesis -> logwarden -> documents.

The demo feeder puts generated VPC flow and ALB entries as gzip subscription payloads into a stream on
moto's server; the runtime reads them through a leased Kinesis source, finds each entry's dataset from
its log group or content, and writes documents and dead letters; the lease checkpoint advances.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from aiobotocore.session import get_session

from streams.core.config import validate
from streams.runtime.pipeline import Pipeline
from streams.tools.feed_kinesis import KinesisFeeder, ensure_stream, feed, load_generator_config

pytestmark = pytest.mark.integration


async def test_subscription_payloads_from_kinesis_become_documents(aws_credentials: dict[str, Any], tmp_path: Path) -> None:
    env = aws_credentials
    gen = load_generator_config(None, {"seed": 3, "max_records": 3000, "speed": 0, "framing": "cloudwatch",
                                       "datasets": {"vpcflow": 0.8, "alb": 0.2}, "malformed_every": 500})
    async with get_session().create_client("kinesis", **env) as client:
        await ensure_stream(client, "cwl-flows", shards=2)
        report = await feed(gen, KinesisFeeder(client, "cwl-flows"))
    assert report.sent > 0 and not report.rejected

    out = tmp_path / "out"
    cfg = validate({
        "metrics": {"enabled": False},
        "sources": [{"type": "kinesis", "name": "flows", "stream": "cwl-flows", "endpoint_url": env["endpoint_url"],
                     "region": env["region_name"], "initial_position": "TRIM_HORIZON", "lease_table": "lw-e2e",
                     "poll_interval_seconds": 0.2}],
        "sinks": [{"type": "ndjson", "directory": str(out)}],
        "dead_letter": {"type": "ndjson", "directory": str(out), "filename": "dlq.ndjson"},
    })
    pipeline = Pipeline(cfg)
    run = asyncio.create_task(pipeline.run())
    for _ in range(600):
        await asyncio.sleep(0.1)
        if pipeline.summary.documents + pipeline.summary.dead_letters >= 3000:
            break
    pipeline.stop()
    summary = await run

    flows = [json.loads(x) for x in (out / "aws.vpcflow.ndjson").read_text().splitlines()]
    albs = [json.loads(x) for x in (out / "aws.elb_logs.ndjson").read_text().splitlines()]
    dead = [json.loads(x) for x in (out / "dlq.ndjson").read_text().splitlines()]
    assert len(flows) + len(albs) + len(dead) == 3000 == summary.documents + summary.dead_letters
    assert len(dead) == 3000 // 500 and all(d["position"]["partition"].startswith("shardId-") for d in dead)
    assert len({d["_id"] for d in flows + albs}) == len(flows) + len(albs)
    # the CloudWatch envelope reaches the documents
    assert flows[0]["aws"]["cloudwatch"]["log_group"].startswith("/aws/vpc/flowlogs/")
    assert flows[0]["cloud"]["account"]["id"]

    async with get_session().create_client("dynamodb", **env) as ddb:
        leases = (await ddb.scan(TableName="lw-e2e"))["Items"]
    assert leases and all(item["checkpoint"]["S"] not in ("TRIM_HORIZON", "LATEST") for item in leases)
