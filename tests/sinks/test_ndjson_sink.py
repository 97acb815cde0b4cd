"""The NDJSON document sink writes big payloads (a fast-path chunk, a large batch) whole, in slices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson

from streams.core.model import Event, Outcome, Position
from streams.sinks.ndjson import WRITE_SLICE, NdjsonSink, NdjsonSinkConfig


async def test_a_fast_path_chunk_larger_than_a_slice_is_written_whole(tmp_path: Path) -> None:
    sink = NdjsonSink(NdjsonSinkConfig(directory=str(tmp_path)))
    await sink.start()
    line = b'{"_id":"x","message":"' + b"a" * 1000 + b'"}\n'
    rows = WRITE_SLICE * 3 // len(line) + 7
    buffer = np.frombuffer(line * rows, np.uint8).copy()  # the fast path hands a view of a reused numpy buffer
    await sink.write_ndjson("aws.vpcflow", memoryview(buffer), rows)
    await sink.write_ndjson("aws.vpcflow", memoryview(buffer[: len(line)]), 1)
    await sink.close()
    written = (tmp_path / "aws.vpcflow.ndjson").read_bytes()
    assert len(written) > 3 * WRITE_SLICE
    assert written == line * (rows + 1)


async def test_a_large_event_batch_is_written_whole(tmp_path: Path) -> None:
    sink = NdjsonSink(NdjsonSinkConfig(directory=str(tmp_path)))
    await sink.start()
    events = [Event(id=f"id-{i}", dataset="aws.elb_logs", doc={"n": i, "pad": "p" * 500},
                    position=Position("s", "f", "", str(i))) for i in range(5000)]
    results = await sink.write(events)
    await sink.close()
    assert {r.outcome for r in results} == {Outcome.OK}
    lines = (tmp_path / "aws.elb_logs.ndjson").read_bytes().splitlines()
    assert [orjson.loads(x)["_id"] for x in lines] == [f"id-{i}" for i in range(5000)]
    assert sum(len(x) + 1 for x in lines) > WRITE_SLICE
