"""The fast path must give the reference path's documents and detector aggregates, line for line."""

from __future__ import annotations

import orjson
import pytest

from processors.chain import ParserSet, ProcessorChain, build_enrichers
from processors.fast.detect import aggregate_columns, columns_support
from processors.fast.vpcflow import VpcFlowFastPath
from streams.core.config import validate_detectors
from streams.core.model import Position, Record
from streams.core.registry import DETECTORS
from streams.generator.engine import TrafficGenerator, TrafficSettings
from tests.fast.partials import assert_same_aggregates

ODD = [
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
    "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA",
    "2 123456789010 eni-1 2001:db8::1 2001:db8::2 443 5000 6 1 40 100 160 ACCEPT OK",
    "2 123456789010 eni-1 10.0.0.1 8.8.8.8 0 0 1 1 84 100 160 ACCEPT OK",
    "2 123456789010 eni-1 10.0.0.1 8.8.8.8 8 0 1 1 84 100 160 REJECT OK",
    "2 123456789010 eni-1 010.0.0.1 8.8.8.8 1 2 6 1 84 100 160 REJECT OK",
    "2 123456789010 eni-1 10.0.0.1 10.0.0.1 007 2 50 1 84 100 160 ACCEPT OK",
    "   ",
    "2 1 eni-2 10.0.0.1 8.8.8.8 99999 2 6 1 84 100 160 ACCEPT OK",
    '{"message": "2 1 eni-2 10.0.0.1 8.8.8.8 9 2 6 1 84 100 160 ACCEPT OK"}',
    "2 1 eni-2 10.0.0.1 8.8.8.8 9 2 6 1 84 100 160 ACCEPT OK extra",
]


def _block() -> bytes:
    settings = TrafficSettings(seed=3, rate=200.0, max_records=6000, datasets={"vpcflow": 1.0}, malformed_every=97,
                               anomalies=[{"kind": "port_scan", "start": "10s", "end": "20s"},
                                          {"kind": "reject_spike", "start": "5s", "end": "25s"}])
    lines = [line for chunk in TrafficGenerator(settings).chunks() for line in chunk.lines]
    return ("\n".join(lines[:3000] + ODD + lines[3000:]) + "\n").encode()


@pytest.fixture(scope="module")
def both() -> tuple:
    chain = ProcessorChain("auto", "vpcflow", ParserSet(), build_enrichers(None))
    block = _block()
    fast = VpcFlowFastPath(chain).process("replay", "f.log", block, 1, {"key": "f.log", "dataset": "vpcflow"})
    records = [Record(line.rstrip(b"\r\n"), Position("replay", "f.log", "", str(i)), 0.0, {"key": "f.log", "dataset": "vpcflow"})
               for i, line in enumerate(block.split(b"\n"), 1) if line.strip()]
    reference = ProcessorChain("auto", "vpcflow", ParserSet(), build_enrichers(None)).process(records)
    return fast, reference


def test_same_documents_and_dead_letters(both: tuple) -> None:
    fast, reference = both
    expected = {e.id: orjson.loads(orjson.dumps({"_id": e.id, **e.doc})) for e in reference.events}
    got = [orjson.loads(line) for line in fast.rendered().splitlines()]
    got += [orjson.loads(orjson.dumps({"_id": e.id, **e.doc})) for e in fast.slow.events]
    assert len(got) == len(expected) and fast.documents > 5000
    for doc in got:
        assert doc == expected[doc["_id"]]
    letters = sorted((d.position.offset, d.reason) for d in fast.slow.dead_letters)
    assert letters == sorted((d.position.offset, d.reason) for d in reference.dead_letters) and letters


def test_chunks_render_the_same_bytes(both: tuple) -> None:
    """Rendering in chunks (as the runtime writes a block) gives the same lines as one pass, in order."""
    fast, _ = both
    chunks = [(bytes(chunk), count) for chunk, count in fast.chunks(rows=999)]  # copied: the buffer is reused
    assert len(chunks) > 5 and sum(count for _, count in chunks) == fast.documents
    assert all(chunk.count(b"\n") == count for chunk, count in chunks)
    assert b"".join(chunk for chunk, _ in chunks) == fast.rendered()


@pytest.mark.parametrize("spec", [
    {"name": "r", "type": "vpc_rejects", "datasets": ["aws.vpcflow"]},
    {"name": "p", "type": "port_scan", "datasets": ["aws.vpcflow"], "exact_limit": 8},
    {"name": "l", "type": "log_rate", "keys": ["dataset", "aws.vpcflow.interface_id"]},
    {"name": "e", "type": "error_rate", "datasets": ["aws.vpcflow"], "keys": ["aws.vpcflow.interface_id"],
     "condition": {"field": "event.action", "op": "eq", "value": "REJECT"}},
    # small capacities: Misra-Gries evictions and HyperLogLog registers on every busy key
    {"name": "r2", "type": "vpc_rejects", "datasets": ["vpcflow"], "explain_capacity": 2},
    {"name": "l2", "type": "log_rate", "keys": ["aws.vpcflow.interface_id", "source.ip"], "explain_capacity": 3,
     "explain": ["destination.port", "source.ip", "destination.ip", "source.port"]},
    {"name": "p2", "type": "port_scan", "datasets": ["vpcflow"], "exact_limit": 8, "hosts_rejected_only": False,
     "skip_responses": False, "window": {"seconds": 7}},
])
def test_same_detector_inputs(both: tuple, spec: dict) -> None:
    fast, reference = both
    detector = DETECTORS.build(validate_detectors([spec])[0])
    assert columns_support(detector) is None
    slow_ids = {e.id for e in fast.slow.events}
    ref = detector.aggregate([e for e in reference.events if e.id not in slow_ids])
    got = aggregate_columns(detector, fast)
    assert_same_aggregates(ref, got)
    if spec["name"].endswith("2"):  # the small capacities did overflow somewhere
        assert any(len(t.counts) == t.capacity for p in got.partials.values() for t in p.tops.values()) or \
            any(d.items is None for p in got.partials.values() for d in p.distinct.values())


def test_lazy_top_counters_merge_and_pickle_as_the_reference(both: tuple) -> None:
    """Top counters built on first read: merged into open windows and snapshotted, the state equals the reference's."""
    import pickle

    from detectors.sketches import TopCounter

    fast, reference = both
    spec = {"name": "r", "type": "vpc_rejects", "keys": ["aws.vpcflow.interface_id"], "window": {"seconds": 7}}
    ours, theirs = (DETECTORS.build(validate_detectors([spec])[0]) for _ in range(2))
    slow_ids = {e.id for e in fast.slow.events}
    events = [e for e in reference.events if e.id not in slow_ids]

    def tops(snapshot: dict) -> dict:
        return {s: {k: {n: (type(t), t.counts, t.total) for n, t in p.tops.items()} for k, p in w.items()}
                for s, w in snapshot["windows"].items()}

    for _ in range(2):  # unread counters pickled; then every key met again: lazy counters merged into open windows
        ours.merge(aggregate_columns(ours, fast))
        theirs.merge(theirs.aggregate(events))
        state = tops(pickle.loads(pickle.dumps(ours.snapshot())))
        assert state == tops(theirs.snapshot())
        assert any(t[0] is TopCounter for w in state.values() for p in w.values() for t in p.values())
    assert [f.finding_type for f in ours.flush()] == [f.finding_type for f in theirs.flush()]


@pytest.mark.parametrize("exact_limit", [256, 8])
def test_port_scan_sets_merge_and_pickle_as_the_reference(both: tuple, exact_limit: int) -> None:
    """port_scan's distinct sets from the compiled fold (``probes.probe_fold``): merged twice into open windows
    (every key met again), snapshotted and flushed, they equal the reference's sketches, findings and state."""
    import pickle

    from detectors.sketches import Distinct

    fast, reference = both
    spec = {"name": "p", "type": "port_scan", "window": {"seconds": 7}, "exact_limit": exact_limit, "min_ports": 5,
            "min_hosts": 5}
    ours, theirs = (DETECTORS.build(validate_detectors([spec])[0]) for _ in range(2))
    slow_ids = {e.id for e in fast.slow.events}
    events = [e for e in reference.events if e.id not in slow_ids]

    def sets(snapshot: dict) -> dict:
        return {s: {k: {n: (type(d), d.count(), d.items, d.sample, d.registers) for n, d in p.distinct.items()}
                    for k, p in w.items()} for s, w in snapshot["windows"].items()}

    for _ in range(2):
        ours.merge(aggregate_columns(ours, fast))
        theirs.merge(theirs.aggregate(events))
        state = sets(pickle.loads(pickle.dumps(ours.snapshot())))
        assert state == sets(theirs.snapshot()) and state
        assert all(d[0] is Distinct for w in state.values() for p in w.values() for d in p.values())
    found, expected = ours.flush(), theirs.flush()
    assert [(f.finding_type, f.entity, f.observed, f.explanation) for f in found] == \
        [(f.finding_type, f.entity, f.observed, f.explanation) for f in expected] and found
    mine, ref = ours.snapshot(), theirs.snapshot()  # keys, models, hot keys: the same bytes
    assert all(pickle.dumps(mine[k]) == pickle.dumps(ref[k]) for k in mine if k != "episodes")
    assert mine["episodes"] == ref["episodes"]  # equal; their pickles differ on both paths (shared objects)
