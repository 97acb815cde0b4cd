"""A worker process is SIGKILLed mid-stream; the other takes its leases over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from streams.sources.kinesis_leases import LeaseTable
from tests.kinesis.helpers import FAST, client, create_stream, put_all, unique

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def read_lines(path: Path) -> list[tuple[int, str, str, str]]:
    """Complete lines only: a line cut by SIGKILL was never acked."""
    if not path.exists():
        return []
    text = path.read_text()
    lines = text.split("\n")[:-1]
    return [(int(a), b, c, d) for a, b, c, d in (line.split(" ") for line in lines)]


def spawn(aws_env: dict[str, str], stream: str, table: str, worker: str, out: Path, log: Path) -> subprocess.Popen:
    settings = {
        "type": "kinesis", "name": "crash", "stream": stream, "region": aws_env["region_name"],
        "endpoint_url": aws_env["endpoint_url"], "lease_table": table, "worker_id": worker,
        **FAST, "max_records": 100, "min_get_interval_seconds": 0.1,
    }  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AWS_ACCESS_KEY_ID": aws_env["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": aws_env["aws_secret_access_key"],
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.kinesis.worker", json.dumps(settings), str(out)],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_until(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


async def test_sigkilled_worker_leases_are_taken_over(aws_credentials: dict[str, str], tmp_path: Path) -> None:
    stream, table, total = unique("crash"), unique("leases"), 10_000
    await create_stream(aws_credentials, stream, 4)
    await put_all(aws_credentials, stream, [(f"key-{i % 500}", b"%d x" % i) for i in range(total)])
    out_a, out_b = tmp_path / "a.txt", tmp_path / "b.txt"
    a = spawn(aws_credentials, stream, table, "a", out_a, tmp_path / "a.log")
    b = spawn(aws_credentials, stream, table, "b", out_b, tmp_path / "b.log")
    try:
        wait_until(lambda: len(read_lines(out_a)) >= 1500 and read_lines(out_b), 60, "both workers reading")
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        killed_at = len(read_lines(out_a))
        assert killed_at < total, "worker a must be killed mid-stream"
        wait_until(lambda: len({line[0] for line in read_lines(out_a) + read_lines(out_b)}) >= total, 90,
                   "b did not finish the stream after a was killed")  # fmt: skip
    finally:
        for proc in (a, b):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(20)
    lines_a, lines_b = read_lines(out_a), read_lines(out_b)
    seen: dict[int, set[tuple[str, str, str]]] = defaultdict(set)
    for ident, shard, seq, sub in lines_a + lines_b:
        seen[ident].add((shard, seq, sub))
    assert set(seen) == set(range(total)), "a record is missing"
    assert all(len(positions) == 1 for positions in seen.values()), "a duplicate was not a re-delivery"
    duplicates = len(lines_a) + len(lines_b) - total
    # at most what a worker can hold unacknowledged: 4 shards x max_unacked_batches x max_records, twice
    assert duplicates <= 2 * 4 * FAST["max_unacked_batches"] * 100
    b_shards = {shard for _, shard, _, _ in lines_b[-total // 2 :]}
    assert len(b_shards) == 4, "b must have read every shard after the takeover"
    async with client(aws_credentials, "dynamodb") as dynamodb:
        leases = await LeaseTable(dynamodb, table).list()
    last = {}
    for _, shard, seq, _ in lines_a + lines_b:
        last[shard] = max(last.get(shard, 0), int(seq))
    assert {lease.key: int(lease.checkpoint) for lease in leases} == last
    assert all(lease.owner is None for lease in leases), "b released its leases on SIGTERM"
    print(f"\nkilled a after {killed_at} lines; {duplicates} re-deliveries")
