"""Decoder throughput (``pytest -m benchmark tests/decode/test_bench.py -s``)."""

from __future__ import annotations

import time

import pytest

from processors.decode.auto import AutoDecoder
from streams.core.model import Position, Record
from streams.generator import generate_vpcflow_lines
from streams.generator.engine import TrafficGenerator, TrafficSettings
from streams.generator.framing import cloudwatch_payloads

pytestmark = pytest.mark.benchmark


def best_rate(decoder, records, expected: int, rounds: int = 3) -> float:
    best = 0.0
    for _ in range(rounds):
        began = time.perf_counter()
        result = decoder.decode(records)
        elapsed = time.perf_counter() - began
        assert len(result.entries) == expected and not result.errors
        best = max(best, expected / elapsed)
    return best


def test_auto_one_line_per_record():
    lines = list(generate_vpcflow_lines(200_000, seed=1, start="2024-01-01T00:00:00Z"))
    records = [Record(line.encode(), Position("b", "generator", "0", str(i)), 0.0, {"dataset": "vpcflow"})
               for i, line in enumerate(lines)]
    rate = best_rate(AutoDecoder(), records, len(records))
    print(f"\nauto, one line per record: {rate:,.0f} entries/s")
    assert rate > 50_000


def test_auto_many_lines_per_record():
    lines = list(generate_vpcflow_lines(200_000, seed=2, start="2024-01-01T00:00:00Z"))
    records = [Record("\n".join(lines[i : i + 1000]).encode(), Position("b", "s", "0", str(i)), 0.0)
               for i in range(0, len(lines), 1000)]
    rate = best_rate(AutoDecoder(), records, len(lines))
    print(f"\nauto, 1000 lines per record: {rate:,.0f} entries/s")
    assert rate > 50_000


def test_auto_cloudwatch_payloads():
    gen = TrafficGenerator(TrafficSettings(seed=3, start="2024-01-01T00:00:00Z", max_records=100_000, rate=500))
    payloads = []
    for chunk in gen.chunks():
        payloads += cloudwatch_payloads(chunk.times, chunk.lines, chunk.channels, gen.channels, "123456789012", 50)
    records = [Record(data, Position("b", "s", "0", str(i)), 0.0) for i, (_, data) in enumerate(payloads)]
    rate = best_rate(AutoDecoder(), records, 100_000)
    print(f"\nauto, CloudWatch payloads of 50 events: {rate:,.0f} entries/s")
    assert rate > 20_000
