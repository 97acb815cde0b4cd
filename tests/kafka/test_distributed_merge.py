"""Distributed detectors without a broker: two workers' partials, merged per partition, equal one worker."""

from __future__ import annotations

import zlib

from streams.core.config import validate_detectors
from streams.core.registry import DETECTORS
from streams.distributed.merger import PartitionMerger
from streams.distributed.publisher import PartialPublisher
from streams.distributed.wire import decode
from tests.kafka.flows import DETECTOR, batches, comparable, flow_events, single_process_findings

PARTITIONS = 3


def route(messages, queues) -> None:
    """What the broker does: keyed messages by key hash, watermarks to their explicit partition."""
    for m in messages:
        p = m.partition if m.partition is not None else zlib.crc32(m.key) % PARTITIONS
        queues[p].append(m.value)


def test_two_workers_merged_equal_one_worker() -> None:
    events = flow_events()
    expected = single_process_findings(events)
    assert any(f.finding_type == "reject_spike" for f in expected)  # the injected bursts are found

    cfg = validate_detectors([DETECTOR])[0]
    workers = [PartialPublisher([DETECTORS.build(cfg)], None, "partials", PARTITIONS, f"w{i}") for i in range(2)]
    mergers = [PartitionMerger([cfg], clock=lambda: 0.0, min_workers=2) for _ in range(PARTITIONS)]
    found = []
    for i, batch in enumerate(batches(events)):
        queues: list[list[bytes]] = [[] for _ in range(PARTITIONS)]
        route(workers[i % 2].messages(batch), queues)
        for merger, queue in zip(mergers, queues, strict=True):
            found.extend(merger.apply([decode(v) for v in queue]))
    queues = [[] for _ in range(PARTITIONS)]
    for w in workers:
        route(w.final_messages(), queues)
    for merger, queue in zip(mergers, queues, strict=True):
        found.extend(merger.apply([decode(v) for v in queue]))

    assert sorted(map(comparable, found)) == sorted(map(comparable, expected))


def test_merger_snapshot_restores_open_windows_and_models() -> None:
    events = flow_events(minutes=34)
    cfg = validate_detectors([DETECTOR])[0]
    worker = PartialPublisher([DETECTORS.build(cfg)], None, "partials", 1, "w")
    first = PartitionMerger([cfg], clock=lambda: 0.0)
    parts = batches(events)
    half = len(parts) // 2
    found = []
    for batch in parts[:half]:
        found += first.apply([decode(m.value) for m in worker.messages(batch)])
    restarted = PartitionMerger([cfg], clock=lambda: 0.0)
    restarted.restore(first.snapshot())  # what the changelog table hands a new owner
    for batch in parts[half:]:
        found += restarted.apply([decode(m.value) for m in worker.messages(batch)])
    found += restarted.apply([decode(m.value) for m in worker.final_messages()])
    assert sorted(map(comparable, found)) == sorted(map(comparable, single_process_findings(events)))


def test_bad_messages_are_counted_not_raised() -> None:
    cfg = validate_detectors([DETECTOR])[0]
    merger = PartitionMerger([cfg])
    assert merger.apply([decode(b"{}"), decode(b"\xff"), decode(b'{"kind": "partial", "detector": "x"}')]) == []

